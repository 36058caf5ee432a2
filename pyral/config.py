"""Connection defaults and the settings resolver scripts call before constructing ``Rally``.

``rallyWorkset(sys.argv[1:])`` is how most pyral scripts find their server, credentials,
workspace and project, so its layering, option spellings, environment variable names and
config-file format are those of pyral 1.7.0 (spec section 7), with two deliberate changes:

* a config file that exists but cannot be read (a directory, no permission, not UTF-8) is
  skipped with a ``WARNING:`` line on stderr instead of making the function return ``None``
  (quirk Q17); a named config file that does not exist gets the same kind of warning;
* ``RALLY_APIKEY`` is read as well as ``APIKEY`` because the user guide documents it; when both
  are set, ``RALLY_APIKEY`` wins (it is the more specific name).

Empty environment variables count as unset.  Everything is split into small pure helpers
(``parse_config_text``, ``env_settings``, ``option_settings``...) that take the environment and
working directory as arguments, so the rules can be tested without touching the real process.
"""

from __future__ import annotations

import difflib
import os
import platform
import re
import sys
import time
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path

__all__ = [
    "PROTOCOL",
    "SERVER",
    "WEB_SERVICE",
    "SCHEMA_SERVICE",
    "AUTH_ENDPOINT",
    "WS_API_VERSION",
    "USER_NAME",
    "PASSWORD",
    "START_INDEX",
    "KILO_PAGESIZE",
    "MAX_PAGESIZE",
    "MAX_ITEMS",
    "DEFAULT_SESSION_TIMEOUT",
    "RALLY_REST_HEADERS",
    "TRUTHY_VALUES",
    "FALSEY_VALUES",
    "CONFIG_SETTING_PATT",
    "RALLY_ARG_SETTING_PATT1",
    "RALLY_ARG_SETTING_PATT2",
    "RALLY_CONFIG_FILE_PATT",
    "timestamp",
    "rallyWorkset",
    "rallySettings",
    "parse_config_text",
    "read_config_file",
    "env_settings",
    "cwd_config_settings",
    "config_file_args",
    "option_settings",
    "resolve_settings",
]


def _package_version() -> str:
    """Our version for the integration headers, without importing the package eagerly.

    ``pyral/__init__`` imports this module, so reading ``pyral.__version__`` only works when
    that line ran first; the installed distribution's metadata is the fallback.
    """
    try:
        from pyral import __version__

        return ".".join(str(part) for part in __version__)
    except ImportError:
        pass
    try:
        from importlib.metadata import version

        return version("pyral")
    except Exception:  # metadata missing (e.g. running from a source tree)
        return "0.0.0"


PROTOCOL = "https"
SERVER = "rally1.rallydev.com"
WEB_SERVICE = "slm/webservice"
SCHEMA_SERVICE = "slm/schema"
AUTH_ENDPOINT = "security/authorize"
WS_API_VERSION = "v2.0"
#: Placeholder credentials pyral has always exported and returned when nothing was configured.
USER_NAME = "wiley@acme.com"
PASSWORD = "G3ronim0!"
START_INDEX = 1
KILO_PAGESIZE = 1000
MAX_PAGESIZE = 2000
MAX_ITEMS = 1000000
DEFAULT_SESSION_TIMEOUT = 10

_VERSION = _package_version()

#: Sent with every request; Rally uses the X-RallyIntegration* headers to tell integrations apart.
RALLY_REST_HEADERS: dict[str, str] = {
    "X-RallyIntegrationName": "Rally REST API toolkit for Python",
    "X-RallyIntegrationVendor": "Broadcom / Rally",
    "X-RallyIntegrationVersion": _VERSION,
    "X-RallyIntegrationLibrary": f"pyral-{_VERSION}",
    "X-RallyIntegrationPlatform": f"Python {platform.python_version()}",
    "X-RallyIntegrationOS": platform.platform(),
    "User-Agent": "Pyral Rally WebServices Agent",
    "Content-Type": "application/json",
    "Accept-Encoding": "gzip",
}

TRUTHY_VALUES = ["t", "true", "y", "yes", "1"]
FALSEY_VALUES = ["f", "false", "n", "no", "0"]

#: ``KEY = value`` at column 0, KEY upper-case letters only (so ``API_KEY`` never matches).
CONFIG_SETTING_PATT = r"^([A-Z]+)\s*=\s*(.+)$"
#: ``--rallyServer=``, ``--rallyUser=``, ``--rallyPassword=``, ``--rallyWorkspace=``, ``--rallyProject=``.
RALLY_ARG_SETTING_PATT1 = r"^--(rally[SUPW][a-z]+)=(.+)\s*$"
#: ``--server=``, ``--user=``, ``--password=``, ``--apikey=``, ``--workspace=``, ``--project=``.
RALLY_ARG_SETTING_PATT2 = r"^--([ASUPWasupw][a-z]+)=(.+)\s*$"
RALLY_CONFIG_FILE_PATT = r"^--(cfg|conf|config|rallyConfig)=(\S+)$"

