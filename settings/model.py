"""Every setting kliping reads, as one typed model: names, types, bounds, defaults and meaning.

:class:`KlipingSettings` holds every ``KLIPING_*`` setting; :class:`ScrapySettings` the Scrapy
settings kliping relies on or that operators commonly tune, with their real types (Scrapy's own
defaults only hint at them: ``DOWNLOAD_DELAY`` defaults to ``0`` yet takes ``0.25``). Values from
the command line and the environment arrive as text; the models parse them once at start-up
(:mod:`settings.check`), say in one line what is wrong with a bad one, and the parsed values are
what the crawl's components read. ``python -m settings.docs`` renders both as docs/settings.md.

The ``KLIPING_EXTRACT_*`` settings are the fields of :class:`extract.ExtractOptions` (where their
defaults and bounds are written), plus ``KLIPING_EXTRACT_WORKERS``. No Scrapy here.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, create_model
from pydantic.fields import FieldInfo

from extract.options import SETTING_PREFIX, ExtractOptions

#: Sections of docs/settings.md, in order (a field names its section in ``json_schema_extra``).
SECTIONS = (
    "output",
    "outlets",
    "state",
    "scale-out",
    "fetching",
    "archive",
    "extraction",
    "monitoring",
    "health and metrics",
    "outcome",
    "text outputs",
    "stores",
    "S3",
    "reliability",
)


def setting(default: Any, doc: str, *, section: str, secret: bool = False, **constraints: Any) -> Any:
    """A field of a settings model: its default, its documentation and its docs section.

    ``secret`` settings are never shown (not in errors, logs or docs examples) and are refused
    when given on a command line, where ``ps`` and logs would show them.
    """
    if section not in SECTIONS:
        raise ValueError(f"unknown settings section {section!r}")
    return Field(
        default, description=doc, json_schema_extra={"section": section, "secret": secret}, **constraints
    )


# --- value types ----------------------------------------------------------------------------------


def _split_list(value: Any) -> Any:
    """A list setting from text: a JSON list (``["a", "b"]``) or comma-separated values."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                parsed = json.loads(text)
            except ValueError as exc:
                raise ValueError("is not a JSON list") from exc
            if not isinstance(parsed, list):
                raise ValueError("is not a JSON list")
            return parsed
        return [item.strip() for item in text.split(",") if item.strip()]
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    return value


def _json_object(value: Any) -> Any:
    """A dict setting from text: a JSON object."""
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError as exc:
            raise ValueError("is not a JSON object") from exc
        if not isinstance(parsed, dict):
            raise ValueError("is not a JSON object")
        return parsed
    if value is not None and not isinstance(value, dict) and hasattr(value, "items"):
        return dict(value.items())  # Scrapy's BaseSettings
    return value


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def _http_url(value: str) -> str:
    """``value`` when it is empty or an ``http(s)://host[:port]`` URL."""
    if not value:
        return value
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 (a bad port raises here)
    except ValueError as exc:
        raise ValueError(f"is not a URL ({exc})") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("is not an http:// or https:// URL with a host")
    return value


def _uri_or_path(value: str) -> str:
    """An output root: a path, ``file://...`` or ``scheme://bucket/prefix``."""
    if not value.strip():
        raise ValueError("is empty (give a path or a URI such as s3://bucket/prefix)")
    if "://" in value:
        scheme, _, rest = value.partition("://")
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme):
            raise ValueError("has no valid URI scheme")
        if scheme != "file" and not rest.split("/", 1)[0]:
            raise ValueError(f"names no bucket or host after {scheme}://")
    return value


def _state_uri(value: str) -> str:
    if value and "://" not in value:
        raise ValueError("is not a URI (sqlite:///PATH, redis://HOST:PORT/DB, or empty for no state)")
    return value


#: A list of strings, from a list, a JSON list or comma-separated text.
def _allowlist(value: list[str]) -> list[str]:
    """``value`` when every entry is a CIDR, an address or a host name (docs/security.md)."""
    # Pure (no Scrapy, no Twisted): the guard's own parser, so the check and the guard agree.
    from fetch.destinations import AllowlistError, DestinationPolicy

    try:
        DestinationPolicy.from_setting(value)
    except AllowlistError as exc:
        raise ValueError(f"has a bad entry: {exc} (see docs/security.md)") from exc
    return value


