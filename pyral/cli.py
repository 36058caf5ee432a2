"""``pyral``: query and edit Rally from a shell, with the settings pyral scripts already use.

Credentials and context come from the same places as for a script calling
``rallyWorkset(sys.argv[1:])`` -- ``--rallyConfig=FILE``, ``--apikey=``, ``--workspace=``...,
``RALLY_*`` variables, ``rally-v2.0.cfg`` -- so an existing setup works unchanged.

Exit status: 0 success, 1 Rally (or the data) refused, 2 the command line is wrong.  Errors are
one line on stderr, never a traceback, and never contain the API key or password.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

import requests

from pyral._cli import connection
from pyral._cli import lookback as lookback_cli
from pyral._cli.commands import COMMANDS, Session
from pyral._cli.errors import CliError, UsageError
from pyral._cli.render import FORMATS
from pyral._cli.version import version_text
from pyral.exceptions import InvalidRallyTypeNameError, RallyError

__all__ = ["build_parser", "main"]

_EPILOG = """\
examples:
  pyral --rallyConfig=rally.cfg query Defect --query 'State = "Open"' --fetch FormattedID,Name,Owner
  pyral show US12
  pyral create Task Name='Write docs' WorkProduct=US12 Estimate=3
  pyral update DE7 State=Fixed Owner=alice@example.com
  pyral allowed Defect Severity
  pyral emulator --demo --port 8000
