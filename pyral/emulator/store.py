"""SQLite storage for the WSAPI emulator.

Every object of every type lives in one ``objects`` table (see the storage contract in
``docs/architecture.md``).  This module knows nothing about HTTP, the query language or
the schema: it allocates identifiers, persists rows and answers SQL fragments handed to it
by the query compiler.

Concurrency model: the HTTP server is multi-threaded.  Reads use one connection per
thread (WAL mode lets them run while a write is in progress); writes are serialised by a
process-wide re-entrant lock and run in ``BEGIN IMMEDIATE`` transactions on a dedicated
connection, so a write is committed before :meth:`Store.write` returns.  A thread that is
inside :meth:`Store.write` reads through the write connection, so it sees its own
uncommitted changes.

Determinism: object ids come from a counter that starts at :data:`FIRST_OID` and only
counts up, UUIDs are derived from the id, and FormattedID numbers come from per-workspace,
per-type counters that are never rewound.  The same seed followed by the same requests
therefore yields the same identifiers.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import sqlite3
import tempfile
import threading
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

__all__ = [
    "FIRST_OID",
    "Row",
    "Store",
    "make_uuid",
    "now_iso",
    "rank_between",
    "to_iso",
]

#: The first ObjectID handed out.  Real Rally ids are large; starting well above zero
#: keeps them visibly distinct from list indexes and FormattedID numbers in tests.
FIRST_OID = 100000

_UUID_NAMESPACE = uuid.UUID("6f1c1d2e-8a57-4f0e-9a55-3b9b0c2f7e11")

_SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS objects (
  oid       INTEGER PRIMARY KEY,
  type      TEXT NOT NULL,
  workspace INTEGER,
  project   INTEGER,
  fid_num   INTEGER,
  rank      TEXT,
  recycled  INTEGER NOT NULL DEFAULT 0,
  version   INTEGER NOT NULL DEFAULT 1,
  data      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS objects_ws_type ON objects(workspace, type);
CREATE INDEX IF NOT EXISTS objects_type ON objects(type);
CREATE INDEX IF NOT EXISTS objects_project ON objects(project);
CREATE TABLE IF NOT EXISTS counters (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS credentials (
  user_oid      INTEGER PRIMARY KEY,
  username      TEXT NOT NULL UNIQUE,
  password_hash TEXT,
  apikey        TEXT UNIQUE
);
CREATE TABLE IF NOT EXISTS workspace_access (
  user_oid      INTEGER NOT NULL,
  workspace_oid INTEGER NOT NULL,
  PRIMARY KEY (user_oid, workspace_oid)
);
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value TEXT
);"""

# Indexes for big workspaces (measured by benchmarks/emulator_scale.py at 100,000 artifacts).
# * (workspace, type, recycled, rank): every scoped COUNT(*) is answered from the index alone,
#   and ``order=Rank`` pages read in index order instead of sorting the whole type.
# * (workspace, type, fid_num): ``FormattedID = "US123"`` is a lookup, not a scan of the type.
# * one partial expression index per OBJECT back-pointer behind a commonly read inverse
#   collection (Tasks, Children, Defects, TestCases, Steps/Results, Discussion/Attachments,
#   UserStories, Revisions): counting or listing the members of one owner is then a lookup.
#   They only serve SQL that spells the path literally (``json_extract(o.data,
#   '$.WorkProduct') = ?``): SQLite cannot match a bound ``?`` path against an index.  Partial
#   (``IS NOT NULL``) so rows of unrelated types cost nothing but the check.
_BACK_POINTERS = (
    "WorkProduct",
    "Parent",
    "Requirement",
    "TestCase",
    "Artifact",
    "PortfolioItem",
    "RevisionHistory",
    "Iteration",  # iterations' and releases' roll-ups (backend/computed.py)
    "Release",
)
# * (workspace, rank) for ranked rows: the top or bottom of a workspace's one ranking (every
#   create of a rankable item goes to the bottom) is an index seek, not a scan of the workspace.
# * one partial index per attribute scripts filter on most, in the order a scoped query
#   constrains them (workspace, type, recycled, value): ``(State = "Open")`` is counted from
#   the index alone and its page is read in ObjectID order (the index's rowid order within
#   one value) without sorting.  ``FormattedID`` is served by ``objects_scope_fid`` above.
_FILTERED = (
    "State",
    "ScheduleState",
    "Owner",
    "Project",
    "Iteration",
    "Release",
    "LastUpdateDate",
)
_INDEX_SQL = (
    """
CREATE INDEX IF NOT EXISTS objects_scope_rank ON objects(workspace, type, recycled, rank);
CREATE INDEX IF NOT EXISTS objects_scope_fid ON objects(workspace, type, fid_num);
CREATE INDEX IF NOT EXISTS objects_ws_rank ON objects(workspace, rank) WHERE rank IS NOT NULL;
"""
    + "".join(
        f"CREATE INDEX IF NOT EXISTS objects_ptr_{name.lower()} ON objects(json_extract(data, '$.{name}'))"
        f" WHERE json_extract(data, '$.{name}') IS NOT NULL;\n"
        for name in _BACK_POINTERS
    )
    + "".join(
        f"CREATE INDEX IF NOT EXISTS objects_by_{name.lower()} ON objects(workspace, type, recycled,"
        f" json_extract(data, '$.{name}')) WHERE json_extract(data, '$.{name}') IS NOT NULL;\n"
        for name in _FILTERED
    )
)

