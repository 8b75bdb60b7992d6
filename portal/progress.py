"""The skill-levels-over-time chart on /me/: the engine's level per skill at the end of each
month, from the evidence known by then."""

import datetime as dt

import numpy as np
from django.utils import timezone

from profiles.frames import skill_evidence
from recommendations.engine.proficiency import current_proficiency
from recommendations.models import EngineSettings

CHART_SKILLS = 6
CHART_MONTHS = 18


def progress_series(*, employee, skills: list, now=None) -> dict:
    """Skill levels over time for the chart: each skill's level as the engine saw it at the end of
    each month (the same combination of evidence, by source and age, as "My level").

    ``skills`` is a list of (skill_id, name). One query for the evidence and one for the engine's
    weights; all months go through the engine in one vectorised call (the month is the "employee").
    """
    skills = skills[:CHART_SKILLS]
    if not skills:
        return {}
    now = now or timezone.now()
    evidence = skill_evidence(
        now=now, employee_ids=[employee.pk], skill_ids=[pk for pk, _ in skills], with_observed_at=True
    )
    if evidence.empty:
        return {}
    first = max(evidence["observed_at"].min().date().replace(day=1), _month_start(now.date(), back=CHART_MONTHS - 1))
    months = []
    month = first
    while month <= now.date():
        months.append(month)
        month = _month_start(month, forward=1)
    # every (month, evidence seen by its end) pair at once: month m plays employee m for the engine,
    # with the evidence's age at the end of that month
    month_ends = [
        min(now, timezone.make_aware(dt.datetime.combine(_month_start(m, forward=1), dt.time.min))) for m in months
    ]
    ends = np.array([end.astimezone(dt.UTC).replace(tzinfo=None) for end in month_ends], dtype="datetime64[us]")
    observed = evidence["observed_at"].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
    month_index, row = np.nonzero(observed[None, :] <= ends[:, None])
    seen = (
        evidence.iloc[row]
        .drop(columns="observed_at")
        .assign(employee_id=month_index, age_days=(ends[month_index] - observed[row]) / np.timedelta64(86_400, "s"))
    )
    levels = current_proficiency(seen, EngineSettings.load().as_weights())
    level_at = {pk: [None] * len(months) for pk, _ in skills}
    for row in levels.itertuples():
        level_at[int(row.skill_id)][int(row.employee_id)] = round(float(row.level), 1)
    return {
        "labels": [m.strftime("%b %Y") for m in months],
        "datasets": [
            {"label": name, "data": level_at[pk]} for pk, name in skills if any(v is not None for v in level_at[pk])
        ],
    }


def _month_start(day: dt.date, *, back: int = 0, forward: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 - back + forward
    return dt.date(index // 12, index % 12 + 1, 1)