_CONFIG_SETTING_RE = re.compile(CONFIG_SETTING_PATT)
_ARG_RE1 = re.compile(RALLY_ARG_SETTING_PATT1)
_ARG_RE2 = re.compile(RALLY_ARG_SETTING_PATT2)
_CONFIG_FILE_RE = re.compile(RALLY_CONFIG_FILE_PATT)

#: Setting names, in the order ``rallyWorkset`` returns them.
WORKSET_FIELDS = ("server", "user", "password", "apikey", "workspace", "project")
SETTINGS_FIELDS = ("server", "user", "password", "workspace", "project")

_DEFAULTS: dict[str, str] = {
    "server": SERVER,
    "user": USER_NAME,
    "password": PASSWORD,
    "apikey": "",
    "workspace": "default",
    "project": "default",
}
# Later entries win, hence RALLY_APIKEY after APIKEY.
_ENV_VARS: tuple[tuple[str, str], ...] = (
    ("RALLY_SERVER", "server"),
    ("RALLY_USER", "user"),
    ("RALLY_PASSWORD", "password"),
    ("APIKEY", "apikey"),
    ("RALLY_APIKEY", "apikey"),
    ("RALLY_WORKSPACE", "workspace"),
    ("RALLY_PROJECT", "project"),
)
_FILE_KEYS = {
    "SERVER": "server",
    "USER": "user",
    "PASSWORD": "password",
    "APIKEY": "apikey",
    "WORKSPACE": "workspace",
    "PROJECT": "project",
}
_RALLY_OPTIONS = {
    "rallyServer": "server",
    "rallyUser": "user",
    "rallyPassword": "password",
    "rallyWorkspace": "workspace",
    "rallyProject": "project",
}
_PLAIN_OPTIONS = {"server", "user", "password", "apikey", "workspace", "project"}

CWD_CONFIG_NAME = f"rally-{WS_API_VERSION}.cfg"


def timestamp() -> str:
    """Local time as ``YYYY-MM-DD HH:MM:SS.mmm``, the stamp pyral's log lines carry."""
    now = time.time()
    millis = int((now - int(now)) * 1000)
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now)) + f".{millis:03d}"


class ConfigFileWarning(UserWarning):
    """A config file that was named (or found) but could not be read; its settings are skipped.

    pyral 1.7.0 said nothing (a missing file) or returned ``None`` (an unreadable one); this
    library writes to stdout/stderr only where pyral did, so its own notices are warnings.
    """


def _caller_stacklevel() -> int:
    """The ``stacklevel`` that makes a warning point at the first frame outside this package
    (the script that called ``rallyWorkset`` / ``Rally``), however deep the call came from."""
    package = os.path.dirname(os.path.abspath(__file__))
    level, frame = 1, sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        level += 1
        frame = frame.f_back  # type: ignore[assignment]
    return level


def _warn(message: str) -> None:
    warnings.warn(message, ConfigFileWarning, stacklevel=_caller_stacklevel())


# --------------------------------------------------------------------------------------------
# layers (pure helpers)
# --------------------------------------------------------------------------------------------


def parse_config_text(text: str) -> dict[str, str]:
    """Settings found in config-file text, keyed by setting name (``server``, ``apikey``...).

    Only ``KEY = value`` lines starting at column 0 with an upper-case KEY count; anything else
    (comments, indented or lower-case lines, unknown keys) is ignored, as in pyral.  The value
    keeps its trailing spaces -- pyral never stripped them and passwords may end in a space.
    Later lines win.
    """
    found: dict[str, str] = {}
    for line in text.splitlines():
        match = _CONFIG_SETTING_RE.match(line)
        if match and match.group(1) in _FILE_KEYS:
            found[_FILE_KEYS[match.group(1)]] = match.group(2)
        else:
            _warn_unknown_key(line)
    return found


