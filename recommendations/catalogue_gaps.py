"""Gaps the learning catalogue cannot serve: for one person, their top gaps with no item left at
their level (said on /me/), and across the organisation, which skills and levels at the top of
people's lists have no item left for them and how many people each (the HR home page: what to
buy or build).

An item suits a gap when it is active and raises the skill from at or below the person's level
(rounded) to above it: ``from_level <= round(current) < to_level``, the engine's full level fit.
It is left for the person unless they already took it up, finished it, dismissed it or had it
rejected (``Recommendation.DECIDED``). Each row also says whether the catalogue has a suitable
item at all (``in_catalogue``): if not, HR has to add one; if so, the person has used them up.
"""

from django.db.models import Count, Exists, F, OuterRef, Q, Value
from django.db.models.functions import Round

from .models import Recommendation, ResourceSkill, SkillGap

TOP_GAPS = 3
"""The gaps that count: the three a person's picks are meant for."""


def _suitable_items():
    """Active catalogue rows raising the outer gap's skill from its rounded level."""
    level = OuterRef("current") + Value(0.5)
    return ResourceSkill.objects.filter(
        skill_id=OuterRef("skill_id"), resource__active=True, from_level__lte=level, to_level__gt=level
    )


def _left_for_them():
    """Suitable items the outer gap's employee has not already decided on."""
    decided = Recommendation.objects.filter(
        employee_id=OuterRef(OuterRef("employee_id")),
        resource_id=OuterRef("resource_id"),
        status__in=Recommendation.DECIDED,
    )
    return _suitable_items().exclude(Exists(decided))


def _uncovered(gaps):
    return gaps.exclude(Exists(_left_for_them())).annotate(in_catalogue=Exists(_suitable_items()))


def uncovered_gaps(*, employee, as_hr: bool, top: int = TOP_GAPS) -> list[SkillGap]:
    """The employee's top gaps in the analysis the viewer sees (HR the newest, others the
    released one) with no suitable item left for them, with ``in_catalogue``. One query."""
    run = F("employee__analysis__run_id") if as_hr else F("employee__analysis__visible_run_id")
    gaps = SkillGap.objects.filter(employee_id=employee.pk, run_id=run, rank__lte=top)
    return list(_uncovered(gaps).select_related("skill").order_by("rank"))


def catalogue_gaps(*, top: int = TOP_GAPS, limit: int = 20) -> list[dict]:
    """Across everyone's current analysis, the (skill, level) among people's top ``top`` gaps
    with no item left for them: how many people, how many hold it as their first gap, and
    whether the catalogue has a suitable item at all; most people first. One query."""
    gaps = SkillGap.objects.filter(rank__lte=top, run_id=F("employee__analysis__run_id"))
    rows = (
        _uncovered(gaps)
        .annotate(level=Round("current"))
        .values("skill__name", "level", "in_catalogue")
        .annotate(
            people=Count("employee_id", distinct=True), first=Count("employee_id", distinct=True, filter=Q(rank=1))
        )
        .order_by("in_catalogue", "-people", "skill__name", "level")[:limit]
    )
    return [
        {
            "skill": row["skill__name"],
            "from_level": int(row["level"]),
            "in_catalogue": row["in_catalogue"],
            "people": row["people"],
            "first": row["first"],
        }
        for row in rows
    ]