"""


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more: {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation tools and tests)."""
    parser = argparse.ArgumentParser(
        prog="pyral",
        description="Query and edit Rally work items from the command line.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=version_text("pyral"))
    connection.add_connection_options(parser, top_level=True)
    subs = parser.add_subparsers(dest="command", metavar="COMMAND")
    subs.required = True

    def sub(name: str, help_text: str) -> argparse.ArgumentParser:
        child = subs.add_parser(name, help=help_text, description=help_text, allow_abbrev=False)
        connection.add_connection_options(child, top_level=False)
        return child

    def formats(child: argparse.ArgumentParser, choices: Sequence[str], default: str) -> None:
        child.add_argument(
            "--format", choices=choices, default=default, help=f"output format (default {default})"
        )

    p = sub("query", "list items of a type, streamed page by page")
    p.add_argument("type", help="type name: Defect, Story, PortfolioItem/Feature, Task...")
    p.add_argument("--fetch", help="comma-separated fields (columns); 'true' for all fields")
    p.add_argument(
        "--query",
        action="append",
        metavar="EXPR",
        help="WSAPI condition such as 'State = \"Open\"'; repeat to AND several",
    )
    p.add_argument("--order", help="sort, e.g. 'CreationDate desc'")
    p.add_argument("--limit", type=_positive, help="stop after N items")
    p.add_argument("--pagesize", type=_positive, help="items per request (1-2000)")
    p.add_argument(
        "--project-scope-down",
        dest="scope_down",
        action="store_true",
        help="include child projects",
    )
    p.add_argument(
        "--project-scope-up", dest="scope_up", action="store_true", help="include parent projects"
    )
    p.add_argument(
        "--all-projects", action="store_true", help="the whole workspace, not just the project"
    )
    formats(p, FORMATS, "table")

    p = sub("show", "one item, by FormattedID (US12) or TYPE/OID (defect/1234)")
    p.add_argument("ident", metavar="ID", help="FormattedID, TYPE/OID or a ref URL")
    p.add_argument("--fetch", help="comma-separated fields (default: all)")
    formats(p, ("text", "json"), "text")

    for name, verb in (("create", "create an item"), ("update", "change fields of an item")):
        p = sub(name, f"{verb}; Field=Value pairs, references as refs, FormattedIDs or names")
        if name == "create":
            p.add_argument("type", help="type name")
        else:
            p.add_argument("ident", metavar="ID", help="FormattedID or TYPE/OID")
        p.add_argument("fields", nargs="*", metavar="Field=Value", help="field assignments")
        p.add_argument(
            "--json", metavar="FILE", help="JSON object of fields ('-' = stdin); pairs win"
        )
        formats(p, ("text", "json"), "text")

    p = sub("delete", "delete an item (it goes to the recycle bin)")
    p.add_argument("ident", metavar="ID", help="FormattedID or TYPE/OID")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")

    p = sub("types", "the work item types of the workspace")
    p.add_argument("--all", action="store_true", help="include abstract types")
    formats(p, FORMATS, "table")

    p = sub("fields", "the fields of a type")
    p.add_argument("type", help="type name")
    p.add_argument("--all", action="store_true", help="include hidden fields")
    formats(p, FORMATS, "table")

    p = sub("allowed", "the allowed values of a field")
    p.add_argument("type", help="type name")
    p.add_argument("field", help="field name")
    formats(p, ("text", "json"), "text")

    p = sub("whoami", "server, user, subscription, workspace and project in use")
    formats(p, ("text", "json"), "text")

    lookback_cli.add_parser(sub, formats, _positive)

    subs.add_parser(
        "emulator",
        help="run the local Rally emulator (options: pyral emulator --help)",
        add_help=False,
    )
    return parser


def _run_emulator(args: list[str]) -> int:
    from pyral.emulator.__main__ import main as emulator_main

    try:
        return emulator_main(args)
    except SystemExit as exc:  # its argparse: --help or a usage error
        return exc.code if isinstance(exc.code, int) else 2


def _parse(argv: list[str]) -> argparse.Namespace | int:
    """Parsed arguments, or argparse's exit status (0 for --help, 2 for a usage error).

    ``Field=Value`` pairs may follow options (``create Defect --json f.json Name=x``), which
    argparse alone cannot take once its list positional has matched; they come back as
    leftovers and are appended here.
    """
    parser = build_parser()
    try:
        ns, extras = parser.parse_known_args(argv)
        pairs = [a for a in extras if not a.startswith("-") and "=" in a]
        rest = [a for a in extras if a not in pairs]
        if rest or (pairs and not hasattr(ns, "fields")):
            parser.error(f"unrecognized arguments: {' '.join(rest or pairs)}")
        if pairs:
            ns.fields = [*ns.fields, *pairs]
        return ns
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit status instead of exiting (testable in-process)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if "emulator" in args:
        # Everything after the word belongs to the emulator; options before it are ours.
        at = args.index("emulator")
        if all(a.startswith("--") and ("=" in a or a == "--insecure") for a in args[:at]):
            return _run_emulator(args[at + 1 :])
    parsed = _parse(args)
    if isinstance(parsed, int):
        return parsed
    if parsed.command == "emulator":
        return _run_emulator([])
    out, err = sys.stdout, sys.stderr
    secrets: tuple[str, ...] = ()
    try:
        settings = connection.resolve(parsed)
        secrets = settings.secrets
        return COMMANDS[parsed.command](parsed, Session(settings, out, err))
    except UsageError as exc:
        err.write(f"pyral {parsed.command}: error: {connection.redact(str(exc), secrets)}\n")
        return exc.exit_code
    except CliError as exc:
        err.write(f"pyral: {connection.redact(str(exc), secrets)}\n")
        return exc.exit_code
    except InvalidRallyTypeNameError as exc:
        err.write(f"pyral: unknown type {exc.args[0]!r} (see: pyral types)\n")
        return 1
    except (RallyError, requests.RequestException) as exc:
        err.write(f"pyral: {connection.redact(_message(exc), secrets)}\n")
        return 1
    except BrokenPipeError:
        # the reader (head, less) went away: stop quietly, and keep Python from
        # complaining again when it flushes stdout at exit
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        err.write("pyral: interrupted\n")
        return 130


def _message(exc: BaseException) -> str:
    """The most useful one-line text of a client error (Rally's own messages when known).

    A write error's text (kept as pyral 1.7.0 words it) lists ``ERRORS:`` and ``WARNINGS:``
    on lines of their own, even when there are no warnings; on one line only the parts that
    say something are kept.
    """
    errors = [str(e) for e in getattr(exc, "errors", None) or []]
    warnings = [str(w) for w in getattr(exc, "warnings", None) or []]
    text = str(exc).strip() or type(exc).__name__
    if errors and "\nERRORS:" in text:
        text = text.split("\nERRORS:", 1)[0].strip()
        text = f"{text}: {'; '.join(errors)}"
        if warnings:
            text += f" (warnings: {'; '.join(warnings)})"
    elif errors and not any(e in text for e in errors):
        text = f"{text}: {'; '.join(errors)}"
    return " ".join(text.split()) if "\n" in text else text


if __name__ == "__main__":
    sys.exit(main())
