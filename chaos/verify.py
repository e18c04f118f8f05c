"""What the soak checks after every scenario, on the files alone (never on what the runs said):

- every WARC is whole: each gzip member's CRC and length (zlib checks both at a member's end; a
  file cut inside a member has no end), then ``warcio check``, which alone passes a truncated file;
- every article of the web is in the JSON lines exactly once and in the Parquet exactly once;
- every text record's ``warc`` provenance opens a response record with that id and URL;
- nothing is left half done once a run completed: ``.open`` WARCs or indexes, hidden ``.part``
  batches, Parquet rows still staged, damaged files, files still in the upload spool.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator

from tests.warcs import warcio_check

CHUNK = 1 << 20


def check_warc(path: Path) -> str | None:
    """None when ``path`` is whole, else what is wrong with it (one line)."""
    members, problem = gzip_members(path)
    if problem:
        return f"{path.name}: {problem}"
    if members == 0:
        return f"{path.name}: no gzip member"
    done = warcio_check(path)
    if done.returncode != 0:
        text = (done.stdout + done.stderr).strip().splitlines()
        return f"{path.name}: warcio check failed: {text[-1] if text else done.returncode}"
    return None


def gzip_members(path: Path) -> tuple[int, str | None]:
    """(whole members, problem or None): every member is decompressed and zlib checks its CRC and
    size at its end; bytes fed to a member that never ends mean the file was cut."""
    members = 0
    decomp = zlib.decompressobj(wbits=31)
    fed = False
    with path.open("rb") as fh:
        buffer = b""
        while True:
            if not buffer:
                buffer = fh.read(CHUNK)
                if not buffer:
                    break
            try:
                decomp.decompress(buffer)
            except zlib.error as exc:
                return members, f"gzip member {members + 1} at its end: {exc}"
            fed = True
            if decomp.eof:
                members += 1
                buffer = decomp.unused_data
                decomp = zlib.decompressobj(wbits=31)
                fed = False
            else:
                buffer = b""
    if fed:
        return members, f"cut inside gzip member {members + 1} (no CRC/size trailer)"
    return members, None


@dataclass
class Verdict:
    """What one scenario's output holds against what the web served."""

    articles: int
    jsonl: Counter[str] = field(default_factory=Counter)
    parquet: Counter[str] = field(default_factory=Counter)
    expected: set[str] = field(default_factory=set)
    corrupt: list[str] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)
    warcs: int = 0
    records_checked: int = 0
    #: redirected articles: how many records name the URL listed (as passed in) and the final URL
    redirect_urls: Counter[str] = field(default_factory=Counter)

    def lost(self, counts: Counter[str]) -> list[str]:
        return sorted(url for url in self.expected if not counts[url])

    def duplicated(self, counts: Counter[str]) -> int:
        return sum(n - 1 for url, n in counts.items() if n > 1)

    def unexpected(self) -> list[str]:
        return sorted((set(self.jsonl) | set(self.parquet)) - self.expected)

    @property
    def clean(self) -> bool:
        return not (
            self.lost(self.jsonl)
            or self.lost(self.parquet)
            or self.duplicated(self.jsonl)
            or self.duplicated(self.parquet)
            or self.unexpected()
            or self.corrupt
            or self.leftovers
        )


def _files(roots: Iterable[Path], pattern: str) -> list[Path]:
    found: list[Path] = []
    for root in roots:
        if root.is_dir():
            found += sorted(p for p in root.rglob(pattern) if not p.name.startswith("."))
    return found


def _jsonl_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | None]]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                yield n, json.loads(line)
            except json.JSONDecodeError:
                yield n, None


