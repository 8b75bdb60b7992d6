"""Reads of the feedback app's own rows that forms and pages share.

What a portal page shows (/me/, the team overview, the briefing) is assembled in ``portal.pages``.
"""

from taxonomy.models import Role

from .models import SkillContest


def roles_for_goals():
    return Role.objects.select_related("family").order_by("family__name", "grade", "title")


def contests_waiting(*, visible, limit: int = 50):
    """Open skill contests of people the viewer may see (their line, or everyone for HR)."""
    return list(
        SkillContest.objects.filter(status=SkillContest.Status.OPEN, employee__in=visible)
        .select_related("employee", "employee__manager", "skill")
        .order_by("created_at")[:limit]
    )
