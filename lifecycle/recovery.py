"""The recovery step: repair what killed or stopped runs left, before the next crawl starts.

One explicit step, run by :func:`lifecycle.startup.prepare_run` (the CLI before the crawl, the
spider for ``scrapy crawl`` and scrapyd), holding the work directory's lock, in this order:

1. WARCs left ``.open`` by a writer that is gone are cut to their last whole record, checked and
   renamed (:func:`archive.recovery.recover_open_warcs`);
2. the CDXJ index of every WARC of a killed run that has none, or only a half-written
   ``.cdxj.open``, is written (:func:`archive.recovery.rebuild_indexes`);
3. the text of each killed run is completed from its WARCs' story records, and every article
   durable in WARC and text is settled, with the keys its story record names
   (:func:`pipelines.recovery.recover_text`, settling through :class:`lifecycle.settle.Settler`),
   then the run is ended.

Each step is idempotent and leaves the next one's input in place until it is done (a killed run
stays listed until its text is complete), so a kill during recovery is repaired by the next start.
``KLIPING_RECOVER_ON_START`` switches the step off, ``KLIPING_RECOVER_TEXT`` its third part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive.recovery import RecoveryResult, rebuild_indexes, recover_open_warcs
from pipelines.recovery import TextRecovery, recover_text
from settings.runinfo import local_dir
from state.frontier import Frontier, frontier_path


@dataclass
class Recovery:
    """What the recovery step did at one start."""

    warcs: list[RecoveryResult] = field(default_factory=list)
    indexes: list[Path] = field(default_factory=list)
    text: TextRecovery = field(default_factory=TextRecovery)

    def stats(self) -> dict[str, int]:
        """Counts for the run's stats (``kliping/recovery/*``)."""
        return {
            "kliping/recovery/warcs": len([r for r in self.warcs if r.ok]),
            "kliping/recovery/warcs_damaged": len([r for r in self.warcs if not r.ok]),
            "kliping/recovery/indexes": len(self.indexes),
            **self.text.stats(),
        }


def _killed_pids(settings: Any) -> set[int]:
    path = frontier_path(settings)
    if not path.exists():
        return set()
    frontier = Frontier(path)
    try:
        return {run.pid for run in frontier.killed_runs()}
    finally:
        frontier.close()


def recover(settings: Any) -> Recovery:
    """Run the recovery step (see the module doc). Raises ``OSError`` (a full disk) and
    :class:`state.StateFileError` (an unusable frontier or seen store) as they come."""
    report = Recovery()
    if not settings.getbool("KLIPING_RECOVER_ON_START"):
        return report
    warc_dir = Path(local_dir(settings, "warc"))
    report.warcs = recover_open_warcs([warc_dir])
    if settings.getbool("KLIPING_WARC_CDXJ"):
        writers = _killed_pids(settings)
        for result in report.warcs:
            if result.path is not None and (pid := re.search(r"-(\d+)\.warc\.gz$", result.path.name)):
                writers.add(int(pid[1]))
        report.indexes = rebuild_indexes([warc_dir], writers)
    if settings.getbool("KLIPING_RECOVER_TEXT"):
        report.text = recover_text(settings)
    return report


__all__ = ["Recovery", "recover"]
