"""Template filters the pages share, so a figure is written one way wherever it appears."""

from django import template

register = template.Library()


@register.filter
def hours(value) -> str:
    """Hours as the pick sentences write them (``f"{hours:g}"``): 0.75 h, 2 h, 200 h, never 0.8 h."""
    if value in (None, ""):
        return ""
    return f"{float(value):g} h"


@register.filter
def has_message_for(messages, section: str) -> bool:
    """Whether a Django message is tagged for this page section (``_messages.html`` shows it there)."""
    return any((message.extra_tags or "") == section for message in messages or [])
