"""Unit tests for the SQLite store and rank strings."""

from __future__ import annotations

import os
import re
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyral.emulator.store import FIRST_OID, Row, Store, make_uuid, now_iso, rank_between


@pytest.fixture()
def store():
    s = Store()
    yield s
    s.close()


def _row(store: Store, type_: str = "Defect", **data) -> Row:
    oid = store.new_oid()
    row = Row(oid, type_, 1, 2, None, None, False, 1, {"ObjectID": oid, **data})
    store.insert(row)
    return row


def test_insert_get_save(store: Store) -> None:
    row = _row(store, Name="First", Tags=[1, 2])
    assert row.oid == FIRST_OID
    got = store.get(row.oid)
    assert got == row
    got.data["Name"] = "Changed"
    got.version += 1
    got.recycled = True
    store.save(got)
    again = store.get(row.oid)
    assert again.data["Name"] == "Changed" and again.version == 2 and again.recycled is True
    assert store.get(12345) is None
    with pytest.raises(KeyError):
        store.save(Row(999, "Defect", None, None, None, None, False, 1, {}))


def test_select_count_and_paging(store: Store) -> None:
    rows = [_row(store, Name=f"n{i}", Size=i) for i in range(10)]
    _row(store, "Task", Name="t")
    assert store.count("o.type = ?", ["Defect"]) == 10
    page = store.select("o.type = ?", ["Defect"], limit=3, offset=2)
    assert [r.oid for r in page] == [r.oid for r in rows[2:5]]
    tail = store.select("o.type = ?", ["Defect"], offset=8)
    assert [r.oid for r in tail] == [r.oid for r in rows[8:]]
    desc = store.select(
        "json_extract(o.data, '$.Size') >= ?", [5], order_sql="json_extract(o.data, '$.Size') DESC"
    )
    assert [r.data["Size"] for r in desc] == [9, 8, 7, 6, 5]
    many = store.get_many([rows[0].oid, rows[3].oid, 424242])
    assert set(many) == {rows[0].oid, rows[3].oid}


def test_counters(store: Store) -> None:
    assert [store.new_oid() for _ in range(3)] == [FIRST_OID, FIRST_OID + 1, FIRST_OID + 2]
    assert [store.next_fid(7, "Defect") for _ in range(3)] == [1, 2, 3]
    assert store.next_fid(7, "Task") == 1
    assert store.next_fid(8, "Defect") == 1


def test_write_rolls_back_on_error(store: Store) -> None:
    before = store.new_oid()
    with pytest.raises(RuntimeError), store.write() as conn:
        _row(store, Name="lost")
        store.new_oid(conn)
        raise RuntimeError("boom")
    assert store.count("1", []) == 0
    # The counter was rolled back too, so no gap appears.
    assert store.new_oid() == before + 1


def test_reads_inside_write_see_own_changes(store: Store) -> None:
    with store.write():
        row = _row(store, Name="mine")
        assert store.get(row.oid) is not None
        assert store.count("1", []) == 1
        with store.write():  # nested writes join the outer transaction
            _row(store, Name="nested")
    assert store.count("1", []) == 2


def test_concurrent_writers_and_readers(store: Store) -> None:
    errors: list[BaseException] = []
    seen_counts: list[int] = []

    def writer(n: int) -> None:
        try:
            for i in range(40):
                _row(store, Name=f"w{n}-{i}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def reader() -> None:
        try:
            for _ in range(60):
                seen_counts.append(store.count("o.type = ?", ["Defect"]))
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    threads += [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    rows = store.select("1", [])
    assert len(rows) == 240
    assert sorted(r.oid for r in rows) == list(range(FIRST_OID, FIRST_OID + 240))
    assert all(0 <= c <= 240 for c in seen_counts)


def test_credentials_and_access(store: Store) -> None:
    store.set_credentials(5, "Ann@Example.com", password="secret", apikey="_key1")
    assert store.user_for_apikey("_key1") == 5
    assert store.user_for_apikey("_nope") is None
    assert store.user_for_apikey("") is None
    assert store.user_for_password("ann@example.com", "secret") == 5
    assert store.user_for_password("ann@example.com", "wrong") is None
    assert store.user_for_password("bob", "secret") is None
    store.set_credentials(5, "Ann@Example.com", apikey="_key2")  # keeps the password
    assert store.user_for_password("Ann@Example.com", "secret") == 5
    assert store.user_for_apikey("_key1") is None and store.user_for_apikey("_key2") == 5
    raw = store.connection().execute("SELECT password_hash FROM credentials").fetchone()[0]
    assert "secret" not in raw
    store.grant(5, 10)
    store.grant(5, 11)
    store.grant(5, 10)
    assert store.workspaces_of(5) == {10, 11}
    assert store.workspaces_of(6) == set()


def test_meta(store: Store) -> None:
    assert store.get_meta("x") is None
    store.set_meta("x", "1")
    store.set_meta("x", "2")
    assert store.get_meta("x") == "2"


def test_file_lifecycle(tmp_path) -> None:
    temp = Store()
    path = temp.path
    assert os.path.exists(path)
    temp.close()
    assert not os.path.exists(path)
    kept = str(tmp_path / "db.sqlite3")
    s = Store(kept)
    _row(s, Name="persisted")
    s.close()
    s2 = Store(kept)
    assert s2.count("1", []) == 1 and s2.new_oid() == FIRST_OID + 1
    s2.close()
    assert os.path.exists(kept)
    mode = Store(kept)
    assert mode.connection().execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    mode.close()


def test_uuid_and_dates() -> None:
    assert make_uuid(100001) == make_uuid(100001) != make_uuid(100002)
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", make_uuid(1)
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", now_iso())


# -- ranks -----------------------------------------------------------------------------

RANK = st.text(alphabet=[chr(c) for c in range(33, 127)], min_size=1, max_size=12).filter(
    lambda s: not s.endswith("!")
)


def test_rank_appends_stay_ordered_and_short() -> None:
    ranks = [rank_between(None, None)]
    for _ in range(3000):
        ranks.append(rank_between(ranks[-1], None))
    assert ranks == sorted(ranks) and len(set(ranks)) == len(ranks)
    assert max(len(r) for r in ranks) <= 8
    tops = [ranks[0]]
    for _ in range(500):
        tops.append(rank_between(None, tops[-1]))
    assert tops == sorted(tops, reverse=True)


def test_rank_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        rank_between("b", "a")
    with pytest.raises(ValueError):
        rank_between("a", "a")
    with pytest.raises(ValueError):
        rank_between("a\n", None)


@settings(max_examples=300)
@given(RANK, RANK)
def test_rank_between_any_pair(a: str, b: str) -> None:
    if a == b:
        return
    lo, hi = min(a, b), max(a, b)
    mid = rank_between(lo, hi)
    assert lo < mid < hi and not mid.endswith("!")


@settings(max_examples=100)
@given(
    st.lists(st.sampled_from(["top", "bottom", "between"]), min_size=1, max_size=80), st.randoms()
)
def test_rank_sequences_keep_a_total_order(ops, rnd) -> None:
    ranks = [rank_between(None, None)]
    for op in ops:
        if op == "top":
            new = rank_between(None, ranks[0])
        elif op == "bottom":
            new = rank_between(ranks[-1], None)
        else:
            i = rnd.randrange(len(ranks))
            after = ranks[i + 1] if i + 1 < len(ranks) else None
            new = rank_between(ranks[i], after)
        ranks.append(new)
        ranks.sort()
        assert len(set(ranks)) == len(ranks)
        assert not new.endswith("!")
