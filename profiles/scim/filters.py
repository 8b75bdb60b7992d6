"""SCIM filters (RFC 7644 §3.4.2.2) turned into database queries over employees.

scim2-models parses the filter; this walks its syntax tree into a ``Q``. Every attribute the
User schema publishes can be filtered on except ``displayName``; an attribute it does not hold
is an ``invalidFilter`` error rather than an empty result, so a client learns of a typo.
Strings compare case-insensitively unless the attribute is case-exact (ids), as RFC 7643 says.
"""

from dataclasses import dataclass
from functools import reduce
from operator import and_, or_

from django.db.models import Q
from django.utils.dateparse import parse_datetime
from scim2_models import InvalidFilterException, ScimFilter
from scim2_models.path import (
    AttrPath,
    CompareOperator,
    Comparison,
    LogicalExpr,
    LogicalOperator,
    Not,
    Present,
    ValuePath,
)

from .schemas import ENTERPRISE_SCHEMA, USER_SCHEMA
from .users import ascii_integer

NOTHING = Q(pk__in=[])
EVERYTHING = Q()


@dataclass(frozen=True)
class _Field:
    lookup: str
    kind: str  # "text" (case-insensitive), "exact" (case-exact text), "id", "active", "datetime", "email_type"


_CORE = {
    "id": _Field("pk", "id"),
    "externalid": _Field("external_id", "exact"),
    "username": _Field("user__username", "text"),
    "name.givenname": _Field("first_name", "text"),
    "name.familyname": _Field("last_name", "text"),
    "emails": _Field("email", "text"),
    "emails.value": _Field("email", "text"),
    "emails.type": _Field("email", "email_type"),
    "active": _Field("status", "active"),
    "title": _Field("role__title", "text"),
    "meta.created": _Field("user__date_joined", "datetime"),
    "meta.lastmodified": _Field("updated_at", "datetime"),
}
_ENTERPRISE = {
    "employeenumber": _Field("external_id", "exact"),
    "department": _Field("business_unit__name", "text"),
    "manager": _Field("manager_id", "id"),
    "manager.value": _Field("manager_id", "id"),
}

_TEXT_LOOKUPS = {
    CompareOperator.eq: "iexact",
    CompareOperator.co: "icontains",
    CompareOperator.sw: "istartswith",
    CompareOperator.ew: "iendswith",
    CompareOperator.gt: "gt",
    CompareOperator.ge: "gte",
    CompareOperator.lt: "lt",
    CompareOperator.le: "lte",
}
_EXACT_LOOKUPS = {
    **_TEXT_LOOKUPS,
    CompareOperator.eq: "exact",
    CompareOperator.co: "contains",
    CompareOperator.sw: "startswith",
    CompareOperator.ew: "endswith",
}
_ORDER_LOOKUPS = {
    CompareOperator.eq: "exact",
    CompareOperator.gt: "gt",
    CompareOperator.ge: "gte",
    CompareOperator.lt: "lt",
    CompareOperator.le: "lte",
}


def filter_to_q(text: str) -> Q:
    """The employees ``text`` selects, as a ``Q``; InvalidFilterException if it cannot be read."""
    try:
        tree = ScimFilter(text).ast
    except (InvalidFilterException, ValueError) as exc:
        raise InvalidFilterException(detail=f"The filter {text!r} cannot be read: {exc}") from exc
    return _node(tree, prefix="")


def _node(node, *, prefix: str) -> Q:
    if isinstance(node, LogicalExpr):
        return reduce(and_ if node.op == LogicalOperator.and_ else or_, (_node(t, prefix=prefix) for t in node.terms))
    if isinstance(node, Not):
        return ~_node(node.expr, prefix=prefix)
    if isinstance(node, ValuePath):
        if prefix:
            raise InvalidFilterException(detail="A value filter cannot be nested in another.")
        return _node(node.val_filter, prefix=_name(node.attr_path))
    if isinstance(node, Present):
        return _present(_field(node.attr_path, prefix))
    if isinstance(node, Comparison):
        return _comparison(_field(node.attr_path, prefix), node.op, node.value, str(node.attr_path))
    raise InvalidFilterException(detail=f"Unsupported filter expression: {node}")


def _name(attr_path: AttrPath) -> str:
    return f"{attr_path.attr}.{attr_path.sub_attr}" if attr_path.sub_attr else attr_path.attr


def _field(attr_path: AttrPath, prefix: str) -> _Field:
    name = f"{prefix}.{_name(attr_path)}" if prefix else _name(attr_path)
    uri = (attr_path.uri or "").lower()
    if uri in ("", USER_SCHEMA.lower()) and name.lower() in _CORE:
        return _CORE[name.lower()]
    if uri in ("", ENTERPRISE_SCHEMA.lower()) and name.lower() in _ENTERPRISE:
        return _ENTERPRISE[name.lower()]
    raise InvalidFilterException(detail=f"Users cannot be filtered on {attr_path}.")


def _present(field: _Field) -> Q:
    if field.kind == "active":
        return EVERYTHING
    if field.kind in ("id", "datetime"):
        return Q(**{f"{field.lookup}__isnull": False})
    if field.kind == "email_type":
        return ~Q(email="")
    return Q(**{f"{field.lookup}__isnull": False}) & ~Q(**{field.lookup: ""})


def _comparison(field: _Field, op: CompareOperator, value, attribute: str) -> Q:
    if op == CompareOperator.ne:
        return ~_comparison(field, CompareOperator.eq, value, attribute)
    if field.kind == "active":
        if not isinstance(value, bool) or op != CompareOperator.eq:
            raise InvalidFilterException(detail=f"{attribute} compares with eq or ne to true or false.")
        return Q(status="active") if value else ~Q(status="active")
    if not isinstance(value, str):
        raise InvalidFilterException(detail=f"{attribute} compares with a string, not {value!r}.")
    if field.kind == "id":
        if op != CompareOperator.eq:
            raise InvalidFilterException(detail=f"{attribute} compares with eq or ne only.")
        number = ascii_integer(value)
        return Q(**{field.lookup: number}) if number is not None else NOTHING
    if field.kind == "email_type":
        if op != CompareOperator.eq:
            raise InvalidFilterException(detail=f"{attribute} compares with eq or ne only.")
        return ~Q(email="") if value.lower() == "work" else NOTHING
    if field.kind == "datetime":
        moment = parse_datetime(value)
        if moment is None or op not in _ORDER_LOOKUPS:
            raise InvalidFilterException(detail=f"{attribute} compares with eq, gt, ge, lt or le to a date-time.")
        return Q(**{f"{field.lookup}__{_ORDER_LOOKUPS[op]}": moment})
    lookups = _EXACT_LOOKUPS if field.kind == "exact" else _TEXT_LOOKUPS
    return Q(**{f"{field.lookup}__{lookups[op]}": value})
