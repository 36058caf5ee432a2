"""Streaming a large result keeps at most one page (or one group of parallel pages) in memory.

Memory *targets* are measured by benchmarks/; this checks the mechanism: the response never
holds more raw items than the pages it has been asked to fetch so far, and entities already
served are not kept alive by it.
"""

from __future__ import annotations

import gc
import weakref

import pytest

from pyral._pagination import auto_window


def test_sequential_streaming_holds_one_page(rally, wire) -> None:
    response = rally.get("Task", fetch="Name", pagesize=7, project=None)
    assert response.resultCount > 40, "the demo data should span several pages"
    pager = response._pager
    served = 0
    refs = []
    for task in response:
        served += 1
        assert len(pager._buffer) <= 7
        refs.append(weakref.ref(task))
        del task
    assert served == response.resultCount
    gc.collect()
    assert all(ref() is None for ref in refs), "served entities must not be retained"
    pages = [r for r in wire.requests if r.path.endswith("/Task")]
    assert len(pages) == -(-served // 7)


@pytest.mark.parametrize("threads", [3, None])
def test_parallel_streaming_holds_one_page_plus_the_window(rally, wire, threads) -> None:
    """Pages fetched ahead wait in the window; only the page being served is decoded."""
    response = rally.get("Task", fetch="Name", pagesize=5, threads=threads, project=None)
    pager = response._pager
    window = pager.window
    assert window == (3 if threads else auto_window(5))
    served = largest = ahead = 0
    for _ in response:
        served += 1
        largest = max(largest, len(pager._buffer))
        ahead = max(ahead, pager.in_flight)
        # never more pages asked for than served so far plus the window
        pages_served = -(-served // 5)
        assert wire.count() <= pages_served + window
    assert largest == 5
    assert 1 < ahead <= window
    assert served == response.resultCount
