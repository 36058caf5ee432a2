"""AST -> one parameterised SQL boolean expression over ``objects <alias>``.

Design (see docs in ``__init__``):

* a leaf attribute is read once per condition: ``json_extract(<a>.data, '$.Attr')``, or a column
  for ``ObjectID`` (``oid``), ``DragAndDropRank`` (``rank``) and FormattedID numbers (``fid_num``);
* an OBJECT hop is a correlated scalar sub-select that evaluates the *rest of the condition* on
  the target row, wrapped in ``coalesce(…, <what the condition says about a missing value>)``, so
  ``Owner.UserName != "x"`` still holds for an item with no owner, exactly like ``!=`` on a null;
* a COLLECTION hop means "some live member matches": ``EXISTS`` over ``json_each`` of the stored
  oid array, or, for inverse collections, ``oid IN (SELECT <back-pointer> FROM objects …)``, an
  uncorrelated sub-select SQLite evaluates once per statement;
* recycled rows never satisfy a hop; nothing is filtered at the top level (the backend owns type,
  workspace, project and recycle-bin scoping of the queried rows themselves).

Every literal travels as a parameter.  Only attribute names (checked against the schema and the
identifier pattern) and numbers the compiler itself produced appear in the SQL text, which
keeps ``json_extract(x.data, '$.Attr')`` literal so expression indexes can serve it.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pyral.emulator.errors import (
    QueryError,
    cannot_query_collection,
    could_not_parse,
    not_an_allowed_value,
    operator_not_allowed,
)
from pyral.emulator.store import json_field

from .ast import NEGATED_OPS, BoolOp, Comparison, Expr, Null, Range, Scalar, ValueList
from .resolve import Resolver, Step, is_collection, is_object
from .values import (
    DateSpan,
    split_formatted_id,
    to_boolean,
    to_date_span,
    to_number,
    to_ref_oid,
)

if TYPE_CHECKING:
    from pyral.emulator.schema import AttrDef, Schema, TypeDef

NUMERIC_TYPES = frozenset({"INTEGER", "QUANTITY", "DECIMAL"})
ENUMERATED_TYPES = frozenset({"RATING", "STATE"})
#: Generator artifacts in allowed-value lists that mean "no value", not a rank.
_NO_VALUE = ("", "None")
_COLUMNS = {"ObjectID": "oid", "DragAndDropRank": "rank"}


@dataclass
class Sql:
    """A boolean SQL fragment, its parameters in text order, and its value for a missing row."""

    text: str
    params: list[Any] = field(default_factory=list)
    when_null: bool = False


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _marks(n: int) -> str:
    return ", ".join("?" * n)


def attr_type(attr: Any) -> str:
    return str(attr.attr_type or "STRING").upper()


def ranked_values(attr: Any) -> list[str]:
    """Allowed values in their defined order, without the "no value" placeholders."""
    out: list[str] = []
    for item in getattr(attr, "allowed_values", None) or ():
        if isinstance(item, dict):  # tolerate AllowedAttributeValue-shaped entries
            item = item.get("StringValue", "")
        text = str(item)
        if text not in _NO_VALUE and text not in out:
            out.append(text)
    return out


def column(alias: str, name: str) -> str:
    if name in _COLUMNS:
        return f"{alias}.{_COLUMNS[name]}"
    return json_field(alias, name)


def compile_query(
    expr: Expr,
    typedef: TypeDef,
    schema: Schema,
    *,
    alias: str = "o",
    today: _dt.date | None = None,
) -> tuple[str, list[Any]]:
    """SQL boolean expression (and its parameters) selecting the rows ``expr`` matches."""
    if today is None:
        today = _dt.datetime.now(_dt.timezone.utc).date()
    compiler = _Compiler(Resolver(schema), alias, today)
    sql = compiler.expr(expr, alias, typedef.element_name)
    return sql.text, sql.params


class _Compiler:
    def __init__(self, resolver: Resolver, root_alias: str, today: _dt.date) -> None:
        self.r = resolver
        self.root = root_alias
        self.today = today
        self.count = 0

    def fresh(self) -> str:
        self.count += 1
        return f"{self.root}_{self.count}"

    # --- structure -------------------------------------------------------------------------
    def expr(self, e: Expr, alias: str, type_name: str) -> Sql:
        if isinstance(e, BoolOp):
            if e.op not in ("AND", "OR"):
                raise QueryError(could_not_parse(f'Unknown conjunction "{e.op}"'))
            left = self.expr(e.left, alias, type_name)
            right = self.expr(e.right, alias, type_name)
            return Sql(f"({left.text} {e.op} {right.text})", left.params + right.params)
        if isinstance(e, Comparison):
            steps = self.r.path(type_name, e.path, ".".join(e.path))
            sql = self.walk(alias, steps, 0, e)
            return Sql(f"({sql.text})", sql.params)
        raise QueryError(could_not_parse(f"not a query expression: {e!r}"))

    def walk(self, alias: str, steps: list[Step], i: int, c: Comparison) -> Sql:
        step = steps[i]
        if i == len(steps) - 1:
            return self.leaf(alias, step, c)
        inner_alias = self.fresh()
        inner = self.walk(inner_alias, steps, i + 1, c)
        if is_collection(step.attr):
            return self.some_member(alias, step.attr, inner_alias, inner)
        fk = column(alias, step.attr.name)
        t = inner_alias
        text = (
            f"coalesce((SELECT {inner.text} FROM objects {t} "
            f"WHERE {t}.oid = {fk} AND {t}.recycled = 0), {int(inner.when_null)})"
        )
        return Sql(text, inner.params, inner.when_null)

    def some_member(self, alias: str, attr: AttrDef, t: str, inner: Sql | None = None) -> Sql:
        """ "Some live member of the collection (row ``t``) satisfies ``inner``" as SQL.

        Stored collections are walked with ``json_each`` on the owner row.  Inverse ones are
        written as ``<alias>.oid IN (SELECT <back-pointer> FROM objects … WHERE <inner>)``: the
        sub-select does not mention the owner, so SQLite runs it once per statement instead of
        scanning the member type once per candidate row (the difference between milliseconds
        and minutes at 100k rows).
        """
        cond = f" AND {inner.text}" if inner is not None else ""
        params = list(inner.params) if inner is not None else []
        back = getattr(attr, "inverse_of", None)
        if back and attr.target:  # the schema gives every inverse collection a target
            target = self.r.type_name(attr.target)
            types = self.r.concrete_names(target)
            if not types:
                return Sql("0")
            back_attr = self.r.attribute(target, back)
            if back_attr is not None and is_collection(back_attr):
                source = f"SELECT {t}_b.value FROM objects {t} JOIN json_each({t}.data, '$.{back}') AS {t}_b"
            else:
                source = f"SELECT json_extract({t}.data, '$.{back}') FROM objects {t}"
            # coalesce: members with a null back-pointer put NULL in the list, and
            # "x IN (…, NULL)" is NULL rather than false when x is absent.
            text = (
                f"coalesce({alias}.oid IN ({source} WHERE {t}.type IN ({_marks(len(types))}) "
                f"AND {t}.recycled = 0{cond}), 0)"
            )
            return Sql(text, [*types, *params])
        if getattr(attr, "is_stored", True) is False:
            raise QueryError(cannot_query_collection(attr.name))
        text = (
            f"EXISTS (SELECT 1 FROM json_each({alias}.data, '$.{attr.name}') AS {t}_m "
            f"JOIN objects {t} ON {t}.oid = {t}_m.value WHERE {t}.recycled = 0{cond})"
        )
        return Sql(text, params)

    # --- leaves ----------------------------------------------------------------------------
    def leaf(self, alias: str, step: Step, c: Comparison) -> Sql:
        attr = step.attr
        if is_collection(attr):
            return self.collection_leaf(alias, attr, c)
        if is_object(attr):
            return self.object_leaf(column(alias, attr.name), attr, c)
        if attr.name == "FormattedID":
            return self.formatted_id_leaf(alias, step.owner, attr, c)
        return self.scalar_leaf(column(alias, attr.name), attr, c)

    def _refuse(self, c: Comparison, attr: Any) -> QueryError:
        return QueryError(operator_not_allowed(c.op, attr.name, attr_type(attr)))

    def collection_leaf(self, alias: str, attr: AttrDef, c: Comparison) -> Sql:
        t = self.fresh()
        if isinstance(c.value, Null):
            if c.op not in ("=", "!="):
                raise self._refuse(c, attr)
            some = self.some_member(alias, attr, t)
            return Sql(f"NOT {some.text}", some.params, True) if c.op == "=" else some
        if c.op in ("=", "!=", "contains", "!contains") and isinstance(c.value, Scalar):
            oids = [to_ref_oid(c.value.text)]
        elif c.op in ("in", "!in") and isinstance(c.value, ValueList):
            oids = [to_ref_oid(item) for item in c.value.items]
        else:
            raise self._refuse(c, attr)
        some = self.some_member(alias, attr, t, Sql(f"{t}.oid IN ({_marks(len(oids))})", oids))
        if c.op in NEGATED_OPS:
            return Sql(f"NOT {some.text}", some.params, True)
        return some

    def object_leaf(self, v: str, attr: AttrDef, c: Comparison) -> Sql:
        if isinstance(c.value, Null):
            if c.op == "=":
                return Sql(f"{v} IS NULL", [], True)
            if c.op == "!=":
                return Sql(f"{v} IS NOT NULL")
            raise self._refuse(c, attr)
        if c.op in ("=", "!=") and isinstance(c.value, Scalar):
            return self.compare(v, c.op, [to_ref_oid(c.value.text)])
        if c.op in ("in", "!in") and isinstance(c.value, ValueList):
            return self.compare(v, c.op, [to_ref_oid(item) for item in c.value.items])
        raise self._refuse(c, attr)

    def formatted_id_leaf(self, alias: str, owner: str, attr: AttrDef, c: Comparison) -> Sql:
        """Numeric comparison on ``fid_num``, restricted to the types whose prefix was given."""
        text_col = column(alias, "FormattedID")
        if isinstance(c.value, Null) or c.op in ("contains", "!contains"):
            return self.scalar_leaf(text_col, attr, c)
        all_types = self.r.concrete_names(owner)

        def one(text: str, sql_op: str) -> tuple[str, list[Any]]:
            parsed = split_formatted_id(text)
            if parsed is None:
                return f"{text_col} {sql_op} ?", [text]
            prefix, number = parsed
            if not prefix:
                return f"{alias}.fid_num {sql_op} ?", [number]
            types = [n for n in all_types if self.r.id_prefix(n) == prefix]
            if not types:
                return "0", []
            if len(types) == len(all_types):
                return f"{alias}.fid_num {sql_op} ?", [number]
            return (
                f"({alias}.type IN ({_marks(len(types))}) AND {alias}.fid_num {sql_op} ?)",
                [*types, number],
            )

        value = c.value
        if c.op in ("=", "<", "<=", ">", ">=", "!=") and isinstance(value, Scalar):
            text, params = one(value.text, "=" if c.op == "!=" else c.op)
            parts, joiner = [(text, params)], " AND "
        elif c.op in ("in", "!in") and isinstance(value, ValueList):
            parts, joiner = [one(item, "=") for item in value.items], " OR "
        elif c.op in ("between", "!between") and isinstance(value, Range):
            parts, joiner = [one(value.low, ">="), one(value.high, "<=")], " AND "
        else:
            raise self._refuse(c, attr)
        text = "(" + joiner.join(p[0] for p in parts) + ")"
        params = [x for p in parts for x in p[1]]
        if c.op in NEGATED_OPS:
            return Sql(f"coalesce(NOT {text}, 1)", params, True)
        return Sql(text, params)

    def scalar_leaf(self, v: str, attr: AttrDef, c: Comparison) -> Sql:
        kind = attr_type(attr)
        value = c.value
        if kind == "BOOLEAN":
            v = f"coalesce({v}, 0)" if not isinstance(value, Null) else v
        if isinstance(value, Null) or (
            c.op in ("=", "!=") and isinstance(value, Scalar) and self.blank(value.text, kind)
        ):
            if c.op not in ("=", "!="):
                raise self._refuse(c, attr)
            test = self.nullish(v, kind)
            return Sql(test, [], True) if c.op == "=" else Sql(f"NOT {test}")
        if c.op in ("contains", "!contains"):
            assert isinstance(value, Scalar)
            pattern = "%" + escape_like(value.text) + "%"
            if c.op == "contains":
                return Sql(f"{v} LIKE ? ESCAPE '\\'", [pattern])
            return Sql(f"coalesce({v} NOT LIKE ? ESCAPE '\\', 1)", [pattern], True)
        if kind == "DATE":
            return self.date_leaf(v, c)
        texts = self.texts(c)
        if kind in NUMERIC_TYPES:
            return self.compare(v, c.op, [to_number(t) for t in texts])
        if kind == "BOOLEAN":
            return self.compare(v, c.op, [to_boolean(t) for t in texts])
        if kind in ENUMERATED_TYPES and c.op in ("<", "<=", ">", ">=", "between", "!between"):
            order = ranked_values(attr)
            if order:
                ranks = []
                for t in texts:
                    if t not in order:
                        raise QueryError(not_an_allowed_value(t, attr.name))
                    ranks.append(order.index(t))
                case = (
                    f"CASE {v} " + " ".join(f"WHEN ? THEN {i}" for i in range(len(order))) + " END"
                )
                sql = self.compare(case, c.op, ranks)
                return Sql(sql.text, order + sql.params, sql.when_null)
        return self.compare(v, c.op, list(texts))

    @staticmethod
    def texts(c: Comparison) -> list[str]:
        value = c.value
        if isinstance(value, Scalar):
            return [value.text]
        if isinstance(value, ValueList):
            return list(value.items)
        if isinstance(value, Range):
            return [value.low, value.high]
        return []

    @staticmethod
    def blank(text: str, kind: str) -> bool:
        if kind in ENUMERATED_TYPES:
            return text in _NO_VALUE
        return text == "" and kind not in NUMERIC_TYPES and kind not in ("DATE", "BOOLEAN")

    @staticmethod
    def nullish(v: str, kind: str) -> str:
        """Rally (on Oracle) never told "" from null; ratings also spell it "None"."""
        if kind in ENUMERATED_TYPES:
            return f"coalesce({v}, '') IN ('', 'None')"
        if kind in NUMERIC_TYPES or kind in ("DATE", "BOOLEAN"):
            return f"{v} IS NULL"
        return f"coalesce({v}, '') = ''"

    @staticmethod
    def compare(v: str, op: str, values: list[Any]) -> Sql:
        """The operator over already-coerced parameters; negations hold for null."""
        if op == "=":
            return Sql(f"{v} = ?", values)
        if op == "!=":
            return Sql(f"{v} IS NOT ?", values, True)
        if op in ("<", "<=", ">", ">="):
            return Sql(f"{v} {op} ?", values)
        if op == "in":
            return Sql(f"{v} IN ({_marks(len(values))})", values)
        if op == "!in":
            return Sql(f"coalesce({v} NOT IN ({_marks(len(values))}), 1)", values, True)
        if op == "between":
            return Sql(f"{v} BETWEEN ? AND ?", values)
        if op == "!between":
            return Sql(f"coalesce({v} NOT BETWEEN ? AND ?, 1)", values, True)
        raise QueryError(could_not_parse(f'Unknown operator "{op}"'))

    def date_leaf(self, v: str, c: Comparison) -> Sql:
        """Date-only literals name a whole UTC day (or month/year); timestamps an instant.

        ``=`` is "within the span", ``<`` "before it starts", ``<=`` "no later than its end",
        ``>`` "after it ends", ``>=`` "from its start on", ``between a and b`` "from a's start
        to b's end".  So ``(StartDate <= today) AND (EndDate >= today)`` finds the current
        iteration whatever the time of day its dates carry.
        """
        spans = [to_date_span(t, self.today) for t in self.texts(c)]
        op = c.op
        if op in ("<", ">="):
            return self.compare(v, op, [spans[0].first])
        if op in ("<=", ">"):
            return self.compare(v, op, [spans[0].last])
        if op in ("between", "!between"):
            return self.compare(v, op, [spans[0].first, spans[1].last])
        if op in ("=", "!="):
            return self._within(v, spans, negate=op == "!=")
        if op in ("in", "!in"):
            return self._within(v, spans, negate=op == "!in")
        raise QueryError(could_not_parse(f'Unknown operator "{op}"'))

    def _within(self, v: str, spans: list[DateSpan], *, negate: bool) -> Sql:
        if all(s.is_instant for s in spans):
            sql = self.compare(v, "!in" if negate else "in", [s.first for s in spans])
            return sql
        parts = " OR ".join(f"{v} BETWEEN ? AND ?" for _ in spans)
        params = [x for s in spans for x in (s.first, s.last)]
        if negate:
            return Sql(f"coalesce(NOT ({parts}), 1)", params, True)
        return Sql(f"({parts})", params)
