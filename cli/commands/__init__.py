"""The ``kliping`` commands, one module each, registered in :data:`COMMANDS`.

A command module has ``HELP`` (one line for ``kliping --help``), ``add_arguments(parser)`` and
``run(args) -> exit code``. Heavy imports go inside ``run`` so ``--help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from types import ModuleType

#: Command name -> module, in the order ``kliping --help`` lists them.
COMMANDS: dict[str, str] = {
    "crawl": "cli.commands.crawl",
    "scrape": "cli.commands.scrape",
    "extract": "cli.commands.extract",
    "outlets": "cli.commands.outlets",
    "check": "cli.commands.check",
    "upload": "cli.commands.upload",
    "wacz": "cli.commands.wacz",
    "report": "cli.commands.report",
}


def load(name: str) -> ModuleType:
    return importlib.import_module(COMMANDS[name])


def runner(name: str) -> Callable[[argparse.Namespace], int]:
    return load(name).run
