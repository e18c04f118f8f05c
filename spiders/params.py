"""Spider arguments as small typed models, combined per spider (as in zyte-spider-templates).

``-a name=value`` arguments arrive as strings; these models parse and check them once, and the
same models back the ``kliping`` command line, so both paths give the same one-line errors.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

P = TypeVar("P", bound=BaseModel)


class ParamsError(ValueError):
    """Spider arguments that cannot be used; the message is one line naming argument and problem."""


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class UrlFileParam(_Params):
    """The URL list to fetch."""

    file: Path = Field(description="A text file with one URL per line; blank lines and # comments allowed.")


class OutletsParam(_Params):
    """Which outlets to crawl (comma-separated on the Scrapy command line); empty means all."""

    outlet: tuple[str, ...] = Field(default=(), description="Outlet names, e.g. detik,kompas.")

    @field_validator("outlet", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(v.strip() for v in value.split(",") if v.strip())
        return value


class SinceParam(_Params):
    """Skip articles published before this date (when the outlet's listing says so)."""

    since: date | None = Field(default=None, description="YYYY-MM-DD")


class MaxArticlesParam(_Params):
    """Stop fetching an outlet's articles after this many (per outlet, per run)."""

    max_articles: int | None = Field(default=None, ge=1)


class UrlsSpiderParams(UrlFileParam):
    """Arguments of the ``urls`` spider."""


class OutletSpiderParams(MaxArticlesParam, SinceParam, OutletsParam):
    """Arguments of the ``outlet`` spider."""


def parse_params(model: type[P], args: dict[str, object]) -> P:
    """Validate spider arguments, turning pydantic's report into one line."""
    try:
        return model.model_validate(args)
    except ValidationError as exc:
        err = exc.errors()[0]
        name = ".".join(str(p) for p in err["loc"]) or "arguments"
        given = args.get(name) if name in args else None
        shown = f" (got {given!r})" if given is not None else ""
        raise ParamsError(f"argument {name}: {err['msg']}{shown}") from exc
