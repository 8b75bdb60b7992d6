"""Reads of the feedback app's own rows that forms and pages share.

What a portal page shows (/me/, the team overview, the briefing) is assembled in ``portal.pages``.
"""

from django.db.models import QuerySet

from profiles.models import Employee
from taxonomy.models import Role

from .models import SkillContest


def roles_for_goals() -> QuerySet[Role]:
    return Role.objects.select_related("family").order_by("family__name", "grade", "title")


def contests_waiting(*, visible: QuerySet[Employee], limit: int = 50) -> list[SkillContest]:
    """Open skill contests of people the viewer may see (their line, or everyone for HR)."""
    return list(
        SkillContest.objects.filter(status=SkillContest.Status.OPEN, employee__in=visible)
        .select_related("employee", "employee__manager", "skill")
        .order_by("created_at")[:limit]
    )
