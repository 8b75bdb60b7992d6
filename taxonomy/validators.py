"""One function per taxonomy rule.

The model fields, the admin import (through ``full_clean``) and ``import_taxonomy`` all call
these, so a rule cannot disagree with itself and every route gives the same message.
"""

from django.core.exceptions import ValidationError

LEVEL_MIN, LEVEL_MAX = 1, 4
# An observed level (skill evidence, a contested level) may also be 0: no proficiency yet.
OBSERVED_LEVEL_MIN = 0
OBSERVED_LEVEL_RULE = f"a whole number from {OBSERVED_LEVEL_MIN} (none) to {LEVEL_MAX} (mastery)"
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


def validate_observed_level(value):
    """An observed level: 0 none, then the proficiency levels 1 to 4."""
    value = _whole_number(value, "Level")
    if not OBSERVED_LEVEL_MIN <= value <= LEVEL_MAX:
        raise ValidationError(f"Level must be {OBSERVED_LEVEL_RULE}, got {value}.", code="level_out_of_range")
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


# How a spreadsheet cell may say yes or no, in every import (lower-cased, trimmed).
BOOLEAN_WORDS = {
    **dict.fromkeys(["yes", "y", "true", "t", "1"], True),
    **dict.fromkeys(["no", "n", "false", "f", "0"], False),
}


def parse_bool(value):
    """A taxonomy spreadsheet's yes/no (``BOOLEAN_WORDS``); blank is no, and a requirement's core
    column may also say "core"."""
    text = str(value).strip().lower() if value is not None else ""
    if text in ("", "core"):
        return text == "core"
    if text in BOOLEAN_WORDS:
        return BOOLEAN_WORDS[text]
    raise ValidationError(f"Expected yes/no (or true/false, 1/0), got {value!r}.", code="not_a_bool")
