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


SEARCH_LIMIT = 10


def people_search(*, query: str, exclude: Employee | None = None, limit: int = SEARCH_LIMIT) -> list[dict]:
    """Active colleagues whose first or last name (or "first last") starts with ``query``.

    Prefix matches on indexed name columns, at most ``limit`` rows: it stays an index range scan
    in an organisation of 100,000 people. Fewer than two letters find nobody.
    """
    from django.db.models import Q

    query = " ".join((query or "").split())[:100]
    if len(query) < 2:
        return []
    first, _, rest = query.partition(" ")
    match = Q(first_name__istartswith=query) | Q(last_name__istartswith=query)
    if rest:
        match |= Q(first_name__iexact=first, last_name__istartswith=rest)
    people = Employee.objects.active().filter(match).select_related("role").order_by("last_name", "first_name")
    if exclude is not None:
        people = people.exclude(pk=exclude.pk)
    return [
        {"id": person.pk, "name": person.full_name, "role": person.role.title if person.role else ""}
        for person in people[:limit]
    ]