# SQLite INTEGER is 64-bit signed: an id outside it (a typo'd or hostile URL) names no row.
_SQL_INT_MIN, _SQL_INT_MAX = -(2**63), 2**63 - 1


def _storable_oid(oid: int) -> bool:
    return _SQL_INT_MIN <= oid <= _SQL_INT_MAX


_COLUMNS = "o.oid, o.type, o.workspace, o.project, o.fid_num, o.rank, o.recycled, o.version, o.data"

# Password hashing: the emulator is a test tool, so a modest iteration count keeps basic
# auth cheap per request while still never storing the password itself.
_PBKDF2_ITERATIONS = 2000


_ATTRIBUTE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _row_values(row: Row) -> tuple[Any, ...]:
    """A row's column values in the order INSERT and UPDATE both bind them (oid last)."""
    return (
        row.type,
        row.workspace,
        row.project,
        row.fid_num,
        row.rank,
        int(row.recycled),
        row.version,
        json.dumps(row.data, separators=(",", ":")),
        row.oid,
    )


def json_field(alias: str, name: str) -> str:
    """SQL reading attribute ``name`` of the row aliased ``alias``: ``json_extract(o.data, '$.Name')``.

    The JSON path is spelled literally (never bound as a parameter) because only a literal path
    lets SQLite use the expression indexes above; ``name`` is therefore checked to be a plain
    attribute name.
    """
    if not _ATTRIBUTE_NAME.fullmatch(name):
        raise ValueError(f"not an attribute name: {name!r}")
    return f"json_extract({alias}.data, '$.{name}')"


def now_iso(moment: datetime | None = None) -> str:
    """Return ``moment`` (default: now) in the stored DATE form, UTC with milliseconds.

    A fixed-width UTC form is used so that text order equals time order in SQL.
    """
    return to_iso(moment or datetime.now(timezone.utc))


