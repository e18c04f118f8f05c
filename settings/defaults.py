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

#: Local directory for files in progress and for the seen-article state and frontier (also when
#: output is on S3). It does not follow ``--output``: runs into dated output directories still
#: share one state; give a separate crawl (a demo, an experiment) its own ``KLIPING_WORKDIR``.
KLIPING_WORKDIR = "data"

# --- outlets ------------------------------------------------------------------------------------

#: Extra directories of outlet ``*.toml`` files, read after the built-in ``settings/outlets/``
#: (a file there replaces a built-in outlet of the same name).
KLIPING_OUTLETS_DIRS: list[str] = []

# --- state --------------------------------------------------------------------------------------

#: Where the seen-article state lives: a SQLite file (``sqlite:///`` + a path; ``{workdir}`` is
#: ``KLIPING_WORKDIR``; three slashes: relative; four: ``sqlite:////var/lib/kliping/seen.sqlite``)
#: or ``redis://host:port/db`` to share it between workers. Empty: no state, every run fetches
#: every listed article. An article is marked seen only once its WARC records are fsynced and
#: the text batch holding its record is stored.
KLIPING_STATE = "sqlite:///{workdir}/state/seen.sqlite"

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

#: Keep the run's pending requests in a disk queue (``<KLIPING_WORKDIR>/queue/<run id>``, removed
#: when the run ends) rather than in memory, so a sitemap of 100,000 articles costs disk, not RAM.
#: Not used with Scrapy's ``JOBDIR`` (its own queue) or a shared frontier (the queue is in Redis).
KLIPING_QUEUE_ON_DISK = True

# --- archive ------------------------------------------------------------------------------------

#: Write every request and response to WARC files. Switching it off loses the raw record.
KLIPING_WARC_ENABLED = True

#: Prefix of WARC file names: ``<prefix>-<UTC timestamp>-<serial>-<hostname>-<pid>.warc.gz``.
KLIPING_WARC_PREFIX = "kliping"

#: Roll over to a new WARC file once the open one reaches this many bytes.
KLIPING_WARC_MAX_SIZE = 1_000_000_000

#: gzip level of the WARC records (0-9; each record is its own gzip member). 6, zlib's and
#: Heritrix's default, costs a third less CPU than warcio's 9 for files about 0.5 % larger; 1
#: halves the CPU again for files about 15 % larger.
KLIPING_WARC_GZIP_LEVEL = 6

#: Operator named in each WARC's ``warcinfo`` record (a person or organisation and a contact).
KLIPING_WARC_OPERATOR = ""

#: Write a CDXJ index (``NAME.warc.gz.cdxj``, cdxj-indexer) beside each WARC file once it is closed.
KLIPING_WARC_CDXJ = True

#: Write a response whose payload digest equals one already archived for the same URL as a
#: ``revisit`` record (identical-payload-digest) instead of a second copy. Earlier payloads are
#: known from this run and from the CDXJ indexes already in the run's WARC directory.
KLIPING_WARC_REVISITS = True

#: More CDXJ index files (paths or globs) whose responses count as already archived for revisits,
#: e.g. earlier runs' indexes kept elsewhere when WARCs are uploaded to S3.
KLIPING_WARC_REVISIT_CDXJ: list[str] = []

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

#: A page that declares itself an article (og:type article, JSON-LD NewsArticle) is kept from this
#: many characters of story: a two-sentence news flash is still news.
KLIPING_EXTRACT_MIN_ARTICLE_CHARS = 80

#: Detect the text language with CLD2 (pycld2), falling back to the outlet hint or the page's lang
#: attribute when CLD2 finds the text too short or mixed to be sure; off: always the fallback.
KLIPING_EXTRACT_DETECT_LANGUAGE = True

#: Bodies larger than this (bytes, after decompression) are archived but not extracted.
KLIPING_EXTRACT_MAX_FILE_SIZE = 20_000_000

#: Time zone assumed when neither the page nor the outlet names one.
KLIPING_EXTRACT_DEFAULT_TIMEZONE = "Asia/Jakarta"

# --- monitoring ---------------------------------------------------------------------------------

#: Seconds between progress lines (pages, articles, rate, per outlet) in the log; 0 switches them off.
#: ``kliping extract`` uses it too, for its progress over the WARC bytes.
KLIPING_PROGRESS_INTERVAL = 30.0

#: Progress bar on stderr: ``auto`` (only when stderr is a terminal), ``on`` or ``off``.
KLIPING_PROGRESS_BAR = "auto"

#: At the end of every run, print the summary table on stderr and write
#: ``<output>/runs/<run id>/summary.json``; the run's invariants are checked either way.
KLIPING_RUN_SUMMARY = True

# --- health and metrics -------------------------------------------------------------------------

#: Keep each outlet's health per crawl (listings alive, new articles, empty or short text, missing
#: title/date/author, text length, boilerplate-like lines, HTTP errors, bytes, time), judge it
#: against the outlet's own history, and raise alarms (exit code 7; docs/operating.md, "Health").
KLIPING_HEALTH_ENABLED = True

#: Where health rows live: ``sqlite:///`` + a path (``{workdir}`` is ``KLIPING_WORKDIR``) or
#: ``redis://host:port/db``. Empty: the Redis of ``KLIPING_STATE`` when it is shared, else
#: ``sqlite:///{workdir}/state/health.sqlite``.
KLIPING_HEALTH_STATE = ""

#: Earlier runs of an outlet its usual bands and its staleness are learned from.
KLIPING_HEALTH_WINDOW = 20

#: Earlier runs an outlet needs before a learned band or staleness can alarm (an outlet file's
#: ``[health]`` table applies from the first run).
KLIPING_HEALTH_MIN_RUNS = 1

