"""Command line: ``python -m replayweb --manifest PATH [--manifest PATH ...] [--port N] [--faults FILE]``.

Prints ``replayweb listening on http://127.0.0.1:PORT (N urls)`` and serves until
SIGTERM/SIGINT. A bad manifest or faults file is one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import signal
import sys

from .config import ConfigError
from .server import ReplayServer


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="replayweb",
        description="Serve saved pages at their real URLs (forward proxy for http and https, "
        "or origin server by Host header).",
    )
    p.add_argument(
        "--manifest",
        action="append",
        required=True,
        metavar="PATH",
        help="manifest TSV (columns path, url); repeatable",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="port (default 0: pick a free one)")
    p.add_argument("--faults", metavar="FILE", help="faults file (JSON or TSV)")
    p.add_argument(
        "--gzip", action="store_true", help="serve gzip Content-Encoding to clients that accept it"
    )
    p.add_argument(
        "--ca-cert-out",
        metavar="PATH",
        help="copy the generated CA certificate (PEM) to PATH for clients to trust",
    )
    return p


async def _serve(server: ReplayServer, ca_out: str | None) -> None:
    await server.start()
    try:
        if ca_out:
            assert server.ca is not None
            shutil.copyfile(server.ca.cert_path, ca_out)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        print(f"replayweb listening on http://{server.host}:{server.port} ({len(server)} urls)", flush=True)
        await stop.wait()
    finally:
        await server.close()


def main(argv: list[str] | None = None) -> int:
    """Run the replay web until SIGTERM/SIGINT; return the exit status."""
    args = _parser().parse_args(argv)
    try:
        server = ReplayServer(
            args.manifest, host=args.host, port=args.port, faults=args.faults, gzip=args.gzip
        )
    except ConfigError as exc:
        print(f"replayweb: error: {exc}", file=sys.stderr)
        return 2
    try:
        asyncio.run(_serve(server, args.ca_cert_out))
    except OSError as exc:
        print(
            f"replayweb: error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
