"""Pages fetched ahead wait in the window as they came over the wire (gzipped).

The emulator gzips large answers for clients that accept it, as Rally does; the pager keeps
those bytes until iteration reaches the page and only then inflates and decodes them.
"""

from __future__ import annotations

import gzip
import json
import logging
import zlib

import pytest

from pyral._transport import expand_body


@pytest.mark.parametrize(
    ("encoded", "encoding"),
    [
        (gzip.compress(b'{"a": 1}'), "gzip"),
        (gzip.compress(b'{"a": 1}'), "x-gzip"),
        (zlib.compress(b'{"a": 1}'), "deflate"),
        (zlib.compress(b'{"a": 1}')[2:-4], "deflate"),  # a raw deflate stream
        (b'{"a": 1}', ""),
        (b'{"a": 1}', "identity"),
    ],
)
def test_expand_body_undoes_each_encoding(encoded, encoding):
    assert expand_body(encoded, encoding) == b'{"a": 1}'


def _later_page(rally):
    response = rally.get("Task", fetch="Name,State,Owner,Project", pagesize=20, project=None)
    base = response.resource.rsplit("&start=", 1)[0]
    return rally._follow_up_bytes(base, 21)


def test_a_page_fetched_ahead_is_kept_compressed(rally):
    start, url, body, encoding = _later_page(rally)
    assert (start, encoding) == (21, "gzip")
    text = expand_body(body, encoding)
    assert len(body) < len(text) / 3
    page = json.loads(text)["QueryResult"]
    assert page["StartIndex"] == 21 and len(page["Results"]) == 20
    assert rally._follow_up_items((start, url, body, encoding), "Task") == page["Results"]


def test_with_logging_on_the_page_is_read_as_text_and_logged(rally, caplog):
    with caplog.at_level(logging.INFO, logger=rally._logger.name):
        start, url, body, encoding = _later_page(rally)
    assert encoding == ""
    assert json.loads(body)["QueryResult"]["StartIndex"] == 21
