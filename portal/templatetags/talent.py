"""Template filters the pages share, so a figure is written one way wherever it appears."""

from django import template

register = template.Library()


@register.filter
def hours(value) -> str:
    """Hours as the pick sentences write them (``f"{hours:g}"``): 0.75 h, 2 h, 200 h, never 0.8 h."""
    if value in (None, ""):
        return ""
    return f"{float(value):g} h"
