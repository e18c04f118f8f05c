"""Commands whose work lives in another part of kliping, reached through one function.

The function is named as ``module:function`` and called as ``function(args, settings) -> exit
code``. When this build does not have it, the command says so in one line and exits 4.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from cli.common import EXIT_UNAVAILABLE, settings_for


def call(target: str, args: argparse.Namespace, *, output_setting: bool = True) -> int:
    module_name, _, func_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is None or not module_name.startswith(exc.name):
            raise
        module = None
    func = getattr(module, func_name, None) if module is not None else None
    if func is None:
        print(f"kliping {args.command}: not available in this build ({target} missing)", file=sys.stderr)
        return EXIT_UNAVAILABLE
    settings = settings_for(args, output_setting=output_setting)
    return int(func(args, settings))
