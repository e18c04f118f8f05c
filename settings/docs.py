"""Render :mod:`settings.defaults` as ``docs/settings.md``: ``python -m settings.docs > docs/settings.md``.

Each setting's documentation is the ``#:`` comment block right above it, so the defaults module
stays the single place where a setting, its default and its meaning are written.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

DEFAULTS = Path(__file__).with_name("defaults.py")

#: Scrapy settings whose kliping defaults live (and are documented) in the defaults module.
SCRAPY_NAMES = frozenset({"DOWNLOAD_MAXSIZE", "DOWNLOAD_WARNSIZE"})


@dataclass(frozen=True)
class SettingDoc:
    """One documented setting."""

    name: str
    default: str
    doc: str
    section: str


def documented_settings(source: str | None = None) -> list[SettingDoc]:
    """Every ``KLIPING_*`` assignment in the defaults module with its ``#:`` comment and section."""
    text = source if source is not None else DEFAULTS.read_text(encoding="utf-8")
    lines = text.splitlines()
    out = []
    section = ""
    tree = ast.parse(text)
    headings = {i: line.strip("# -").strip() for i, line in enumerate(lines, 1) if line.startswith("# ---")}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if not isinstance(target, ast.Name):
            continue
        if not target.id.startswith("KLIPING_") and target.id not in SCRAPY_NAMES:
            continue
        section = next((headings[i] for i in sorted(headings, reverse=True) if i < node.lineno), section)
        doc_lines: list[str] = []
        i = node.lineno - 2
        while i >= 0 and lines[i].startswith("#:"):
            doc_lines.insert(0, lines[i][2:].strip())
            i -= 1
        default = ast.get_source_segment(text, value) or ""
        out.append(SettingDoc(target.id, default, " ".join(doc_lines), section))
    return out


def render() -> str:
    rows = [
        "# Settings",
        "",
        "Every `KLIPING_*` setting, its default and what it does, and the Scrapy settings kliping",
        "gives defaults of its own (`DOWNLOAD_MAXSIZE`, `DOWNLOAD_WARNSIZE`). Generated from",
        "`settings/defaults.py` by `python -m settings.docs`; a test keeps this page in step.",
        "Override any of them (and any Scrapy setting) with `kliping ... -s NAME=VALUE`,",
        "`scrapy crawl ... -s NAME=VALUE`, or in `settings/__init__.py`.",
    ]
    section = None
    for item in documented_settings():
        if item.section != section:
            section = item.section
            rows += ["", f"## {section.capitalize()}", "", "| setting | default | meaning |", "|---|---|---|"]
        doc = item.doc.replace("|", "\\|")
        rows.append(f"| `{item.name}` | `{item.default}` | {doc} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