#: Anything shaped like an assignment, so that a typo (``SERVR``, ``API_KEY``, ``server``,
#: the ini-style ``SERVER: host``) is noticed.  Comments, blank lines and URLs never match.
_ASSIGNMENT_RE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:=|:(?!//))")


def _warn_unknown_key(line: str) -> None:
    """Warn about a ``KEY = value`` line pyral's rules ignore, naming the key (never the value).

    pyral 1.7.0 dropped such lines silently; a misspelt ``SERVER`` then sent the credentials to
    the default host.  The line is still ignored (drop-in parsing), but the user hears about it.
    """
    match = _ASSIGNMENT_RE.match(line)
    if not match:
        return
    key = match.group(1)
    hint = ""
    close = difflib.get_close_matches(key.upper(), list(_FILE_KEYS), n=1, cutoff=0.6)
    if key.upper() in _FILE_KEYS:
        hint = f" (write it as {key.upper()} = ... at the start of the line)"
    elif close:
        hint = f" (did you mean {close[0]}?)"
    warnings.warn(
        f"Rally config file setting {key!r} is not recognised and was ignored{hint}; "
        f"the recognised keys are {', '.join(_FILE_KEYS)}",
        ConfigKeyWarning,
        stacklevel=_caller_stacklevel(),
    )


class ConfigKeyWarning(UserWarning):
    """A config file line that looks like a setting but is not one pyral reads."""


def read_config_file(path: str | os.PathLike[str]) -> dict[str, str] | None:
    """The settings in one config file, or ``None`` (with a warning) when it cannot be read."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        _warn(f"Unable to read Rally config file {os.fspath(path)}: {exc}")
        return None
    return parse_config_text(text)


def env_settings(environ: Mapping[str, str]) -> dict[str, str]:
    """Settings taken from environment variables (empty values are treated as unset)."""
    found: dict[str, str] = {}
    for variable, name in _ENV_VARS:
        value = environ.get(variable)
        if value:
            found[name] = value
    return found


def cwd_config_settings(cwd: str | os.PathLike[str]) -> dict[str, str]:
    """Settings from ``rally-v2.0.cfg`` in the working directory.

    Other ``rally-*.cfg`` files there belong to other WSAPI versions; like pyral we say so when
    they are the only ones present rather than silently ignoring what the user may expect.
    """
    directory = Path(cwd)
    try:
        candidates = sorted(p.name for p in directory.glob("rally-*.cfg"))
    except OSError:
        return {}
    if not candidates:
        return {}
    if CWD_CONFIG_NAME in candidates:
        return read_config_file(directory / CWD_CONFIG_NAME) or {}
    # pyral 1.7.0 printed this notice on stdout, once, naming one of the files.
    print(
        f"Ignoring non-matching version of Rally config settings: {candidates[-1]} "
        f"(working version: {WS_API_VERSION})"
    )
    return {}


def _named_config_settings(name: str, cwd: str | os.PathLike[str]) -> dict[str, str]:
    """A config file named by ``RALLY_CONFIG`` or ``--config=``; ``.cfg`` may be left off."""
    path = Path(cwd, name)
    if not path.exists():
        with_suffix = Path(cwd, name + ".cfg")
        if not with_suffix.exists():
            _warn(f"Rally config file {name} not found")
            return {}
        path = with_suffix
    return read_config_file(path) or {}


def config_file_args(args: Iterable[str]) -> list[str]:
    """The file names given with ``--cfg=``/``--conf=``/``--config=``/``--rallyConfig=``."""
    names: list[str] = []
    for arg in args:
        if isinstance(arg, str):
            match = _CONFIG_FILE_RE.match(arg)
            if match:
                names.append(match.group(2))
    return names


def option_settings(args: Iterable[str]) -> dict[str, str]:
    """Settings given as ``--rallyUser=...`` or ``--user=...`` style options; later ones win.

    Unrecognised options (``--ping``, ``--api_key``, ``--rallyApikey``...) are ignored because
    scripts pass their whole option list here along with their own flags.  The value keeps
    trailing spaces, as pyral's pattern did.
    """
    found: dict[str, str] = {}
    for arg in args:
        if not isinstance(arg, str):
            continue
        match = _ARG_RE1.match(arg)
        if match:
            name = _RALLY_OPTIONS.get(match.group(1))
            if name:
                found[name] = match.group(2)
            continue
        match = _ARG_RE2.match(arg)
        if match and match.group(1).lower() in _PLAIN_OPTIONS:
            found[match.group(1).lower()] = match.group(2)
    return found


def resolve_settings(
    args: Iterable[str] | None,
    environ: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
) -> dict[str, str]:
    """All six settings after layering; each layer overrides the one before.

    1. built-in defaults; 2. environment variables; 3. ``rally-v2.0.cfg`` in ``cwd``;
    4. the file named by ``RALLY_CONFIG``; 5. each ``--config=``-style file, in order;
    6. ``--rallyUser=``/``--user=``-style options, in order.
    """
    arg_list = [a for a in (args or []) if isinstance(a, str)]
    environ = os.environ if environ is None else environ
    cwd = os.getcwd() if cwd is None else cwd
    settings = dict(_DEFAULTS)
    settings.update(env_settings(environ))
    settings.update(cwd_config_settings(cwd))
    if environ.get("RALLY_CONFIG"):
        settings.update(_named_config_settings(environ["RALLY_CONFIG"], cwd))
    for name in config_file_args(arg_list):
        settings.update(_named_config_settings(name, cwd))
    settings.update(option_settings(arg_list))
    return settings


# --------------------------------------------------------------------------------------------
# pyral entry points
# --------------------------------------------------------------------------------------------


def rallyWorkset(args: Iterable[str] | None) -> list[str]:
    """``[server, user, password, apikey, workspace, project]`` for ``Rally(...)``.

    A list (not a tuple, whatever older docs say) because that is what pyral returned and some
    scripts index or mutate it.  ``'default'`` workspace/project mean "not specified".
    """
    settings = resolve_settings(args)
    return [settings[name] for name in WORKSET_FIELDS]


def rallySettings(args: Iterable[str] | None) -> list[str]:
    """Deprecated form without the apikey: ``[server, user, password, workspace, project]``."""
    settings = resolve_settings(args)
    return [settings[name] for name in SETTINGS_FIELDS]