#: A learned staleness alarms after at least this many runs in a row without a new article.
KLIPING_HEALTH_STALE_MIN_RUNS = 2

#: An article with fewer characters of text than this counts as short.
KLIPING_HEALTH_SHORT_TEXT_CHARS = 500

#: Validate text records against ``extract/article.schema.json`` for the health figures (each
#: outlet's first 20 of a run, then one in ten: a record costs milliseconds to validate).
KLIPING_HEALTH_VALIDATE = True

#: Days of health rows kept; older rows are dropped as new runs are recorded.
KLIPING_HEALTH_KEEP_DAYS = 400.0

#: Write Prometheus metrics at the end of every crawl to this file (for node_exporter's textfile
#: collector, e.g. ``/var/lib/prometheus/node-exporter/kliping.prom``); empty: none.
KLIPING_METRICS_TEXTFILE = ""

#: Push Prometheus metrics at the end of every crawl to this Pushgateway
#: (``http://pushgateway:9091``); empty: none.
KLIPING_METRICS_PUSHGATEWAY = ""

#: Job name of the pushed metrics (the ``job`` grouping key).
KLIPING_METRICS_JOB = "kliping"

#: Seconds to wait for the Pushgateway before giving up on a push (a warning, not a failure).
KLIPING_METRICS_TIMEOUT = 10.0

# --- text outputs -------------------------------------------------------------------------------

#: Text record formats written through ``FEEDS``: ``jsonl`` and/or ``parquet`` (see docs/outputs.md).
KLIPING_TEXT_FORMATS = ["jsonl", "parquet"]

#: Gzip the JSON lines batches (``.jsonl.gz``, Scrapy's ``GzipPlugin``).
KLIPING_TEXT_GZIP = False

#: Records per text batch file; a new file (``<run>-<n+1>``) starts after this many. 0: one file per run.
KLIPING_TEXT_BATCH_ITEMS = 1000

#: Write the Parquet batches of ``text/`` when the spider closes, after the extraction workers
#: have exited, from their rows staged durably as hidden ``.<run>-<n>.parquet.rows`` files: keeps
#: pyarrow (~30 MB) out of the crawl's process while it crawls. Off: each batch as it closes.
KLIPING_TEXT_PARQUET_AT_END = True

# --- stores -------------------------------------------------------------------------------------

#: Store classes by output URI scheme (dotted paths): where WARCs, indexes and text batches go.
KLIPING_STORES_BASE = {
    "file": "archive.stores.local.LocalStore",
    "s3": "archive.stores.s3.S3Store",
}

#: Extra or replacement store classes by URI scheme, merged over the base dict (``None`` disables one).
KLIPING_STORES: dict[str, str] = {}

#: Check at start-up that the output store takes files (S3: head-bucket and a small put/delete),
#: stopping the crawl with one line naming the endpoint and bucket if not.
KLIPING_STORE_CHECK = True

# --- S3 -----------------------------------------------------------------------------------------

#: Endpoint of an S3-compatible service (``https://minio.example:9000``, a moto URL) for the
#: output store and for ``s3://`` inputs of ``kliping extract``; empty: AWS, or boto3's
#: ``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_S3``.
KLIPING_S3_ENDPOINT_URL = ""

#: Region of the bucket; empty: from boto3's configuration (``AWS_DEFAULT_REGION``, profile).
KLIPING_S3_REGION = ""

#: ``auto``, ``path`` (``endpoint/bucket/key``, most S3-compatible services) or ``virtual``.
KLIPING_S3_ADDRESSING_STYLE = "auto"

#: Files at least this large (bytes) are uploaded in parts.
KLIPING_S3_MULTIPART_THRESHOLD = 64 * 1024 * 1024

#: Size of each part of a multipart upload (bytes; at least 5 MiB on S3).
KLIPING_S3_MULTIPART_CHUNKSIZE = 64 * 1024 * 1024

#: Attempts per S3 request, retried with exponential backoff (botocore's ``standard`` mode).
KLIPING_S3_MAX_ATTEMPTS = 5

#: Seconds to wait for a connection to the endpoint.
KLIPING_S3_CONNECT_TIMEOUT = 10.0

#: How an upload is verified before the local file is removed: ``etag`` (size and MD5 ETag,
#: multipart-aware) or ``size`` (for buckets whose ETags are not MD5s, e.g. SSE-KMS).
KLIPING_S3_VERIFY = "etag"

#: Access key id; empty (recommended): boto3's chain (``AWS_ACCESS_KEY_ID``, ``AWS_PROFILE``, roles).
KLIPING_S3_ACCESS_KEY_ID = ""

#: Secret access key; empty (recommended): boto3's chain. Never logged.
KLIPING_S3_SECRET_ACCESS_KEY = ""

#: Session token for temporary credentials; empty: boto3's chain.
KLIPING_S3_SESSION_TOKEN = ""
# --- reliability --------------------------------------------------------------------------------

#: At start-up, recover WARC files a killed crawl left ``.open``: cut to the last whole record,
#: checked, renamed (cut bytes kept in ``.tail``; unusable files moved aside as ``.damaged``).
KLIPING_RECOVER_ON_START = True

#: At start-up, complete the text of killed runs: re-extract from their WARCs the articles a text
#: format's batches lack and write them, in every format of ``KLIPING_TEXT_FORMATS``, as
#: ``text/<outlet>/<date>/<run>-recovered-<n>.<ext>`` (remote output: into the spool); then settle
#: frontier and seen store. Needs ``KLIPING_RECOVER_ON_START``.
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
