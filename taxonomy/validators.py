"""One function per taxonomy rule.

The model fields, the admin import (through ``full_clean``) and ``import_taxonomy`` all call
these, so a rule cannot disagree with itself and every route gives the same message.
"""

from django.core.exceptions import ValidationError

LEVEL_MIN, LEVEL_MAX = 1, 4
IMPORTANCE_MIN, IMPORTANCE_MAX = 1, 5
# Django checks a field's choices before its validators; this keeps that message the same as ours.
LEVEL_CHOICE_MESSAGE = "Proficiency level must be between 1 (awareness) and 4 (mastery), got %(value)s."


def _whole_number(value, what):
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            as_float = float(str(value).strip())
        except (TypeError, ValueError):
            raise ValidationError(f"{what} must be a whole number, got {value!r}.", code="not_a_number") from None
        if not as_float.is_integer():
            raise ValidationError(f"{what} must be a whole number, got {value!r}.", code="not_a_number")
        value = int(as_float)
    return value


def validate_level(value):
    """A proficiency level: 1 awareness, 2 working knowledge, 3 applied expertise, 4 mastery."""
    value = _whole_number(value, "Proficiency level")
    if not LEVEL_MIN <= value <= LEVEL_MAX:
        raise ValidationError(
            f"Proficiency level must be between {LEVEL_MIN} (awareness) and {LEVEL_MAX} (mastery), got {value}.",
            code="level_out_of_range",
        )
    return value


def validate_importance(value):
    value = _whole_number(value, "Importance")
    if not IMPORTANCE_MIN <= value <= IMPORTANCE_MAX:
        raise ValidationError(
            f"Importance must be between {IMPORTANCE_MIN} and {IMPORTANCE_MAX}, got {value}.",
            code="importance_out_of_range",
        )
    return value


def validate_different_roles(from_role, to_role):
    if from_role is not None and from_role == to_role:
        raise ValidationError(
            "A mobility path must lead to a different role: it cannot go from a role to itself.",
            code="path_to_itself",
        )


def parse_bool(value):
    """Spreadsheet booleans: yes/no, true/false, 1/0, y/n, and blank for false."""
    text = str(value).strip().lower() if value is not None else ""
    if text in {"1", "true", "yes", "y", "t", "core"}:
        return True
    if text in {"", "0", "false", "no", "n", "f"}:
        return False
    raise ValidationError(f"Expected yes/no (or true/false, 1/0), got {value!r}.", code="not_a_bool")
