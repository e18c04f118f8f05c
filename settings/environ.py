"""Settings from the environment: systemd ``Environment=``, containers, scrapyd's own environment.

- A ``KLIPING_*`` setting is read from the variable of the same name:
  ``KLIPING_OUTPUT=s3://news/kliping``.
- A Scrapy setting is read from ``KLIPING_SCRAPY_<NAME>``: ``KLIPING_SCRAPY_DOWNLOAD_DELAY=0.5``.
  Plain ``DOWNLOAD_DELAY`` or ``LOG_LEVEL`` variables are not read: such names are common in
  containers for other programs, and Scrapy reserves ``SCRAPY_*`` for its own variables.
- A secret (``KLIPING_S3_SECRET_ACCESS_KEY``, ``KLIPING_S3_SESSION_TOKEN``) can also be read from
  a file: ``<NAME>_FILE=/path`` (the Docker convention), or a file named ``<NAME>`` in systemd's
  ``$CREDENTIALS_DIRECTORY`` (``LoadCredential=``). A trailing newline is dropped.

Precedence, highest first: ``-s NAME=VALUE`` (the command line), the environment, the settings
module (``settings/__init__.py``), the defaults (:mod:`settings.model`). No Scrapy here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from settings.model import KlipingSettings, secret_settings

PREFIX = "KLIPING_"
SCRAPY_PREFIX = "KLIPING_SCRAPY_"
FILE_SUFFIX = "_FILE"

#: Variables named KLIPING_* that are not settings: the location of the shared corpus the tests,
#: ``make demo`` and ``make eval`` read; the mark an extraction worker finds its crawl by
#: (pipelines/lifeline.py); the marks the chaos soak finds a run's processes by (chaos/procs.py).
NOT_SETTINGS = frozenset({"KLIPING_CORPUS", "KLIPING_POOL_PARENT", "KLIPING_CHAOS", "KLIPING_CHAOS_RUN"})


def _read_secret(path: Path, variable: str) -> tuple[str | None, str | None]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        return None, f"environment: {variable}: cannot read {path} ({exc.strerror or exc})"
    except UnicodeDecodeError:
        return None, f"environment: {variable}: {path} is not UTF-8 text"
    return text.rstrip("\r\n"), None


@dataclass
class FromEnvironment:
    """What the environment gives: settings by name, problems (a secret file that cannot be read:
    bad input) and warnings (a ``KLIPING_*`` variable that is no setting: a typo in a unit file is
    reported, not silently ignored, but does not stop the run)."""

    values: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def environment_settings(environ: Mapping[str, str] | None = None) -> FromEnvironment:
    """The settings the environment gives (see the module docstring)."""
    env = os.environ if environ is None else environ
    known = set(KlipingSettings.model_fields)
    secrets = secret_settings()
    found = FromEnvironment()
    values, problems = found.values, found.problems
    credentials = env.get("CREDENTIALS_DIRECTORY")
    if credentials:
        for name in sorted(secrets):
            path = Path(credentials) / name
            if path.is_file():
                value, problem = _read_secret(path, f"$CREDENTIALS_DIRECTORY/{name}")
                if problem:
                    problems.append(problem)
                elif value is not None:
                    values[name] = value
    for variable in sorted(env):
        if not variable.startswith(PREFIX) or variable in NOT_SETTINGS:
            continue
        value = env[variable]
        if variable.startswith(SCRAPY_PREFIX):
            name = variable[len(SCRAPY_PREFIX) :]
            if name:
                values[name] = value
            continue
        if variable.endswith(FILE_SUFFIX) and variable[: -len(FILE_SUFFIX)] in secrets:
            secret, problem = _read_secret(Path(value), variable)
            if problem:
                problems.append(problem)
            elif secret is not None:
                values[variable[: -len(FILE_SUFFIX)]] = secret
            continue
        if variable in known:
            values[variable] = value
        else:
            found.warnings.append(
                f"environment: {variable} is not a kliping setting (ignored; see docs/settings.md)"
            )
    return found


__all__ = [
    "FILE_SUFFIX",
    "NOT_SETTINGS",
    "PREFIX",
    "SCRAPY_PREFIX",
    "FromEnvironment",
    "environment_settings",
]