def verify(
    outputs: list[Path],
    expected: list[str],
    spools: Iterable[Path] = (),
    aliases: dict[str, str] | None = None,
) -> Verdict:
    """Check the output roots ``outputs`` (each with ``warc/`` and ``text/``) against ``expected``.

    ``aliases`` maps a URL listed by the web to the article it redirects to: a record may name
    either (the schema says the URL as passed in; recovery has named the final one), and both
    count as that one article.
    """
    aliases = aliases or {}
    finals = set(aliases.values())
    verdict = Verdict(articles=len(expected), expected=set(expected))

    def article(url: str) -> str:
        if url in aliases:
            verdict.redirect_urls["listed"] += 1
            return aliases[url]
        if url in finals:
            verdict.redirect_urls["final"] += 1
        return url

    warc_dirs = [root / "warc" for root in outputs]
    text_dirs = [root / "text" for root in outputs]
    by_name: dict[str, Path] = {}
    for path in _files(warc_dirs, "*.warc.gz"):
        verdict.warcs += 1
        by_name[path.name] = path
        problem = check_warc(path)
        if problem:
            verdict.corrupt.append(problem)
    provenance: list[tuple[str, dict[str, Any]]] = []
    for path in _files(text_dirs, "*.jsonl") + _files(text_dirs, "*.jsonl.gz"):
        try:
            for n, row in _jsonl_rows(path):
                if row is None or "url" not in row:
                    verdict.corrupt.append(f"{path.name}:{n}: not a JSON text record")
                    continue
                verdict.jsonl[article(row["url"])] += 1
                provenance += [(f"{path.name}:{n}", entry) for entry in row.get("warc") or []]
        except (OSError, EOFError, UnicodeDecodeError, zlib.error) as exc:
            verdict.corrupt.append(f"{path.name}: unreadable: {exc}")
    for path in _files(text_dirs, "*.parquet"):
        try:
            import pyarrow.parquet as pq

            table = pq.read_table(path, columns=["url", "warc"]).to_pylist()
        except Exception as exc:  # pyarrow raises many kinds for a damaged file
            verdict.corrupt.append(f"{path.name}: unreadable Parquet: {exc}")
            continue
        for n, row in enumerate(table):
            verdict.parquet[article(row["url"])] += 1
            provenance += [(f"{path.name}#{n}", entry) for entry in row.get("warc") or []]
    verdict.corrupt += _check_provenance(provenance, by_name, verdict)
    for root in [*outputs, *spools]:
        verdict.leftovers += _leftovers(root, spool=root in spools)
    return verdict


def _check_provenance(
    entries: list[tuple[str, dict[str, Any]]], warcs: dict[str, Path], verdict: Verdict
) -> list[str]:
    problems = []
    by_file: dict[str, list[tuple[int, str, dict[str, Any]]]] = {}
    for where, entry in entries:
        name = Path(str(entry.get("file") or "")).name
        by_file.setdefault(name, []).append((int(entry.get("offset") or 0), where, entry))
    for name, wanted in by_file.items():
        path = warcs.get(name)
        if path is None:
            problems += [f"{where}: provenance names {name!r}, not among the WARCs" for _, where, _ in wanted]
            continue
        with path.open("rb") as fh:
            for offset, where, entry in sorted(wanted, key=lambda w: w[0]):
                verdict.records_checked += 1
                problem = _record_at(fh, offset, entry)
                if problem:
                    problems.append(f"{where}: {name}@{offset}: {problem}")
    return problems


def _record_at(fh: Any, offset: int, entry: dict[str, Any]) -> str | None:
    try:
        fh.seek(offset)
        record = next(iter(ArchiveIterator(fh)), None)
    except Exception as exc:  # warcio raises its own and zlib's errors
        return f"no record opens there ({type(exc).__name__}: {exc})"
    if record is None:
        return "no record opens there"
    if record.rec_type != "response":
        return f"a {record.rec_type} record, not a response"
    if record.rec_headers.get_header("WARC-Record-ID") != entry.get("record_id"):
        return f"record id {record.rec_headers.get_header('WARC-Record-ID')} != {entry.get('record_id')}"
    if record.rec_headers.get_header("WARC-Target-URI") != entry.get("url"):
        return f"target {record.rec_headers.get_header('WARC-Target-URI')} != {entry.get('url')}"
    return None


def _leftovers(root: Path, *, spool: bool) -> list[str]:
    if not root.is_dir():
        return []
    left = []
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        name = path.name
        rel = path.relative_to(root)
        if spool:
            left.append(f"not uploaded: spool/{rel}")
        elif name.endswith(".open"):
            left.append(f"still open: {rel}")
        elif name.endswith(".part") or ".part." in name:
            left.append(f"unpublished batch: {rel}")
        elif name.endswith(".parquet.rows"):
            left.append(f"Parquet rows never converted: {rel}")
        elif name.endswith(".damaged"):
            left.append(f"damaged, set aside: {rel}")
    return left
