"""Check constraints evaluated in Python: ``CheckConstraint.validate`` asks the database (one query
and a savepoint per constraint per row), which is most of the time of a file import that checks
every row against every constraint. ``check_validate`` evaluates the simple conditions models
state (comparisons of a field with a value or another field, ``isnull``, ``in``, joined by ``&``,
``|`` and ``~``) on the instance itself, with SQL's rules for NULL (a comparison with NULL is
unknown, and a constraint whose condition is unknown holds, as in the database); anything else
goes to Django's own ``validate``. Same messages and codes either way.
"""

import operator

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import CheckConstraint, F, Q

COMPARISONS = {
    "exact": operator.eq,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}


class _Unsupported(Exception):
    """The condition uses something this evaluator does not; the database evaluates it."""


class _Excluded(Exception):
    """The condition reads an excluded field: Django skips the constraint, and so does this."""


def check_validate(constraint: CheckConstraint, model, instance, *, exclude=None) -> None:
    """``constraint.validate(model, instance, exclude=exclude)`` without a query where it can."""
    try:
        holds = _evaluate(constraint.condition, model, instance, set(exclude or ()))
    except _Excluded:
        return
    except _Unsupported:
        constraint.validate(model, instance, exclude=exclude)
        return
    if holds is False:
        raise ValidationError(constraint.get_violation_error_message(), code=constraint.violation_error_code)


def _evaluate(condition, model, instance, exclude: set[str]) -> bool | None:
    """True, False or None (unknown) under SQL's three-valued logic."""
    if not isinstance(condition, Q):
        raise _Unsupported
    results = []
    for child in condition.children:
        if isinstance(child, Q):
            results.append(_evaluate(child, model, instance, exclude))
        else:
            lookup, value = child
            results.append(_lookup(lookup, value, model, instance, exclude))
    if condition.connector == Q.AND:
        result = False if False in results else (None if None in results else True)
    elif condition.connector == Q.OR:
        result = True if True in results else (None if None in results else False)
    else:
        raise _Unsupported
    return (None if result is None else not result) if condition.negated else result


def _field_value(name: str, model, instance, exclude: set[str]):
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        raise _Unsupported from None
    if not getattr(field, "concrete", False) or field.many_to_many:
        raise _Unsupported
    if field.name in exclude:
        raise _Excluded
    return getattr(instance, field.attname)


def _lookup(lookup: str, value, model, instance, exclude: set[str]) -> bool | None:
    name, _, kind = lookup.partition("__")
    kind = kind or "exact"
    if "__" in kind:
        raise _Unsupported  # a lookup across a relation
    left = _field_value(name, model, instance, exclude)
    if kind == "isnull" or (kind == "exact" and value is None):  # Q(field=None) means isnull, as in Django
        return (left is None) == (bool(value) if kind == "isnull" else True)
    if isinstance(value, F):
        value = _field_value(value.name, model, instance, exclude)
    elif hasattr(value, "resolve_expression"):
        raise _Unsupported
    if kind == "in":
        if left is None:
            return None
        return left in [v for v in value if v is not None]  # Django leaves NULL out of IN (...)
    if kind not in COMPARISONS:
        raise _Unsupported
    if left is None or value is None:
        return None
    return COMPARISONS[kind](left, value)
