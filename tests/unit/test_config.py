"""pyral.config: constants and every layering rule of rallyWorkset / rallySettings (spec 7)."""

from __future__ import annotations

import platform
import re
from pathlib import Path

import pytest

from pyral import config
from pyral.config import (
    ConfigFileWarning,
    env_settings,
    option_settings,
    parse_config_text,
    rallySettings,
    rallyWorkset,
    resolve_settings,
)

DEFAULTS = ["rally1.rallydev.com", "wiley@acme.com", "G3ronim0!", "", "default", "default"]
ENV_NAMES = [
    "RALLY_SERVER",
    "RALLY_USER",
    "RALLY_PASSWORD",
    "APIKEY",
    "RALLY_APIKEY",
    "RALLY_WORKSPACE",
    "RALLY_PROJECT",
    "RALLY_CONFIG",
    "RALLY_USER_NAME",
]


@pytest.fixture(autouse=True)
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test runs in an empty directory with none of the Rally variables set."""
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# ---- constants --------------------------------------------------------------------------------


def test_constants() -> None:
    assert (config.PROTOCOL, config.SERVER, config.WEB_SERVICE, config.SCHEMA_SERVICE) == (
        "https",
        "rally1.rallydev.com",
        "slm/webservice",
        "slm/schema",
    )
    assert (config.AUTH_ENDPOINT, config.WS_API_VERSION) == ("security/authorize", "v2.0")
    assert (config.USER_NAME, config.PASSWORD) == ("wiley@acme.com", "G3ronim0!")
    assert (config.START_INDEX, config.KILO_PAGESIZE, config.MAX_PAGESIZE) == (1, 1000, 2000)
    assert (config.MAX_ITEMS, config.DEFAULT_SESSION_TIMEOUT) == (1000000, 10)
    assert config.CONFIG_SETTING_PATT == r"^([A-Z]+)\s*=\s*(.+)$"
    assert config.RALLY_ARG_SETTING_PATT1 == r"^--(rally[SUPW][a-z]+)=(.+)\s*$"
    assert config.RALLY_ARG_SETTING_PATT2 == r"^--([ASUPWasupw][a-z]+)=(.+)\s*$"
    assert config.RALLY_CONFIG_FILE_PATT == r"^--(cfg|conf|config|rallyConfig)=(\S+)$"
    assert "true" in config.TRUTHY_VALUES and "false" in config.FALSEY_VALUES


def test_headers() -> None:
    headers = config.RALLY_REST_HEADERS
    assert headers["X-RallyIntegrationName"] == "Rally REST API toolkit for Python"
    assert headers["X-RallyIntegrationVendor"] == "Broadcom / Rally"
    assert headers["X-RallyIntegrationLibrary"] == f"pyral-{headers['X-RallyIntegrationVersion']}"
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", headers["X-RallyIntegrationVersion"])
    assert headers["X-RallyIntegrationPlatform"] == f"Python {platform.python_version()}"
    assert headers["X-RallyIntegrationOS"] == platform.platform()
    assert headers["User-Agent"] == "Pyral Rally WebServices Agent"
    assert headers["Content-Type"] == "application/json"
    assert headers["Accept-Encoding"] == "gzip"
    assert len(headers) == 9


def test_timestamp_format() -> None:
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}", config.timestamp())


# ---- config-file text --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SERVER = host.example\n", {"server": "host.example"}),
        ("USER=u@x\nPASSWORD  =  pw\n", {"user": "u@x", "password": "pw"}),
        ("PASSWORD =  cfgpw   \n", {"password": "cfgpw   "}),  # trailing spaces kept
        (
            "APIKEY = _abc\nWORKSPACE = My WS\nPROJECT = A // B\n",
            {"apikey": "_abc", "workspace": "My WS", "project": "A // B"},
        ),
        ("  SERVER = indented\n", {}),  # must start at column 0
        ("server = lower\n", {}),  # upper-case keys only
        ("# SERVER = comment\n", {}),
        ("API_KEY = never\n", {}),  # underscore defeats the pattern
        ("COLOR = blue\n", {}),  # unknown key
        ("SERVER =\n", {}),  # no value
        ("USER = first\nUSER = second\n", {"user": "second"}),  # later lines win
        ("SERVER = a.b\r\nUSER = c\r\n", {"server": "a.b", "user": "c"}),  # CRLF files
    ],
)
@pytest.mark.filterwarnings("ignore::pyral.config.ConfigKeyWarning")
def test_parse_config_text(text: str, expected: dict[str, str]) -> None:
    assert parse_config_text(text) == expected


# ---- layers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        (
            {"RALLY_SERVER": "s", "RALLY_USER": "u", "RALLY_PASSWORD": "p"},
            {"server": "s", "user": "u", "password": "p"},
        ),
        ({"APIKEY": "k1"}, {"apikey": "k1"}),
        ({"RALLY_APIKEY": "k2"}, {"apikey": "k2"}),
        ({"APIKEY": "k1", "RALLY_APIKEY": "k2"}, {"apikey": "k2"}),  # the guide's name wins
        ({"RALLY_WORKSPACE": "W", "RALLY_PROJECT": "P"}, {"workspace": "W", "project": "P"}),
        ({"RALLY_USER_NAME": "ignored", "RALLY_SERVER": ""}, {}),  # not read / empty = unset
    ],
)
def test_env_settings(environ: dict[str, str], expected: dict[str, str]) -> None:
    assert env_settings(environ) == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["--rallyServer=s", "--rallyUser=u", "--rallyPassword=p"],
            {"server": "s", "user": "u", "password": "p"},
        ),
        (["--rallyWorkspace=W W", "--rallyProject=P"], {"workspace": "W W", "project": "P"}),
        (
            [
                "--server=s",
                "--user=u",
                "--password=p",
                "--apikey=k",
                "--workspace=w",
                "--project=p",
            ],
            {
                "server": "s",
                "user": "u",
                "password": "p",
                "apikey": "k",
                "workspace": "w",
                "project": "p",
            },
        ),
        (["--api_key=k", "--rallyApikey=k", "--ping", "--ping=1", "--verbose=yes"], {}),
        (["--user=a", "--rallyUser=b", "--user=c"], {"user": "c"}),  # later wins
        (["--password=pw  "], {"password": "pw  "}),  # trailing spaces kept
        (["--user="], {}),  # empty value does not match
        (["-user=x", "user=x", "--config=x.cfg"], {}),
    ],
)
def test_option_settings(args: list[str], expected: dict[str, str]) -> None:
    assert option_settings(args) == expected


# ---- rallyWorkset, end to end --------------------------------------------------------------------


def test_defaults_and_return_type() -> None:
    result = rallyWorkset([])
    assert result == DEFAULTS
    assert isinstance(result, list)
    assert rallyWorkset(None) == DEFAULTS


def test_env_layer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RALLY_SERVER", "env.server")
    monkeypatch.setenv("RALLY_USER", "env.user")
    monkeypatch.setenv("RALLY_PASSWORD", "envpw")
    monkeypatch.setenv("APIKEY", "envkey")
    monkeypatch.setenv("RALLY_WORKSPACE", "Env WS")
    monkeypatch.setenv("RALLY_PROJECT", "Env Proj")
    assert rallyWorkset([]) == ["env.server", "env.user", "envpw", "envkey", "Env WS", "Env Proj"]


def test_cwd_file_overrides_env(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RALLY_SERVER", "env.server")
    monkeypatch.setenv("RALLY_USER", "env.user")
    write(clean_env / "rally-v2.0.cfg", "SERVER = cwd.server\nAPIKEY = cwdkey\n")
    assert rallyWorkset([])[:4] == ["cwd.server", "env.user", "G3ronim0!", "cwdkey"]


def test_non_matching_cwd_file_is_reported_and_ignored(
    clean_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(clean_env / "rally-v1.43.cfg", "SERVER = old.server\n")
    assert rallyWorkset([]) == DEFAULTS
    # On stdout, as pyral 1.7.0 printed it.
    assert capsys.readouterr().out == (
        "Ignoring non-matching version of Rally config settings: rally-v1.43.cfg"
        " (working version: v2.0)\n"
    )


def test_matching_cwd_file_wins_over_other_versions(clean_env: Path) -> None:
    write(clean_env / "rally-v1.43.cfg", "SERVER = old.server\n")
    write(clean_env / "rally-v2.0.cfg", "SERVER = new.server\n")
    assert rallyWorkset([])[0] == "new.server"


def test_rally_config_env_overrides_cwd_file(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(clean_env / "rally-v2.0.cfg", "SERVER = cwd.server\nUSER = cwd.user\n")
    write(clean_env / "team.cfg", "SERVER = team.server\n")
    monkeypatch.setenv("RALLY_CONFIG", "team")  # .cfg appended when missing
    assert rallyWorkset([])[:2] == ["team.server", "cwd.user"]


@pytest.mark.parametrize("flag", ["--cfg", "--conf", "--config", "--rallyConfig"])
def test_config_options_override_rally_config(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, flag: str
) -> None:
    write(clean_env / "team.cfg", "SERVER = team.server\nPROJECT = Team\n")
    write(clean_env / "mine.cfg", "SERVER = my.server\n")
    monkeypatch.setenv("RALLY_CONFIG", "team.cfg")
    assert rallyWorkset([f"{flag}=mine"]) == [
        "my.server",
        "wiley@acme.com",
        "G3ronim0!",
        "",
        "default",
        "Team",
    ]


def test_several_config_options_apply_in_order(clean_env: Path) -> None:
    write(clean_env / "a.cfg", "SERVER = a\nUSER = a\n")
    write(clean_env / "b.cfg", "SERVER = b\n")
    assert rallyWorkset(["--config=a.cfg", "--cfg=b.cfg"])[:2] == ["b", "a"]


def test_options_beat_config_files_whatever_their_position(clean_env: Path) -> None:
    write(clean_env / "a.cfg", "USER = from.file\nWORKSPACE = File WS\n")
    result = rallyWorkset(["--rallyUser=from.option", "--config=a.cfg", "--workspace=Opt WS"])
    assert result[1] == "from.option"
    assert result[4] == "Opt WS"


def test_guide_example_config_file(clean_env: Path) -> None:
    """The user guide's rally_config.cfg with --rallyConfig=rally_config.cfg."""
    write(
        clean_env / "rally_config.cfg",
        "SERVER   = rally1.rallydev.com\nAPIKEY   = _your_api_key_here\nWORKSPACE = My Workspace\nPROJECT   = My Project\n",
    )
    server, user, password, apikey, workspace, project = rallyWorkset(
        ["--rallyConfig=rally_config.cfg"]
    )
    assert (server, apikey, workspace, project) == (
        "rally1.rallydev.com",
        "_your_api_key_here",
        "My Workspace",
        "My Project",
    )
    assert (user, password) == ("wiley@acme.com", "G3ronim0!")


