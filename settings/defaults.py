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

#: Trafilatura ``favor_precision``: prefer leaving out doubtful blocks.
KLIPING_EXTRACT_FAVOR_PRECISION = True

#: Trafilatura ``favor_recall``: prefer keeping doubtful blocks (overrides precision).
KLIPING_EXTRACT_FAVOR_RECALL = False

#: Trafilatura ``fast``: skip the readability/jusText fallback comparison.
KLIPING_EXTRACT_FAST = False

#: Keep tables in the story text.
KLIPING_EXTRACT_INCLUDE_TABLES = True

#: Apply kliping's Indonesian news boilerplate rules (related links, bylines, pagers, captions...).
KLIPING_EXTRACT_BOILERPLATE_RULES = True

#: A page whose cleaned story has fewer characters is not an article.
KLIPING_EXTRACT_MIN_TEXT_CHARS = 200

#: Detect the text language with py3langid (else the outlet hint or the page's lang attribute).
KLIPING_EXTRACT_DETECT_LANGUAGE = True

#: Bodies larger than this (bytes, after decompression) are archived but not extracted.
KLIPING_EXTRACT_MAX_FILE_SIZE = 20_000_000

#: Time zone assumed when neither the page nor the outlet names one.
KLIPING_EXTRACT_DEFAULT_TIMEZONE = "Asia/Jakarta"

# --- reliability --------------------------------------------------------------------------------

#: At start-up, recover WARC files a killed crawl left ``.open``: cut to the last whole record,
#: checked, renamed (cut bytes kept in ``.tail``; unusable files moved aside as ``.damaged``).
KLIPING_RECOVER_ON_START = True

#: At start-up, repair the text batches of killed runs: cut half-written lines, re-extract from
#: the WARC the articles no batch holds (``<run>-recovered-<n>.jsonl``), settle frontier and seen store.
KLIPING_RECOVER_TEXT = True

#: Keep article requests in a durable frontier (SQLite) so a killed crawl resumes instead of
#: starting over; a job that finishes cleanly is forgotten.
KLIPING_FRONTIER_ENABLED = True

#: The frontier's SQLite file; empty: ``<KLIPING_WORKDIR>/state/frontier.sqlite``.
KLIPING_FRONTIER_PATH = ""

#: Names of spider callbacks whose requests are articles kept in the frontier.
KLIPING_FRONTIER_CALLBACKS = ["parse_article", "parse_page"]

#: A pending article request that failed is tried by at most this many runs, then given up (a
#: killed run does not count).
KLIPING_FRONTIER_MAX_ATTEMPTS = 3

#: Seconds a stop signal (SIGTERM, SIGINT) waits for downloads in flight before cancelling them,
#: so the graceful stop ends within 30 s. 0: wait as long as Scrapy does.
KLIPING_SHUTDOWN_TIMEOUT = 25

#: Stop the crawl cleanly when an output volume has less free space than this (bytes), before a
#: write can fail half-way. 0: no check (a write that fails with ENOSPC still stops the run).
KLIPING_MIN_FREE_SPACE = 100_000_000
