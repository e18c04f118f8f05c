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

#: Bodies larger than this (bytes, after decompression) are archived but not extracted.
KLIPING_EXTRACT_MAX_BYTES = 10_000_000

# --- text outputs -------------------------------------------------------------------------------

#: Text record formats written through ``FEEDS``: ``jsonl`` and/or ``parquet`` (see docs/outputs.md).
KLIPING_TEXT_FORMATS = ["jsonl", "parquet"]

#: Gzip the JSON lines batches (``.jsonl.gz``, Scrapy's ``GzipPlugin``).
KLIPING_TEXT_GZIP = False

#: Records per text batch file; a new file (``<run>-<n+1>``) starts after this many. 0: one file per run.
KLIPING_TEXT_BATCH_ITEMS = 1000

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

#: Endpoint of an S3-compatible service (``https://minio.example:9000``); empty: AWS, or boto3's
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