def test_absolute_config_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = tmp_path / "conf"
    elsewhere.mkdir()
    cfg = write(elsewhere / "x.cfg", "PROJECT = Abs\n")
    monkeypatch.chdir(tmp_path)
    assert rallyWorkset([f"--config={cfg}"])[5] == "Abs"


def test_missing_config_file_is_skipped_with_a_warning(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.warns(ConfigFileWarning, match="^Rally config file nope not found$"):
        assert rallyWorkset(["--config=nope", "--user=u"]) == [DEFAULTS[0], "u", *DEFAULTS[2:]]
    assert capsys.readouterr() == ("", "")  # pyral 1.7.0 printed nothing: a warning, no print


def test_config_name_with_spaces_is_not_an_option() -> None:
    assert rallyWorkset(["--config=my file.cfg"]) == DEFAULTS


def test_unreadable_config_warns_instead_of_returning_none(
    clean_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Q17: pyral returned None (or crashed) for a config path that is a directory."""
    (clean_env / "dir.cfg").mkdir()
    with pytest.warns(ConfigFileWarning, match="^Unable to read Rally config file"):
        result = rallyWorkset(["--config=dir.cfg", "--user=still.applied"])
    assert result == [DEFAULTS[0], "still.applied", *DEFAULTS[2:]]
    assert capsys.readouterr() == ("", "")


def test_unreadable_cwd_config_warns(clean_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (clean_env / "rally-v2.0.cfg").write_bytes(b"SERVER = \xff\xfe bad\n")
    with pytest.warns(ConfigFileWarning, match="^Unable to read Rally config file"):
        assert rallyWorkset([]) == DEFAULTS
    assert capsys.readouterr() == ("", "")


def test_non_string_args_are_ignored() -> None:
    assert rallyWorkset([None, 5, "--user=u"]) == [DEFAULTS[0], "u", *DEFAULTS[2:]]  # type: ignore[list-item]


def test_resolve_settings_is_injectable(tmp_path: Path) -> None:
    write(tmp_path / "rally-v2.0.cfg", "WORKSPACE = Injected\n")
    settings = resolve_settings(["--project=P"], environ={"RALLY_USER": "envuser"}, cwd=tmp_path)
    assert settings == {
        "server": "rally1.rallydev.com",
        "user": "envuser",
        "password": "G3ronim0!",
        "apikey": "",
        "workspace": "Injected",
        "project": "P",
    }


# ---- rallySettings ---------------------------------------------------------------------------------


def test_rally_settings_ignores_every_apikey_source(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APIKEY", "envkey")
    monkeypatch.setenv("RALLY_USER", "envuser")
    write(clean_env / "rally-v2.0.cfg", "APIKEY = filekey\nPROJECT = FileProj\n")
    result = rallySettings(["--apikey=optkey", "--rallyPassword=pw"])
    assert result == ["rally1.rallydev.com", "envuser", "pw", "default", "FileProj"]
    assert isinstance(result, list)


# ---- unknown keys: parsed as pyral does, but never silently --------------------------------------


def test_misspelt_key_in_rally_config_is_ignored_but_warned(clean_env: Path) -> None:
    """A typo such as SERVR keeps pyral's parse (the default server) and names the key."""
    write(clean_env / "typo.cfg", "SERVR = my.rally.example\nAPIKEY = _secretkey123\n")
    with pytest.warns(config.ConfigKeyWarning) as caught:
        server, *_rest = rallyWorkset(["--rallyConfig=typo.cfg"])
    assert server == "rally1.rallydev.com"
    texts = [str(w.message) for w in caught]
    assert len(texts) == 1
    assert "'SERVR'" in texts[0] and "did you mean SERVER?" in texts[0]
    assert "my.rally.example" not in texts[0]  # the value (possibly a secret) is never echoed
    assert "_secretkey123" not in texts[0]


@pytest.mark.parametrize(
    ("line", "key", "hint"),
    [
        ("  SERVER = indented\n", "SERVER", "at the start of the line"),
        ("server = lower\n", "server", "at the start of the line"),
        ("API_KEY = never\n", "API_KEY", "did you mean APIKEY?"),
        ("COLOR = blue\n", "COLOR", "recognised keys are SERVER, USER"),
        ("SERVER: ini.style\n", "SERVER", "write it as SERVER = ... at the start of the line"),
        ("APIKEY : _spaced\n", "APIKEY", "write it as APIKEY = ..."),
    ],
)
def test_every_ignored_assignment_warns(line: str, key: str, hint: str) -> None:
    with pytest.warns(config.ConfigKeyWarning, match=re.escape(hint)) as caught:
        assert parse_config_text(line) == {}
    assert f"{key!r}" in str(caught[0].message)


def test_known_keys_comments_and_blank_lines_do_not_warn(recwarn: pytest.WarningsRecorder) -> None:
    text = (
        "# SERVER = commented\n\nSERVER = a.b\nUSER = u\nnot an assignment\n"
        "https://rally1.rallydev.com/#/detail\n"
    )
    assert parse_config_text(text) == {"server": "a.b", "user": "u"}
    assert not [w for w in recwarn if issubclass(w.category, config.ConfigKeyWarning)]


def test_config_warnings_point_at_the_callers_line(clean_env: Path) -> None:
    """The warning names the script's line that asked for the settings, not pyral's code."""
    write(clean_env / "typo.cfg", "SERVR = x\n")
    with pytest.warns(config.ConfigKeyWarning) as key_warning:
        rallyWorkset(["--rallyConfig=typo.cfg"])
    with pytest.warns(ConfigFileWarning) as file_warning:
        rallySettings(["--config=absent.cfg"])
    assert key_warning[0].filename == __file__
    assert file_warning[0].filename == __file__
