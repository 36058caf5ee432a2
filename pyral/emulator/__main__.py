"""``python -m pyral.emulator`` / ``pyral-emulator``: run a local Rally WSAPI v2.0 server.

The first line on stdout is the base URL (``scheme://host:port``), flushed at once, so scripts
and test harnesses can start the emulator on ``--port 0`` and read where it landed.  Request
log lines go to stderr.  SIGINT and SIGTERM stop it cleanly with exit status 0.
"""

from __future__ import annotations

import argparse
import math
import signal
import sqlite3
import sys
import threading
from collections.abc import Sequence
from typing import Any


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pyral-emulator",
        description="Local Rally WSAPI v2.0 emulator (HTTP server + SQLite).",
    )
    parser.add_argument("--version", action="version", version=_version())
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=_port, default=0, help="port to bind; 0 picks a free one (default)"
    )
    parser.add_argument(
        "--tls", action="store_true", help="serve HTTPS with a generated self-signed certificate"
    )
    parser.add_argument("--certfile", help="PEM certificate for HTTPS (implies --tls)")
    parser.add_argument("--keyfile", help="PEM private key for --certfile (if not inside it)")
    parser.add_argument("--db", help="SQLite file to use (default: a temporary file)")
    parser.add_argument("--demo", action="store_true", help="load the demo data set")
    parser.add_argument("--seed", help="seed file to load (see docs/emulator-seed-format.md)")
    parser.add_argument("--apikey", help="API key of the main user (replaces the demo user's)")
    parser.add_argument("--user", help="user name of the main user")
    parser.add_argument("--password", help="password of the main user")
    parser.add_argument("--quiet", action="store_true", help="no request log on stderr")
    parser.add_argument(
        "--allow-remote-admin",
        action="store_true",
        help="answer the /_emulator/ controls even when --host is not a loopback address",
    )
    parser.add_argument(
        "--latency",
        type=_milliseconds,
        default=0.0,
        metavar="MS",
        help="delay every WSAPI answer by MS milliseconds, like a remote Rally (default 0)",
    )
    return parser


def _version() -> str:
    # one version text for both command lines (installed metadata, else pyral.__version__)
    from pyral._cli.version import version_text

    return version_text("pyral-emulator")


def _port(text: str) -> int:
    """``--port`` value; out of 0..65535 is a usage error, not a traceback from ``bind()``."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 0 to 65535, got {text!r}")
    return value


def _milliseconds(text: str) -> float:
    """``--latency`` value in seconds; a bad value is a usage error (exit status 2)."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"expected milliseconds >= 0, got {text!r}")
    return value / 1000.0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from .server import EmulatorServer, build_backend
    from .tls import TLSSetupError

    try:
        backend = build_backend(
            db=args.db,
            seed=args.seed,
            demo=args.demo,
            apikey=args.apikey,
            username=args.user,
            password=args.password,
        )
        server = EmulatorServer(
            backend,
            host=args.host,
            port=args.port,
            tls=args.tls,
            certfile=args.certfile,
            keyfile=args.keyfile,
            quiet=args.quiet,
            latency=args.latency,
            allow_remote_admin=args.allow_remote_admin,
        )
        server.start()
    except (TLSSetupError, ValueError, OSError, OverflowError) as exc:
        print(f"pyral-emulator: {exc}", file=sys.stderr)
        return 2
    except sqlite3.Error as exc:  # --db names a directory, an unwritable place or not a database
        print(f"pyral-emulator: cannot use --db {args.db}: {exc}", file=sys.stderr)
        return 2
    print(server.url, flush=True)
    _describe(args, server)
    stop = threading.Event()

    def _on_signal(signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
        close = getattr(getattr(backend, "store", None), "close", None)
        if close is not None:
            close()
    return 0


def _describe(args: argparse.Namespace, server: Any) -> None:
    """Human hints after the URL line (stdout; the URL line stays first)."""
    lines = [f"pyral server= {server.host_port}  (WSAPI at {server.service_url})"]
    if args.demo and not (args.apikey or args.user or args.password):
        from .demo import DEMO_APIKEY, DEMO_PASSWORD, DEMO_USER

        lines.append(
            f"demo login: apikey={DEMO_APIKEY}  user={DEMO_USER}  password={DEMO_PASSWORD}"
        )
    if args.latency:
        lines.append(f"latency: every WSAPI answer is delayed by {args.latency * 1000:g} ms")
    if server.tls:
        lines.append(
            "TLS: self-signed certificate; connect with verify_ssl_cert=False / verify=False"
        )
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())