StrList = Annotated[list[str], BeforeValidator(_split_list)]
Allowlist = Annotated[list[str], BeforeValidator(_split_list), AfterValidator(_allowlist)]
#: A mapping of names to dotted paths (None switches an entry off), from a dict or a JSON object.
DottedPaths = Annotated[dict[str, str | None], BeforeValidator(_json_object)]
HttpUrl = Annotated[str, AfterValidator(_http_url)]
OutputUri = Annotated[str, AfterValidator(_uri_or_path)]
StateUri = Annotated[str, AfterValidator(_state_uri)]
FileNamePart = Annotated[str, Field(pattern=r"^[^/\\\s]*$")]
TextFormat = Annotated[Literal["jsonl", "parquet"], BeforeValidator(_lower)]
OnOff = Annotated[Literal["auto", "on", "off"], BeforeValidator(_lower)]

MIB = 1024 * 1024


class _Settings(BaseModel):
    # Unknown names are errors (a typo is reported, not ignored); values are coerced from text.
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class _KlipingCore(_Settings):
    """Every ``KLIPING_*`` setting but the extraction options (added from ExtractOptions below)."""

    # --- output -----------------------------------------------------------------------------------
    KLIPING_OUTPUT: OutputUri = setting(
        "data",
        "Root of all output: a local path, a `file://` URI or `s3://bucket/prefix`. WARCs go under "
        "`warc/`, text records under `text/`, run summaries under `runs/`.",
        section="output",
    )
    KLIPING_RUN_ID: FileNamePart = setting(
        "",
        "Identifier of this run, used in file names and records. Empty: generated from the UTC start time.",
        section="output",
    )
    KLIPING_WORKDIR: str = setting(
        "data",
        "Local directory for files in progress and for the seen-article state and frontier (also when "
        "output is on S3). It does not follow `--output`: runs into dated output directories still share "
        "one state; give a separate crawl (a demo, an experiment) its own `KLIPING_WORKDIR`. One run "
        "at a time: a run holds an OS lock on `<KLIPING_WORKDIR>/kliping.lock`, and a second one exits 75.",
        section="output",
        min_length=1,
    )

    # --- outlets ----------------------------------------------------------------------------------
    KLIPING_OUTLETS_DIRS: StrList = setting(
        [],
        "Extra directories of outlet `*.toml` files, read after the built-in `settings/outlets/` (a file "
        "there replaces a built-in outlet of the same name). In the environment: comma-separated.",
        section="outlets",
    )

    # --- state ------------------------------------------------------------------------------------
    KLIPING_STATE: StateUri = setting(
        "sqlite:///{workdir}/state/seen.sqlite",
        "Where the seen-article state lives: a SQLite file (`sqlite:///` + a path; `{workdir}` is "
        "`KLIPING_WORKDIR`; three slashes: relative; four: `sqlite:////var/lib/kliping/seen.sqlite`) or "
        "`redis://host:port/db` to share it between workers. Empty: no state, every run fetches every "
        "listed article. An article is marked seen only once its WARC records are fsynced and the text "
        "batch holding its record is stored. A password in a Redis URI is never shown.",
        section="state",
    )
    KLIPING_STATE_STORES_BASE: DottedPaths = setting(
        {"sqlite": "state.sqlite.SqliteSeenStore", "redis": "state.redis.RedisSeenStore"},
        "Seen-store classes by URI scheme (dotted paths); extend with `KLIPING_STATE_STORES`.",
        section="state",
    )
    KLIPING_STATE_STORES: DottedPaths = setting(
        {},
        "Extra or replacement seen-store classes by URI scheme (a JSON object), merged over the base dict.",
        section="state",
    )

    # --- scale-out --------------------------------------------------------------------------------
    KLIPING_REDIS_HEARTBEAT: float = setting(
        30.0,
        "With `KLIPING_STATE=redis://...`: seconds after its last heartbeat that a worker counts as dead. "
        "A worker that starts when no worker of the current round is alive begins a new round (listings "
        "read again; what a killed worker had taken from the queue is found again).",
        section="scale-out",
        gt=0,
    )
    KLIPING_REDIS_ROUND_KEEP: int = setting(
        86400,
        "With `KLIPING_STATE=redis://...`: seconds a finished or abandoned round's queue and duplicate "
        "filter stay in Redis (for inspection) before they expire.",
        section="scale-out",
        gt=0,
    )
    KLIPING_REDIS_TIMEOUT: float = setting(
        10.0,
        "With `KLIPING_STATE=redis://...`: seconds every Redis client waits to connect and for each reply "
        "(seen store, shared queue, duplicate filter, heartbeats, the start-up check), with one quick "
        "retry. A Redis that does not answer (stopped, frozen, a partition) stops the worker within about "
        "twice this: `stopped: Redis ... did not answer`, exit 1; a later round fetches what it had taken, "
        "and the next start reconciles its run.",
        section="scale-out",
        gt=0,
    )

    # --- fetching ---------------------------------------------------------------------------------
    KLIPING_PROXY: HttpUrl = setting(
        "",
        "Forward proxy every request goes through (`http://host:port`), e.g. the replay web; empty: none.",
        section="fetching",
    )
    KLIPING_ALLOWED_DESTINATIONS: Allowlist = setting(
        [],
        "Destinations the guard lets through although they are internal (docs/security.md): CIDRs or "
        "addresses (`10.20.0.0/16`, `127.0.0.1`, `::1`) and host names (`intranet.example`, "
        "`*.corp.example`). Empty: no loopback, private, link-local (cloud metadata), multicast or "
        "reserved address is ever requested, whatever name or redirect leads there.",
        section="fetching",
    )
    KLIPING_CONTACT_URL: str = setting(
        "https://github.com/kliping/kliping",
        "Contact URL put in the User-Agent, so site operators can reach whoever runs the crawl.",
        section="fetching",
        min_length=1,
    )
    KLIPING_QUEUE_ON_DISK: bool = setting(
        True,
        "Keep the run's pending requests in a disk queue (`<KLIPING_WORKDIR>/queue/<run id>`, removed when "
        "the run ends) rather than in memory, so a sitemap of 100,000 articles costs disk, not RAM. Not "
        "used with Scrapy's `JOBDIR` (its own queue) or a shared frontier (the queue is in Redis).",
        section="fetching",
    )

    # --- archive ----------------------------------------------------------------------------------
    KLIPING_WARC_ENABLED: bool = setting(
        True,
        "Write every request and response to WARC files. Switching it off loses the raw record.",
        section="archive",
    )
    KLIPING_WARC_PREFIX: FileNamePart = setting(
        "kliping",
        "Prefix of WARC file names: `<prefix>-<UTC timestamp>-<serial>-<hostname>-<pid>.warc.gz`.",
        section="archive",
        min_length=1,
    )
    KLIPING_WARC_MAX_SIZE: int = setting(
        1_000_000_000,
        "Roll over to a new WARC file once the open one reaches this many bytes.",
        section="archive",
        gt=0,
    )
    KLIPING_WARC_GZIP_LEVEL: int = setting(
        6,
        "gzip level of the WARC records (0-9; each record is its own gzip member). 6, zlib's and "
        "Heritrix's default, costs a third less CPU than warcio's 9 for files about 0.5 % larger; 1 halves "
        "the CPU again for files about 15 % larger.",
        section="archive",
        ge=0,
        le=9,
    )
    KLIPING_WARC_OPERATOR: str = setting(
        "",
        "Operator named in the `operator` field of each WARC's `warcinfo` record (a person or "
        "organisation and a contact); empty: `KLIPING_CONTACT_URL`, the page the User-Agent names.",
        section="archive",
    )
    KLIPING_WARC_CDXJ: bool = setting(
        True,
        "Write a CDXJ index (`NAME.warc.gz.cdxj`, cdxj-indexer) beside each WARC file once it is closed.",
        section="archive",
    )
    KLIPING_WARC_REVISITS: bool = setting(
        True,
        "Write a response whose payload digest equals one already archived for the same URL as a "
        "`revisit` record (identical-payload-digest) instead of a second copy. Earlier payloads are known "
        "from this run and from the CDXJ indexes already in the run's WARC directory.",
        section="archive",
    )
    KLIPING_WARC_REVISIT_CDXJ: StrList = setting(
        [],
        "More CDXJ index files (paths or globs) whose responses count as already archived for revisits, "
        "e.g. earlier runs' indexes kept elsewhere when WARCs are uploaded to S3.",
        section="archive",
    )

    # --- extraction (the options themselves come from ExtractOptions) -------------------------------
    KLIPING_EXTRACT_WORKERS: int = setting(
        0,
        "Worker processes that run extraction off the reactor thread; 0 means one per CPU core.",
        section="extraction",
        ge=0,
    )
    KLIPING_EXTRACT_TIMEOUT: float = setting(
        20.0,
        "Hard budget of CPU seconds an extraction worker may spend per page of a story (read from `/proc`; "
        "a worker making no progress is stopped after five times as long by the clock). A story over it "
        "is abandoned, its worker killed and replaced, and it is counted (`extract_timeout`), logged with "
        "its WARC pointer and owed to a later run (the crawl's frontier keeps it; `kliping extract` lists "
        "it). 0: no budget.",
        section="extraction",
        ge=0,
    )
    KLIPING_EXTRACT_MAX_MEMORY: int = setting(
        1_000_000_000,
        "Most resident memory (bytes) of one extraction worker, shared pages included (~100 MB at rest): "
        "over it, the story is abandoned like one over its time (`extract_memory`) and the worker "
        "replaced; the worker's address space is also capped at its start size plus this, so a sudden "
        "spike fails at once. 0: no limit.",
        section="extraction",
        ge=0,
    )

    # --- monitoring -------------------------------------------------------------------------------
    KLIPING_PROGRESS_INTERVAL: float = setting(
        30.0,
        "Seconds between progress lines (pages, articles, rate, per outlet) in the log; 0 switches them "
        "off. `kliping extract` uses it too, for its progress over the WARC bytes.",
        section="monitoring",
        ge=0,
    )
    KLIPING_PROGRESS_BAR: OnOff = setting(
        "auto",
        "Progress bar on stderr: `auto` (only when stderr is a terminal), `on` or `off`.",
        section="monitoring",
    )
    KLIPING_RUN_SUMMARY: bool = setting(
        True,
        "At the end of every run, print the summary table on stderr and write "
        "`<output>/runs/<run id>/summary.json`; the run's invariants are checked either way.",
        section="monitoring",
    )
    KLIPING_STALL_WARNING: float = setting(
        30.0,
        "A wait on another system (an S3 upload, a Redis call) still going after this many seconds is a "
        "stall: it is logged as a warning and shown in the progress line until it ends (each such wait "
        "also has its own timeout). 0: no stall warnings.",
        section="monitoring",
        ge=0,
    )

    # --- health and metrics -----------------------------------------------------------------------
    KLIPING_HEALTH_ENABLED: bool = setting(
        True,
        "Keep each outlet's health per crawl (listings alive, new articles, empty or short text, missing "
        "title/date/author, text length, boilerplate-like lines, HTTP errors, bytes, time), judge it "
        'against the outlet\'s own history, and raise alarms (exit code 7; docs/operating.md, "Health").',
        section="health and metrics",
    )
    KLIPING_HEALTH_STATE: str = setting(
        "",
        "Where health rows live: `sqlite:///` + a path (`{workdir}` is `KLIPING_WORKDIR`) or "
        "`redis://host:port/db`. Empty: the Redis of `KLIPING_STATE` when it is shared, else "
        "`sqlite:///{workdir}/state/health.sqlite`.",
        section="health and metrics",
    )
    KLIPING_HEALTH_WINDOW: int = setting(
        20,
        "Earlier runs of an outlet its usual bands and its staleness are learned from.",
        section="health and metrics",
        ge=1,
    )
    KLIPING_HEALTH_MIN_RUNS: int = setting(
        1,
        "Earlier runs an outlet needs before a learned band or staleness can alarm (an outlet file's "
        "`[health]` table applies from the first run).",
        section="health and metrics",
        ge=0,
    )
    KLIPING_HEALTH_STALE_MIN_RUNS: int = setting(
        2,
        "A learned staleness alarms after at least this many runs in a row without a new article.",
        section="health and metrics",
        ge=1,
    )
    KLIPING_HEALTH_SHORT_TEXT_CHARS: int = setting(
        500,
        "An article with fewer characters of text than this counts as short.",
        section="health and metrics",
        ge=0,
    )
    KLIPING_HEALTH_VALIDATE: bool = setting(
        True,
        "Validate text records against `extract/article.schema.json` for the health figures (each "
        "outlet's first 20 of a run, then one in ten: a record costs milliseconds to validate).",
        section="health and metrics",
    )
    KLIPING_HEALTH_KEEP_DAYS: float = setting(
        400.0,
        "Days of health rows kept; older rows are dropped as new runs are recorded.",
        section="health and metrics",
        gt=0,
    )
    KLIPING_METRICS_TEXTFILE: str = setting(
        "",
        "Write Prometheus metrics at the end of every crawl to this file (for node_exporter's textfile "
        "collector, e.g. `/var/lib/prometheus/node-exporter/kliping.prom`); empty: none.",
        section="health and metrics",
    )
    KLIPING_METRICS_PUSHGATEWAY: HttpUrl = setting(
        "",
        "Push Prometheus metrics at the end of every crawl to this Pushgateway (`http://pushgateway:9091`); "
        "empty: none.",
        section="health and metrics",
    )
    KLIPING_METRICS_JOB: str = setting(
        "kliping",
        "Job name of the pushed metrics (the `job` grouping key).",
        section="health and metrics",
        min_length=1,
    )
    KLIPING_METRICS_TIMEOUT: float = setting(
        10.0,
        "Seconds to wait for the Pushgateway before giving up on a push (a warning, not a failure).",
        section="health and metrics",
        gt=0,
    )

    # --- outcome ----------------------------------------------------------------------------------
    KLIPING_MAX_ERROR_RATE: float = setting(
        0.05,
        "A crawl whose failed requests (errors, retries given up) exceed this share of its requests exits "
        "1. Article pages a listing links to that answer 404 or 410 (taken down) are counted under "
        "`errors` but left out of the rate; see docs/operating.md, Exit codes.",
        section="outcome",
        ge=0,
        le=1,
    )

    # --- text outputs -----------------------------------------------------------------------------
    KLIPING_TEXT_FORMATS: Annotated[list[TextFormat], BeforeValidator(_split_list)] = setting(
        ["jsonl", "parquet"],
        "Text record formats written through `FEEDS`: `jsonl` and/or `parquet` (see docs/outputs.md).",
        section="text outputs",
    )
    KLIPING_TEXT_GZIP: bool = setting(
        False, "Gzip the JSON lines batches (`.jsonl.gz`, Scrapy's `GzipPlugin`).", section="text outputs"
    )
    KLIPING_TEXT_BATCH_ITEMS: int = setting(
        1000,
        "Records per text batch file; a new file (`<run>-<n+1>`) starts after this many. "
        "0: one file per run.",
        section="text outputs",
        ge=0,
    )
    KLIPING_TEXT_PARQUET_AT_END: bool = setting(
        True,
        "Write the Parquet batches of `text/` when the spider closes, after the extraction workers have "
        "exited, from their rows staged durably as hidden `.<run>-<n>.parquet.rows` files: keeps pyarrow "
        "(~30 MB) out of the crawl's process while it crawls. Off: each batch as it closes.",
        section="text outputs",
    )

    # --- stores -----------------------------------------------------------------------------------
    KLIPING_STORES_BASE: DottedPaths = setting(
        {"file": "archive.stores.local.LocalStore", "s3": "archive.stores.s3.S3Store"},
        "Store classes by output URI scheme (dotted paths): where WARCs, indexes and text batches go.",
        section="stores",
    )
    KLIPING_STORES: DottedPaths = setting(
        {},
        "Extra or replacement store classes by URI scheme (a JSON object), merged over the base dict "
        "(`null` disables one).",
        section="stores",
    )
    KLIPING_STORE_CHECK: bool = setting(
        True,
        "Check at start-up that the output store takes files (S3: head-bucket and a small put/delete), "
        "stopping the crawl with one line naming the endpoint and bucket if not.",
        section="stores",
    )

    # --- S3 ---------------------------------------------------------------------------------------
    KLIPING_S3_ENDPOINT_URL: HttpUrl = setting(
        "",
        "Endpoint of an S3-compatible service (`https://minio.example:9000`, a moto URL) for the output "
        "store and for `s3://` inputs of `kliping extract`; empty: AWS, or boto3's `AWS_ENDPOINT_URL` / "
        "`AWS_ENDPOINT_URL_S3`.",
        section="S3",
    )
    KLIPING_S3_REGION: str = setting(
        "",
        "Region of the bucket; empty: from boto3's configuration (`AWS_DEFAULT_REGION`, profile).",
        section="S3",
    )
    KLIPING_S3_ADDRESSING_STYLE: Annotated[Literal["auto", "path", "virtual"], BeforeValidator(_lower)] = (
        setting(
            "auto",
            "`auto`, `path` (`endpoint/bucket/key`, most S3-compatible services) or `virtual`.",
            section="S3",
        )
    )
    KLIPING_S3_MULTIPART_THRESHOLD: int = setting(
        64 * MIB, "Files at least this large (bytes) are uploaded in parts.", section="S3", ge=5 * MIB
    )
    KLIPING_S3_MULTIPART_CHUNKSIZE: int = setting(
        64 * MIB,
        "Size of each part of a multipart upload (bytes; at least 5 MiB, S3's smallest part).",
        section="S3",
        ge=5 * MIB,
    )
    KLIPING_S3_MAX_ATTEMPTS: int = setting(
        5,
        "Attempts per S3 request, retried with exponential backoff (botocore's `standard` mode).",
        section="S3",
        ge=1,
    )
    KLIPING_S3_CONNECT_TIMEOUT: float = setting(
        10.0, "Seconds to wait for a connection to the endpoint (per attempt).", section="S3", gt=0
    )
    KLIPING_S3_READ_TIMEOUT: float = setting(
        30.0,
        "Seconds to wait for the endpoint to answer or send more bytes (per attempt): an endpoint that "
        "accepts connections and never answers fails each attempt after this long.",
        section="S3",
        gt=0,
    )
    KLIPING_S3_FILE_TIMEOUT: float = setting(
        300.0,
        "Seconds one file's upload (its parts, their retries and the check after it) may take, plus one "
        "second per MiB of the file; past it the upload is abandoned, counted as failed, the file kept in "
        "the spool for the next run or `kliping upload`, and for a minute later uploads fail at once "
        "instead of waiting again. While a run stops, `KLIPING_SHUTDOWN_TIMEOUT` caps it. 0: no limit "
        "beyond the per-request timeouts.",
        section="S3",
        ge=0,
    )
    KLIPING_S3_CHECK_TIMEOUT: float = setting(
        30.0,
        "Seconds the start-up check of an S3 store (and `kliping check`) may take before it reports the "
        "endpoint as not answering.",
        section="S3",
        gt=0,
    )
    KLIPING_S3_VERIFY: Annotated[Literal["etag", "size"], BeforeValidator(_lower)] = setting(
        "etag",
        "How an upload is verified before the local file is removed: `etag` (size and MD5 ETag, "
        "multipart-aware) or `size` (for buckets whose ETags are not MD5s, e.g. SSE-KMS).",
        section="S3",
    )
    KLIPING_S3_ACCESS_KEY_ID: str = setting(
        "",
        "Access key id; empty (recommended): boto3's chain (`AWS_ACCESS_KEY_ID`, `AWS_PROFILE`, roles).",
        section="S3",
    )
    KLIPING_S3_SECRET_ACCESS_KEY: str = setting(
        "",
        "Secret access key; empty (recommended): boto3's chain. A secret: read from the environment or a "
        "credentials file only, never from a command line, never shown.",
        section="S3",
        secret=True,
    )
    KLIPING_S3_SESSION_TOKEN: str = setting(
        "",
        "Session token for temporary credentials; empty: boto3's chain. A secret, like the secret key.",
        section="S3",
        secret=True,
    )

    # --- reliability ------------------------------------------------------------------------------
    KLIPING_RECOVER_ON_START: bool = setting(
        True,
        "Before the crawl (the recovery step, docs/reliability.md), recover WARC files a killed crawl "
        "left `.open`: cut to the last whole record, checked, renamed (cut bytes kept in `.tail`; "
        "unusable files moved aside as `.damaged`); and write the CDXJ indexes a kill or a full disk "
        "left missing or half-written. Off: no recovery step at all.",
        section="reliability",
    )
    KLIPING_RECOVER_TEXT: bool = setting(
        True,
        "At start-up, complete the text of killed runs: re-extract from their WARCs the articles a text "
        "format's batches lack and write them, in every format of `KLIPING_TEXT_FORMATS`, as "
        "`text/<outlet>/<date>/<run>-recovered-<n>.<ext>` (remote output: into the spool); then settle "
        "frontier and seen store with the keys their story records name. Needs "
        "`KLIPING_RECOVER_ON_START`.",
        section="reliability",
    )
    KLIPING_FRONTIER_ENABLED: bool = setting(
        True,
        "Keep article requests in a durable frontier (SQLite) so a killed crawl resumes instead of starting "
        "over; a job that finishes cleanly is forgotten, but for the articles it still owes (their "
        "extraction or storage failed), which its next run fetches first.",
        section="reliability",
    )
    KLIPING_FRONTIER_PATH: str = setting(
        "",
        "The frontier's SQLite file; empty: `<KLIPING_WORKDIR>/state/frontier.sqlite`.",
        section="reliability",
    )
    KLIPING_FRONTIER_CALLBACKS: StrList = setting(
        ["parse_article", "parse_page"],
        "Names of spider callbacks whose requests are articles kept in the frontier.",
        section="reliability",
    )
    KLIPING_FRONTIER_MAX_ATTEMPTS: int = setting(
        3,
        "A pending article request that failed is tried by at most this many runs, then given up (a "
        "killed run does not count).",
        section="reliability",
        ge=1,
    )
    KLIPING_SHUTDOWN_TIMEOUT: float = setting(
        25.0,
        "Seconds a stop signal (SIGTERM, SIGINT) waits for downloads in flight before cancelling them, so "
        "the graceful stop ends within 30 s. 0: wait as long as Scrapy does.",
        section="reliability",
        ge=0,
    )
    KLIPING_MIN_FREE_SPACE: int = setting(
        100_000_000,
        "Stop the crawl cleanly when an output volume has less free space than this (bytes), before a "
        "write can fail half-way. 0: no check (a write that fails with ENOSPC still stops the run).",
        section="reliability",
        ge=0,
    )


