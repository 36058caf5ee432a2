"""Streaming a large result keeps at most one page (or one group of parallel pages) in memory.

Memory *targets* are measured by benchmarks/; this checks the mechanism: the response never
holds more raw items than the pages it has been asked to fetch so far, and entities already
served are not kept alive by it.
"""

from __future__ import annotations

import gc
import weakref


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


def test_parallel_streaming_holds_one_group(rally, wire) -> None:
    response = rally.get("Task", fetch="Name", pagesize=5, threads=3, project=None)
    pager = response._pager
    largest = 0
    for _ in response:
        largest = max(largest, len(pager._buffer))
    assert 5 < largest <= 15
