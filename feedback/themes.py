"""Recurring themes per person and per team: the ORM around ``feedback.text.themes``.

``themes_compute`` reads the texts of the window (default six months) set-based, fits the
theme model on them, and replaces the shown themes of the people in scope (everyone, or the
given employees) and of their managers' teams. Hidden themes stay, and their labels are not
shown again for the same person or team. ``theme_hide`` is HR's: it hides a theme that is wrong.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from profiles.access import is_hr
from profiles.models import Employee

from .models import Text, Theme
from .text import themes as model

WINDOW_DAYS = 182


def _texts(*, since) -> pd.DataFrame:
    rows = Text.objects.filter(written_at__gte=since).values_list(
        "pk", "employee_id", "author_id", "written_at", "body", "employee__manager_id"
    )
    frame = pd.DataFrame.from_records(rows, columns=[*model.TEXT_COLUMNS, "manager_id"])
    frame["author_id"] = frame["author_id"].fillna(-1).astype("int64")
    frame["written_at"] = pd.to_datetime(frame["written_at"], utc=True).dt.tz_localize(None)
    return frame


@transaction.atomic
def themes_compute(*, employee_ids: list[int] | None = None, window_days: int = WINDOW_DAYS, n_themes: int = 20) -> int:
    """Recompute themes (everyone's, or ``employee_ids``' and their teams'); returns rows written."""
    now = timezone.now()
    start = now - timedelta(days=window_days)
    texts = _texts(since=start)
    scoped = Theme.objects.filter(hidden=False)
    if employee_ids is not None:
        managers = set(Employee.objects.filter(pk__in=employee_ids).values_list("manager_id", flat=True)) - {None}
        scoped = scoped.filter(employee_id__in=employee_ids) | scoped.filter(manager_id__in=managers)
    scoped.delete()
    if len(texts) < 3:
        return 0
    fitted = model.themes_fit(texts["body"].tolist(), n_themes=n_themes)
    assigned = model.assign(fitted, texts)
    window = {"start": start.replace(tzinfo=None), "end": now.replace(tzinfo=None)}
    people = model.recurring(assigned, fitted, **window)
    team = model.recurring(
        assigned.dropna(subset=["manager_id"]).astype({"manager_id": "int64"}),
        fitted,
        group="manager_id",
        min_people=model.TEAM_MIN_PEOPLE,
        **window,
    )
    if employee_ids is not None:
        people = people[people["employee_id"].isin(employee_ids)]
        team = team[team["manager_id"].isin(managers)]
    hidden = set(Theme.objects.filter(hidden=True).values_list("employee_id", "manager_id", "label"))
    rows = []
    for frame, column in ((people, "employee_id"), (team, "manager_id")):
        for record in frame.to_dict("records"):
            owner = {"employee_id": None, "manager_id": None, column: int(record[column])}
            if (owner["employee_id"], owner["manager_id"], record["label"]) in hidden:
                continue
            rows.append(
                Theme(
                    **owner,
                    label=record["label"][:200],
                    texts=int(record["texts"]),
                    authors=int(record["authors"]),
                    people=int(record["people"]),
                    trend=record["trend"],
                    quotes=record["quotes"],
                    text_ids=[int(i) for i in record["text_ids"]],
                    window_start=start.date(),
                    window_end=now.date(),
                    computed_at=now,
                )
            )
    Theme.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


@transaction.atomic
def theme_hide(*, theme: Theme, by: User, reason: str) -> Theme:
    """HR hides a theme that is wrong; it is not shown again and labels the next model run."""
    if not is_hr(by):
        raise PermissionDenied("Only HR can hide a theme.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the theme is wrong; it helps the next model run."})
    theme.hidden, theme.hidden_by, theme.hidden_reason = True, by, reason[:1000]
    theme.save(update_fields=["hidden", "hidden_by", "hidden_reason"])
    return theme
