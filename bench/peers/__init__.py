"""Peer drivers: scripts run with a peer's own venv (``bench/.venv-<peer>``), never imported by kliping.

Each takes ``crawl`` (fetch and extract the synthetic site through the replay web, print
``{"pages": N}``) or ``corpus`` (extract the corpus's gold article pages, write records the shared
scorer reads). They use only the standard library and the peer itself.
"""
