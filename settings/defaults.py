"""Every ``KLIPING_*`` setting with its default: the one place they are documented.

Each setting is preceded by a ``#:`` comment; ``python -m settings.docs`` turns this module into
``docs/settings.md`` and a test keeps the two in step. Components read these through Scrapy's
settings in ``from_crawler``; override any of them with ``-s NAME=VALUE`` or in ``settings/__init__.py``.
"""

# --- output -------------------------------------------------------------------------------------

#: Root of all output: a local path, a ``file://`` URI or ``s3://bucket/prefix``. WARCs go under
#: ``warc/``, text records under ``text/``, run summaries under ``runs/``.
KLIPING_OUTPUT = "data"

#: Identifier of this run, used in file names and records. Empty: generated from the UTC start time.
KLIPING_RUN_ID = ""

#: Local directory for files in progress and for the seen-article state (also when output is on S3).
KLIPING_WORKDIR = "data"

# --- outlets ------------------------------------------------------------------------------------

#: Extra directories of outlet ``*.toml`` files, read after the built-in ``settings/outlets/``
#: (a file there replaces a built-in outlet of the same name).
KLIPING_OUTLETS_DIRS: list[str] = []

# --- state --------------------------------------------------------------------------------------

#: Where the seen-article state lives: ``sqlite:///data/state/seen.sqlite`` (a path after
#: ``sqlite://``) or ``redis://host:port/db`` to share it between workers.
KLIPING_STATE = "sqlite:///data/state/seen.sqlite"

#: Seen-store classes by URI scheme (dotted paths); extend with ``KLIPING_STATE_STORES``.
KLIPING_STATE_STORES_BASE = {
    "sqlite": "state.sqlite.SqliteSeenStore",
    "redis": "state.redis.RedisSeenStore",
}

#: Extra or replacement seen-store classes by URI scheme, merged over the base dict.
KLIPING_STATE_STORES: dict[str, str] = {}

# --- scale-out ----------------------------------------------------------------------------------

#: With ``KLIPING_STATE=redis://...``: seconds after its last heartbeat that a worker counts as
#: dead. A worker that starts when no worker of the current round is alive begins a new round
#: (listings read again; what a killed worker had taken from the queue is found again).
KLIPING_REDIS_HEARTBEAT = 30.0

#: With ``KLIPING_STATE=redis://...``: seconds a finished or abandoned round's queue and duplicate
#: filter stay in Redis (for inspection) before they expire.
KLIPING_REDIS_ROUND_KEEP = 86400

# --- fetching -----------------------------------------------------------------------------------

#: Forward proxy every request goes through (``http://host:port``), e.g. the replay web; empty: none.
KLIPING_PROXY = ""

#: Contact URL put in the User-Agent, so site operators can reach whoever runs the crawl.
KLIPING_CONTACT_URL = "https://github.com/kliping/kliping"

# --- archive ------------------------------------------------------------------------------------

#: Write every request and response to WARC files. Switching it off loses the raw record.
KLIPING_WARC_ENABLED = True

#: Prefix of WARC file names: ``<prefix>-<UTC timestamp>-<serial>-<hostname>-<pid>.warc.gz``.
KLIPING_WARC_PREFIX = "kliping"

#: Roll over to a new WARC file once the open one reaches this many bytes.
KLIPING_WARC_MAX_SIZE = 1_000_000_000

#: Operator named in each WARC's ``warcinfo`` record (a person or organisation and a contact).
KLIPING_WARC_OPERATOR = ""

# --- extraction ---------------------------------------------------------------------------------

#: Worker processes that run extraction off the reactor thread; 0 means one per CPU core.
KLIPING_EXTRACT_WORKERS = 0

#: Bodies larger than this (bytes, after decompression) are archived but not extracted.
KLIPING_EXTRACT_MAX_BYTES = 10_000_000