def _extraction_fields() -> dict[str, Any]:
    """``KLIPING_EXTRACT_<FIELD>`` for every field of :class:`ExtractOptions`, as written there."""
    fields: dict[str, Any] = {}
    for name, info in ExtractOptions.model_fields.items():
        copied = FieldInfo.merge_field_infos(info)
        copied.json_schema_extra = {"section": "extraction", "secret": False}
        fields[SETTING_PREFIX + name.upper()] = (info.annotation, copied)
    return fields


#: Every ``KLIPING_*`` setting: the model validated at start-up and rendered as docs/settings.md.
KlipingSettings = create_model(
    "KlipingSettings",
    __base__=_KlipingCore,
    __doc__="Every KLIPING_* setting, typed, with its default and meaning.",
    **_extraction_fields(),
)


LogLevel = Literal["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"]


def _log_level(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        names = {50: "CRITICAL", 40: "ERROR", 30: "WARNING", 20: "INFO", 10: "DEBUG"}
        return names.get(value, value)
    if isinstance(value, str):
        text = value.strip().upper()
        return {"WARN": "WARNING", "FATAL": "CRITICAL"}.get(text, text)
    return value


class ScrapySettings(_Settings):
    """The Scrapy settings kliping validates, with their real types (a subset: see docs/settings.md).

    No defaults here: they are Scrapy's, or kliping's own in ``settings/__init__.py``; the fields are
    required only in form, as each is validated when the settings hold it.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    CONCURRENT_REQUESTS: int = setting(
        ..., "Requests in flight at once, over all hosts.", section="fetching", ge=1
    )
    CONCURRENT_REQUESTS_PER_DOMAIN: int = setting(
        ..., "Requests in flight at once per host (politeness).", section="fetching", ge=1
    )
    CONCURRENT_ITEMS: int = setting(
        ..., "Items processed in parallel per response.", section="fetching", ge=1
    )
    DOWNLOAD_DELAY: float = setting(
        ..., "Seconds between requests to the same host (a fraction is fine: 0.25).", section="fetching", ge=0
    )
    RANDOMIZE_DOWNLOAD_DELAY: bool = setting(
        ..., "Vary the delay between 0.5 and 1.5 times DOWNLOAD_DELAY.", section="fetching"
    )
    DOWNLOAD_TIMEOUT: float = setting(..., "Seconds before a download times out.", section="fetching", gt=0)
    DOWNLOAD_MAXSIZE: int = setting(
        ...,
        "Largest body (bytes), transferred and (Scrapy's `HttpCompressionMiddleware`) once decompressed: a "
        "body over it is cut off (`skipped.too_large`), a compressed one over it unpacked is refused as a "
        "decompression bomb (`skipped.decompression_bomb`). Scrapy's 1 GiB let one gzip bomb cost 1.1 GB "
        "of memory; news pages and sitemaps as outlets write them fit in 16 MiB many times over (the "
        "sitemap protocol allows 50 MB: raise it for an outlet that needs it). 0: no limit.",
        section="fetching",
        ge=0,
    )
    DOWNLOAD_WARNSIZE: int = setting(
        ...,
        "Body size (bytes, transferred or decompressed) above which a warning is logged; 0: none.",
        section="fetching",
        ge=0,
    )
    DNS_TIMEOUT: float = setting(..., "Seconds a DNS lookup may take.", section="fetching", gt=0)
    RETRY_ENABLED: bool = setting(..., "Retry failed requests.", section="fetching")
    RETRY_TIMES: int = setting(
        ..., "Retries of a failed request, after the first attempt.", section="fetching", ge=0
    )
    REDIRECT_ENABLED: bool = setting(..., "Follow redirects.", section="fetching")
    REDIRECT_MAX_TIMES: int = setting(..., "Redirect hops followed per request.", section="fetching", ge=0)
    ROBOTSTXT_OBEY: bool = setting(..., "Obey robots.txt (RFC 9309).", section="fetching")
    AUTOTHROTTLE_ENABLED: bool = setting(
        ..., "Adapt the delay per host to its response times.", section="fetching"
    )
    AUTOTHROTTLE_START_DELAY: float = setting(
        ..., "AutoThrottle's first delay (seconds).", section="fetching", ge=0
    )
    AUTOTHROTTLE_MAX_DELAY: float = setting(
        ..., "AutoThrottle's largest delay (seconds).", section="fetching", ge=0
    )
    AUTOTHROTTLE_TARGET_CONCURRENCY: float = setting(
        ..., "Requests AutoThrottle aims to have in flight per host.", section="fetching", gt=0
    )
    USER_AGENT: str = setting(
        ...,
        "User-Agent header; by default it names kliping and `KLIPING_CONTACT_URL`.",
        section="fetching",
        min_length=1,
    )
    DEPTH_LIMIT: int = setting(..., "Largest link depth followed; 0: no limit.", section="fetching", ge=0)
    CLOSESPIDER_TIMEOUT: float = setting(
        ..., "Stop the crawl after this many seconds; 0: never.", section="fetching", ge=0
    )
    CLOSESPIDER_ITEMCOUNT: int = setting(
        ..., "Stop after this many articles; 0: never.", section="fetching", ge=0
    )
    CLOSESPIDER_PAGECOUNT: int = setting(
        ..., "Stop after this many responses; 0: never.", section="fetching", ge=0
    )
    LOG_LEVEL: Annotated[LogLevel, BeforeValidator(_log_level)] = setting(
        ...,
        "Scrapy's log level (`kliping` shows WARNING and above unless `-v` or `--debug`).",
        section="monitoring",
    )
    LOG_FILE: str | None = setting(..., "Write the log to this file instead of stderr.", section="monitoring")
    LOG_ENABLED: bool = setting(..., "Scrapy's logging on or off.", section="monitoring")


def secret_settings() -> frozenset[str]:
    """Names of the settings that hold secrets."""
    return frozenset(
        name
        for name, info in KlipingSettings.model_fields.items()
        if isinstance(info.json_schema_extra, dict) and info.json_schema_extra.get("secret")
    )


def section_of(info: FieldInfo) -> str:
    extra = info.json_schema_extra
    return str(extra.get("section", "")) if isinstance(extra, dict) else ""


def default_values() -> dict[str, Any]:
    """Every ``KLIPING_*`` setting's default (fresh copies: lists and dicts are not shared)."""
    return KlipingSettings.model_validate({}).model_dump()


__all__ = [
    "SECTIONS",
    "KlipingSettings",
    "ScrapySettings",
    "default_values",
    "secret_settings",
    "section_of",
    "setting",
]
