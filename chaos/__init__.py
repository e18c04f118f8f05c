"""The chaos soak (``make chaos``, ``python -m chaos``): kliping crawls a synthetic web of a few
thousand articles while the harness kills, stops, starves and freezes it, then checks on the files
that nothing was lost, duplicated or damaged and that no process was left behind.

``web.py`` the synthetic web; ``procs.py`` runs, signals, orphans and cleanup; ``scenarios.py``
what is done to the runs; ``verify.py`` the checks; ``report.py`` the results table;
``__main__.py`` the command line. See docs/reliability.md, "Chaos soak".
"""

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
