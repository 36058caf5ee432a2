"""Connection options, settings and the ``Rally`` the commands share.

The CLI must honour whatever already configures a user's pyral scripts, so the final word on
settings belongs to :func:`pyral.config.rallyWorkset`: the options parsed here are turned back
into the ``--name=value`` strings that function understands and handed to it, and it layers
them over ``RALLY_*`` variables, ``rally-v2.0.cfg`` and ``RALLY_CONFIG`` exactly as for a script.
argparse only adds ``--help`` text, the space-separated spelling and placement after the
subcommand.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pyral.config import PASSWORD, USER_NAME, rallyWorkset

from .errors import UsageError

#: (dest, option spellings, help); every spelling is one rallyWorkset accepts as ``--x=value``.
_SETTING_OPTIONS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("server", ("--server", "--rallyServer"), "Rally host, host:port or URL"),
    ("user", ("--rallyUser", "--user"), "user name (with --rallyPassword)"),
    ("password", ("--rallyPassword", "--password"), "password (never printed)"),
    ("apikey", ("--apikey",), "API key (never printed); wins over user/password"),
    ("workspace", ("--workspace", "--rallyWorkspace"), "workspace name"),
    ("project", ("--project", "--rallyProject"), "project name or 'A // B' path"),
)
_CONFIG_SPELLINGS = ("--rallyConfig", "--config", "--conf", "--cfg")
SETTING_DESTS = tuple(dest for dest, _, _ in _SETTING_OPTIONS)


def add_connection_options(parser: argparse.ArgumentParser, *, top_level: bool) -> None:
    """Add the connection options to the main parser or to one subcommand's parser.

    On subcommand parsers the defaults are suppressed, so an option typed after the
    subcommand overrides the same option typed before it and an absent one changes nothing.
    Config files collect into separate lists for the two positions and are joined later.
    """
    group = parser.add_argument_group("connection (same options and files as pyral scripts)")
    default: Any = None if top_level else argparse.SUPPRESS
    group.add_argument(
        *_CONFIG_SPELLINGS,
        dest="config_files" if top_level else "config_files_late",
        action="append",
        metavar="FILE",
        default=[] if top_level else argparse.SUPPRESS,
        help="pyral config file (SERVER=, USER=, PASSWORD=, APIKEY=, WORKSPACE=, PROJECT=)",
    )
    for dest, spellings, text in _SETTING_OPTIONS:
        group.add_argument(*spellings, dest=dest, default=default, metavar="VALUE", help=text)
    group.add_argument(
        "--insecure",
        action="store_true",
        default=False if top_level else argparse.SUPPRESS,
        help="do not verify the server's TLS certificate (self-signed test servers)",
    )


@dataclass
class Settings:
    """What ``rallyWorkset`` resolved, plus the CLI-only ``insecure`` flag."""

    server: str
    user: str
    password: str
    apikey: str
    workspace: str
    project: str
    insecure: bool = False
    secrets: tuple[str, ...] = field(default=(), repr=False)

    @property
    def has_credentials(self) -> bool:
        """False when nothing was configured and only pyral's placeholder login remains."""
        if self.apikey:
            return True
        return not (self.user == USER_NAME and self.password == PASSWORD)


def workset_args(ns: argparse.Namespace) -> list[str]:
    """The parsed options as the ``--name=value`` strings rallyWorkset reads.

    Config files go first because rallyWorkset applies every file before any option anyway;
    a name with white space cannot be expressed in its syntax, so it is refused outright
    rather than silently ignored.
    """
    args: list[str] = []
    for name in [*getattr(ns, "config_files", []), *getattr(ns, "config_files_late", [])]:
        if not name or any(ch.isspace() for ch in name):
            raise UsageError(f"config file name {name!r} is empty or contains white space")
        args.append(f"--rallyConfig={name}")
    for dest in SETTING_DESTS:
        value = getattr(ns, dest, None)
        if value:
            args.append(f"--{dest}={value}")
    return args


def resolve(ns: argparse.Namespace) -> Settings:
    """Settings for this invocation (environment, config files and options layered)."""
    server, user, password, apikey, workspace, project = rallyWorkset(workset_args(ns))
    secrets = tuple(s for s in (password, apikey) if s and s != PASSWORD)
    return Settings(
        server=server,
        user=user,
        password=password,
        apikey=apikey,
        workspace=workspace,
        project=project,
        insecure=bool(getattr(ns, "insecure", False)),
        secrets=secrets,
    )


def connect(settings: Settings) -> Any:
    """A connected ``Rally`` (the constructor resolves workspace and project on the wire)."""
    if not settings.has_credentials:
        raise UsageError(
            "no Rally credentials: give --apikey=KEY or --rallyUser=/--rallyPassword=, "
            "a --rallyConfig=FILE, or set RALLY_APIKEY (no Rally at hand? "
            "'pyral emulator --demo' starts a local one and prints how to connect)"
        )
    from pyral.restapi import Rally

    return Rally(
        settings.server,
        settings.user,
        settings.password,
        apikey=settings.apikey or None,
        workspace=settings.workspace,
        project=settings.project,
        verify_ssl_cert=not settings.insecure,
    )


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret replaced, so no message can leak a key or password."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "********")
    return text
