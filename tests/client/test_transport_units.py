"""Pure helpers of the transport layer: header merging, proxy fix-up, secret masking."""

from __future__ import annotations

import contextlib
import logging
import os

from pyral._context import and_all, scope_flag
from pyral._log import mask
from pyral._transport import Transport, default_headers, merge_headers, proxies_from_env


def test_header_overrides_follow_pyral_matching():
    base = default_headers()
    merged = merge_headers(
        base,
        {
            "name": "My Integration",
            "vendor": "ACME",
            "version": "9.9",
            "Library": "lib-x",
            "bogus": "zzz",
            "user-agent": "UA",
        },
    )
    assert merged["X-RallyIntegrationName"] == "My Integration"
    assert merged["X-RallyIntegrationVendor"] == "ACME"
    assert merged["X-RallyIntegrationVersion"] == "9.9"
    assert merged["X-RallyIntegrationLibrary"] == "lib-x"
    assert merged["User-Agent"] == "UA"
    assert "bogus" not in {k.lower() for k in merged}
    assert merged["Content-Type"] == "application/json"


def test_session_headers_are_replaced_not_merged_with_requests_defaults():
    t = Transport(apikey="_K", user=None, password=None)
    names = {k.lower() for k in t.session.headers}
    assert "accept" not in names and "connection" not in names
    assert t.session.headers["ZSESSIONID"] == "_K"
    assert t.session.auth is None
    t2 = Transport(apikey=None, user="u", password="p")
    assert "ZSESSIONID" not in t2.session.headers
    assert t2.session.auth is not None


def test_proxy_fixup_does_not_touch_environment():
    env = {"HTTPS_PROXY": "proxy.example:3128"}
    assert proxies_from_env(env) == {"https": "http://proxy.example:3128"}
    assert env == {"HTTPS_PROXY": "proxy.example:3128"}
    assert proxies_from_env({"https_proxy": "https://p:1"}) == {"https": "https://p:1"}
    assert proxies_from_env({}) is None


def test_transport_reads_real_environment_without_writing_it(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "corp:8080")
    t = Transport(apikey="_K", user=None, password=None)
    assert t.proxies == {"https": "http://corp:8080"}
    assert os.environ["HTTPS_PROXY"] == "corp:8080"


def test_mask_hides_tokens():
    text = "defect/create?key=abc123&workspace=workspace/1&apikey=_secret"
    masked = mask(text)
    assert "abc123" not in masked and "_secret" not in masked
    assert "workspace=workspace/1" in masked


def test_no_secret_in_log_records(caplog):
    t = Transport(apikey="_SECRETKEY", user=None, password=None, retries=0)
    with caplog.at_level(logging.INFO, logger="pyral"), contextlib.suppress(Exception):
        t.send("GET", "http://127.0.0.1:9/x?key=tok123", log_as="x?key=tok123")
    text = caplog.text
    assert "tok123" not in text and "_SECRETKEY" not in text


def test_scope_flag_truthiness():
    assert [scope_flag(v) for v in (1, True, "true", "True")] == ["true"] * 4
    assert [scope_flag(v) for v in (None, False, 0, "yes", "TRUE", [])] == ["false"] * 6


def test_and_all_is_right_nested_binary():
    assert and_all(["A = 1"]) == "(A = 1)"
    assert and_all(["A = 1", "B = 2", "C = 3"]) == "((A = 1) AND ((B = 2) AND (C = 3)))"