def to_iso(moment: datetime) -> str:
    """Format an aware or naive (taken as UTC) datetime as ``YYYY-MM-DDTHH:MM:SS.mmmZ``."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def make_uuid(oid: int) -> str:
    """Derive a stable ObjectUUID from an ObjectID, so reruns give identical UUIDs."""
    return str(uuid.uuid5(_UUID_NAMESPACE, str(oid)))


@dataclass
class Row:
    """One stored object.  ``data`` maps attribute ElementNames to stored values."""

    oid: int
    type: str
    workspace: int | None
    project: int | None
    fid_num: int | None
    rank: str | None
    recycled: bool
    version: int
    data: dict[str, Any] = field(default_factory=dict)


def _row_from_tuple(t: Sequence[Any]) -> Row:
    return Row(
        oid=t[0],
        type=t[1],
        workspace=t[2],
        project=t[3],
        fid_num=t[4],
        rank=t[5],
        recycled=bool(t[6]),
        version=t[7],
        data=json.loads(t[8]),
    )


def _hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt if salt is not None else os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, _PBKDF2_ITERATIONS)
    return f"pbkdf2_sha256${_PBKDF2_ITERATIONS}${salt.hex()}${digest.hex()}"


def _check_password(password: str, stored: str | None) -> bool:
    if not stored:
        return False
    try:
        scheme, iterations, salt_hex, digest_hex = stored.split("$")
    except ValueError:
        return False
    if scheme != "pbkdf2_sha256":
        return False
    digest = hashlib.pbkdf2_hmac(
        "sha256", password.encode("utf-8"), bytes.fromhex(salt_hex), int(iterations)
    )
    return hmac.compare_digest(digest.hex(), digest_hex)


class Store:
    """The emulator's object store (one SQLite file)."""

    def __init__(self, path: str | None = None) -> None:
        self._owns_file = path is None
        if path is None:
            fd, path = tempfile.mkstemp(prefix="pyral-emulator-", suffix=".sqlite3")
            os.close(fd)
        self.path = path
        self._lock = threading.RLock()
        self._local = threading.local()
        self._all_conns: list[sqlite3.Connection] = []
        self._conns_lock = threading.Lock()
        self._closed = False
        # The write connection is shared between threads but only used under self._lock.
        self._wconn = self._open(check_same_thread=False)
        self._wconn.executescript(_SCHEMA_SQL + _INDEX_SQL)
        self._write_depth = 0
        self._write_owner: int | None = None

    # -- connections -----------------------------------------------------------------

    def _open(self, *, check_same_thread: bool = True) -> sqlite3.Connection:
        if self._closed:
            raise RuntimeError("store is closed")
        conn = sqlite3.connect(
            self.path,
            timeout=30.0,
            isolation_level=None,  # explicit BEGIN/COMMIT only
            check_same_thread=check_same_thread,
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=30000")
        with self._conns_lock:
            self._all_conns.append(conn)
        return conn

    def connection(self) -> sqlite3.Connection:
        """This thread's connection for reads (the write connection inside :meth:`write`)."""
        if self._write_owner == threading.get_ident():
            return self._wconn
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._open()
            self._local.conn = conn
        return conn

    def _conn(self, conn: sqlite3.Connection | None) -> sqlite3.Connection:
        return conn if conn is not None else self.connection()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """Serialised write transaction: committed on normal exit, rolled back on error.

        Re-entrant: a nested ``write()`` in the same thread joins the outer transaction, so
        helpers can open one without caring whether their caller already did.
        """
        with self._lock:
            if self._write_depth > 0:
                self._write_depth += 1
                try:
                    yield self._wconn
                finally:
                    self._write_depth -= 1
                return
            self._wconn.execute("BEGIN IMMEDIATE")
            self._write_depth = 1
            self._write_owner = threading.get_ident()
            try:
                yield self._wconn
            except BaseException:
                self._wconn.execute("ROLLBACK")
                raise
            else:
                self._wconn.execute("COMMIT")
            finally:
                self._write_depth = 0
                self._write_owner = None

    @contextmanager
    def _writing(self, conn: sqlite3.Connection | None) -> Iterator[sqlite3.Connection]:
        """Use the caller's transaction when given one, else open a short one."""
        if conn is not None:
            yield conn
        else:
            with self.write() as c:
                yield c

    def close(self) -> None:
        """Close every connection; delete the file if the store created it."""
        if self._closed:
            return
        with self._lock, self._conns_lock:
            for conn in self._all_conns:
                with suppress(sqlite3.Error):
                    conn.close()
            self._all_conns.clear()
            self._closed = True
        if self._owns_file:
            for suffix in ("", "-wal", "-shm"):
                with suppress(FileNotFoundError):
                    os.remove(self.path + suffix)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- identifiers -----------------------------------------------------------------

    def _bump(self, conn: sqlite3.Connection, name: str, first: int) -> int:
        cur = conn.execute("SELECT value FROM counters WHERE name = ?", (name,))
        found = cur.fetchone()
        value = first if found is None else found[0] + 1
        conn.execute(
            "INSERT INTO counters(name, value) VALUES(?, ?) "
            "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
            (name, value),
        )
        return value

    def new_oid(self, conn: sqlite3.Connection | None = None) -> int:
        """Allocate the next ObjectID (never reused, even after deletes)."""
        with self._writing(conn) as c:
            return self._bump(c, "oid", FIRST_OID)

    def next_fid(
        self, workspace: int, type_name: str, conn: sqlite3.Connection | None = None
    ) -> int:
        """Allocate the next FormattedID number for ``type_name`` in ``workspace`` (from 1)."""
        with self._writing(conn) as c:
            return self._bump(c, f"fid:{workspace}:{type_name}", 1)

    # -- rows ------------------------------------------------------------------------

    def insert(self, row: Row, conn: sqlite3.Connection | None = None) -> None:
        """Insert a new row; an existing oid is an error (ids are never reused)."""
        with self._writing(conn) as c:
            c.execute(
                "INSERT INTO objects(type, workspace, project, fid_num, rank, recycled,"
                " version, data, oid) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)",
                _row_values(row),
            )

    def save(self, row: Row, conn: sqlite3.Connection | None = None) -> None:
        """Replace every column of an existing row (the caller bumps ``version``)."""
        with self._writing(conn) as c:
            cur = c.execute(
                "UPDATE objects SET type = ?, workspace = ?, project = ?, fid_num = ?, rank = ?,"
                " recycled = ?, version = ?, data = ? WHERE oid = ?",
                _row_values(row),
            )
            if cur.rowcount != 1:
                raise KeyError(f"no stored object with ObjectID {row.oid}")

    def delete(self, oid: int, conn: sqlite3.Connection | None = None) -> bool:
        """Remove a row for good (purge); return whether it existed."""
        if not _storable_oid(oid):
            return False
        with self._writing(conn) as c:
            return c.execute("DELETE FROM objects WHERE oid = ?", (oid,)).rowcount == 1

    def get(self, oid: int) -> Row | None:
        if not _storable_oid(oid):
            return None
        cur = self.connection().execute(f"SELECT {_COLUMNS} FROM objects o WHERE o.oid = ?", (oid,))
        found = cur.fetchone()
        return _row_from_tuple(found) if found else None

    def get_many(self, oids: Iterable[int]) -> dict[int, Row]:
        wanted = [o for o in dict.fromkeys(int(o) for o in oids) if _storable_oid(o)]
        result: dict[int, Row] = {}
        conn = self.connection()
        # Stay well under SQLite's bound-parameter limit.
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for t in conn.execute(
                f"SELECT {_COLUMNS} FROM objects o WHERE o.oid IN ({marks})", chunk
            ):
                result[t[0]] = _row_from_tuple(t)
        return result

    def select(
        self,
        where_sql: str,
        params: Sequence[Any],
        *,
        order_sql: str = "o.oid",
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Row]:
        """Rows of ``objects o`` matching ``where_sql`` (SQL from the query compiler).

        A page (``limit``/``offset``) is chosen by sorting ObjectIDs only, and just that page's
        rows are then read: SQLite would otherwise sort every matching row *with* its JSON
        before skipping to the offset, which makes deep pages of a large workspace slow.
        """
        where = where_sql or "1"
        if limit is None and not offset:
            sql = f"SELECT {_COLUMNS} FROM objects o WHERE {where} ORDER BY {order_sql}"
            return [_row_from_tuple(t) for t in self.connection().execute(sql, list(params))]
        page_sql = (
            f"SELECT o.oid FROM objects o WHERE {where} ORDER BY {order_sql} LIMIT ? OFFSET ?"
        )
        args = [*params, -1 if limit is None else int(limit), int(offset)]
        oids = [t[0] for t in self.connection().execute(page_sql, args)]
        rows = self.get_many(oids)
        return [rows[oid] for oid in oids if oid in rows]

    def count(self, where_sql: str, params: Sequence[Any]) -> int:
        cur = self.connection().execute(
            f"SELECT COUNT(*) FROM objects o WHERE {where_sql or '1'}", list(params)
        )
        return int(cur.fetchone()[0])

    # -- credentials and access ------------------------------------------------------

    def set_credentials(
        self,
        user_oid: int,
        username: str,
        password: str | None = None,
        apikey: str | None = None,
        conn: sqlite3.Connection | None = None,
    ) -> None:
        """Create or update a user's login; a ``None`` password/key keeps the current one."""
        with self._writing(conn) as c:
            found = c.execute(
                "SELECT password_hash, apikey FROM credentials WHERE user_oid = ?", (user_oid,)
            ).fetchone()
            pw_hash = _hash_password(password) if password is not None else None
            if found is None:
                c.execute(
                    "INSERT INTO credentials(user_oid, username, password_hash, apikey)"
                    " VALUES(?, ?, ?, ?)",
                    (user_oid, username, pw_hash, apikey),
                )
            else:
                c.execute(
                    "UPDATE credentials SET username = ?, password_hash = ?, apikey = ?"
                    " WHERE user_oid = ?",
                    (
                        username,
                        pw_hash if pw_hash is not None else found[0],
                        apikey if apikey is not None else found[1],
                        user_oid,
                    ),
                )

    def user_for_apikey(self, key: str) -> int | None:
        if not key:
            return None
        found = (
            self.connection()
            .execute("SELECT user_oid FROM credentials WHERE apikey = ?", (key,))
            .fetchone()
        )
        return int(found[0]) if found else None

    def user_for_password(self, username: str, password: str) -> int | None:
        """The user's oid when the password matches.  User names match case-insensitively,
        as Rally treats them like e-mail addresses."""
        found = (
            self.connection()
            .execute(
                "SELECT user_oid, password_hash FROM credentials WHERE lower(username) = lower(?)",
                (username,),
            )
            .fetchone()
        )
        if found and _check_password(password, found[1]):
            return int(found[0])
        return None

    def grant(
        self, user_oid: int, workspace_oid: int, conn: sqlite3.Connection | None = None
    ) -> None:
        with self._writing(conn) as c:
            c.execute(
                "INSERT OR IGNORE INTO workspace_access(user_oid, workspace_oid) VALUES(?, ?)",
                (user_oid, workspace_oid),
            )

    def workspaces_of(self, user_oid: int) -> set[int]:
        cur = self.connection().execute(
            "SELECT workspace_oid FROM workspace_access WHERE user_oid = ?", (user_oid,)
        )
        return {int(t[0]) for t in cur}

    # -- meta ------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        found = self.connection().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return found[0] if found else None

    def set_meta(self, key: str, value: str | None, conn: sqlite3.Connection | None = None) -> None:
        with self._writing(conn) as c:
            c.execute(
                "INSERT INTO meta(key, value) VALUES(?, ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )


# -- rank strings --------------------------------------------------------------------
#
# Ranks are strings over the printable ASCII range '!'..'~' read as base-94 fractions
# ("0.<digits>").  A rank never ends with the zero digit '!', which guarantees that a
# string strictly between any two distinct ranks exists.  Appending at the bottom (or
# the top) changes a digit at a fixed depth instead of halving the remaining space, so
# ranks stay short however many items are appended.

_LO = 33  # '!'
_BASE = 94
_STEP_DEPTH = 8


def _digits(s: str) -> list[int]:
    out = []
    for ch in s:
        d = ord(ch) - _LO
        if not 0 <= d < _BASE:
            raise ValueError(f"rank {s!r} contains a character outside '!'..'~'")
        out.append(d)
    return out


def _text(digits: Sequence[int]) -> str:
    return "".join(chr(_LO + d) for d in digits)


def _midpoint(a: list[int], b: list[int] | None) -> list[int]:
    """Digits strictly between fractions ``a`` and ``b`` (``None`` = 1.0), no trailing 0."""
    if b is not None:
        n = 0
        while n < len(b) and (a[n] if n < len(a) else 0) == b[n]:
            n += 1
        if n:
            return b[:n] + _midpoint(a[n:], b[n:])
    da = a[0] if a else 0
    db = b[0] if b else _BASE
    if db - da > 1:
        return [(da + db) // 2]
    if b is not None and len(b) > 1:
        return b[:1]
    return [da] + _midpoint(a[1:], None)


def _step(digits: list[int], delta: int) -> list[int] | None:
    """Add ``delta`` (+1 / -1) at depth _STEP_DEPTH; ``None`` on overflow/underflow."""
    p = (digits + [0] * _STEP_DEPTH)[:_STEP_DEPTH]
    i = _STEP_DEPTH - 1
    while i >= 0:
        v = p[i] + delta
        if 0 <= v < _BASE:
            p[i] = v
            break
        p[i] = v % _BASE
        i -= 1
    if i < 0:
        return None
    while p and p[-1] == 0:
        p.pop()
    return p or None


def rank_between(before: str | None, after: str | None) -> str:
    """A rank string strictly between ``before`` and ``after`` (``None`` = open end).

    ``rank_between(last, None)`` ranks a new item at the bottom; ``rank_between(None,
    first)`` at the top.  Raises ``ValueError`` when ``before >= after`` or a rank holds
    characters outside the rank alphabet.
    """
    a = _digits(before) if before else []
    b = _digits(after) if after else None
    if before and after is not None and before >= after:
        raise ValueError(f"rank {before!r} is not before {after!r}")
    if after is not None and not after:
        raise ValueError("no rank sorts before the empty rank")
    if b is None and a:
        stepped = _step(a, +1)
        if stepped is not None and _text(stepped) > before:  # type: ignore[operator]
            return _text(stepped)
    if b is not None and not a:
        stepped = _step(b, -1)
        if stepped is not None and _text(stepped) < after:  # type: ignore[operator]
            return _text(stepped)
    # Trailing '!' digits carry no value; drop them so the fraction reading holds.
    while a and a[-1] == 0:
        a.pop()
    result = _text(_midpoint(a, b))
    if (before and not result > before) or (after is not None and not result < after):
        raise ValueError(f"no rank fits between {before!r} and {after!r}")
    return result
