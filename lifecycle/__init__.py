"""The run's lifecycle: the stages an article goes through, each with its durability contract.

Every article request is followed from the moment it is scheduled to the moment it is *settled*:
marked seen (later crawls skip it) and done in the frontier (no run of its job fetches it again).
Nothing is settled before it is durable, and everything durable is settled exactly once: by the
live run (:mod:`lifecycle.extension`) or, after a kill, by recovery (:mod:`lifecycle.recovery`),
through the same code (:mod:`lifecycle.settle`) with the same keys (:mod:`lifecycle.keys`).

:data:`STAGES` lists the stages in order with their contracts and the component that keeps each;
:data:`ORDER` the ordering of components in the settings that the contracts rely on. Both are
checked against ``settings/__init__.py`` and docs/reliability.md by tests/lifecycle/test_contract.py.

Modules: :mod:`lifecycle.keys` (an article's keys) and :mod:`lifecycle.stops` (stopping for a full
disk or unusable state) are vocabulary every layer may use; :mod:`lifecycle.settle`,
:mod:`lifecycle.extension`, :mod:`lifecycle.recovery` and :mod:`lifecycle.startup` sit on top.
This module imports none of them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Stage:
    """One stage of an article: what holds once it is reached, and which component reaches it."""

    name: str
    contract: str
    component: str  # dotted path


STAGES = (
    Stage(
        "owed",
        "the request is pending in the frontier (SQLite, WAL) with its keys from the moment it is "
        "scheduled: a kill loses no scheduled article",
        "fetch.frontier.FrontierExtension",
    ),
    Stage(
        "archived",
        "request and response records are in the open WARC, flushed (they survive kill -9); "
        "fsynced before anything that relies on them is settled",
        "archive.extension.WarcArchiver",
    ),
    Stage(
        "story recorded",
        "a metadata record names the story's pages by response record id and its keys, written "
        "before extraction: recovery rebuilds the text from it",
        "pipelines.extract.ExtractPipeline",
    ),
    Stage(
        "extracted",
        "the article record is built in a worker process; a failure leaves the article owed",
        "pipelines.extract.ExtractPipeline",
    ),
    Stage(
        "text durable",
        "the batch holding the record is stored: fsynced and renamed, or uploaded or spooled",
        "scrapy.extensions.feedexport.FeedExporter",
    ),
    Stage(
        "settled",
        "the WARC is fsynced, then the seen store marks the article, then the frontier settles it",
        "lifecycle.extension.RunLifecycle",
    ),
)

#: (earlier, later, why): component order in EXTENSIONS or ITEM_PIPELINES the contracts rely on.
ORDER = (
    (
        "lifecycle.extension.RunLifecycle",
        "scrapy.extensions.feedexport.FeedExporter",
        "an item's feed slots are noted before the exporter writes it, so the article waits for "
        "the batch that holds it",
    ),
    (
        "archive.space.OutputSpaceGuard",
        "archive.extension.WarcArchiver",
        "free space is checked before each response is archived",
    ),
    (
        "archive.extension.WarcArchiver",
        "archive.stores.extension.StoreUploader",
        "the last WARC is closed (and queued for upload) before the final sweep",
    ),
    (
        "pipelines.staged_parquet.ParquetFinisher",
        "archive.stores.extension.StoreUploader",
        "Parquet batches are written before the final sweep sends them",
    ),
    (
        "archive.stores.extension.StoreUploader",
        "monitor.extension.RunMonitor",
        "the summary counts the uploads and files left in the spool",
    ),
    (
        "monitor.healthwatch.HealthWatch",
        "monitor.extension.RunMonitor",
        "the outlets' health is judged before the summary shows it and the outcome reads its alarms",
    ),
    (
        "pipelines.extract.ExtractPipeline",
        "archive.space.SpaceGuardPipeline",
        "no text record is written once the disk filled: its story is in the WARC",
    ),
)

__all__ = ["ORDER", "STAGES", "Stage"]
