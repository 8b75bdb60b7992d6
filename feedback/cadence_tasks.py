"""The cadence running itself: each period's deep reviews open by schedule, and each manager gets
one e-mail of what is due.

1. ``period_of(today, months)``: the review period ``today`` falls in (every 3 months: the
   calendar quarter) and its name ("2026 Q4"; "2026 H2", "2026", "2026-12" or "2026 P6" for
   other periods).
2. ``deep_reviews_open_due``: the period's cycle (HR's, if HR made one with that name or those
   dates; otherwise made here with the engine settings' due dates) is opened for everyone in it
   (``reviews.review_cycle_open``: set-based, and opening again adds only newcomers). Scheduled
   daily, so someone hired mid-quarter gets their review the next morning.
3. ``manager_digests_send``: one e-mail per manager with something due: their direct reports'
   check-ins overdue (none in 30 days), deep reviews open and overdue, and the 360 requests
   waiting for the manager's own answer. Four grouped reads, one send of all messages; a row per
   manager and day (``ManagerDigest``) so a task that runs twice sends nothing twice.
"""

from __future__ import annotations

import calendar
import uuid
from datetime import date, timedelta

import pandas as pd
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from profiles.models import Employee
from recommendations.models import EngineSettings

from .models import DeepReview, FeedbackAsk, ManagerDigest, ReviewCycle
from .reviews import CHECKIN_DAYS, review_cycle_open

DEFAULT_QUESTIONS = (
    "What are you proudest of this period?\nWhat got in your way?\nWhat do you want to learn or take on next?"
)


# --- 1. and 2. opening the period's reviews -----------------------------------------------------


def period_of(today: date, months: int) -> tuple[date, date, str]:
    """The review period ``today`` falls in, periods of ``months`` counted from January."""
    if not 1 <= months <= 12:
        raise ValueError(f"A review period is 1 to 12 months, not {months}.")
    index = (today.month - 1) // months
    first_month = index * months + 1
    last_month = min(first_month + months - 1, 12)
    start = date(today.year, first_month, 1)
    end = date(today.year, last_month, calendar.monthrange(today.year, last_month)[1])
    names = {3: f"{today.year} Q{index + 1}", 6: f"{today.year} H{index + 1}", 12: f"{today.year}"}
    name = names.get(months) or (f"{today.year}-{first_month:02d}" if months == 1 else f"{today.year} P{index + 1}")
    return start, end, name


def period_cycle(*, today: date, engine: EngineSettings) -> tuple[ReviewCycle, bool]:
    """The period's cycle: HR's (same name, or same dates), else a new one for everyone."""
    start, end, name = period_of(today, engine.review_every_months)
    existing = (
        ReviewCycle.objects.filter(name=name).first()
        or ReviewCycle.objects.filter(period_start=start, period_end=end).order_by("pk").first()
    )
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            cycle = ReviewCycle.objects.create(
                name=name,
                period_start=start,
                period_end=end,
                self_due_on=today + timedelta(days=engine.review_self_days),
                manager_due_on=today + timedelta(days=engine.review_manager_days),
                questions=DEFAULT_QUESTIONS,
            )
    except IntegrityError:  # another worker made it a moment ago
        return ReviewCycle.objects.get(name=name), False
    return cycle, True


def deep_reviews_open_due(*, today: date | None = None) -> dict:
    """Open this period's deep reviews for everyone who has none yet; returns what it did."""
    today = today or timezone.localdate()
    cycle, created = period_cycle(today=today, engine=EngineSettings.load())
    opened = review_cycle_open(cycle=cycle)
    return {"cycle": cycle.name, "created": created, "opened": opened}


# --- 3. the managers' digest --------------------------------------------------------------------


def _by_manager(rows, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame.from_records(rows, columns=columns)


def digest_rows(*, today: date) -> pd.DataFrame:
    """Per manager with something due: checkins_overdue, reviews_open, reviews_overdue, asks_open
    (one row per manager id, zeros filled). Four grouped reads."""
    from .reviews import overdue_filter

    since = today - timedelta(days=CHECKIN_DAYS)
    reports = _by_manager(
        Employee.objects.active()
        .filter(manager__isnull=False)
        .exclude(checkins__held_on__gt=since)
        .values_list("manager_id", "pk")
        .distinct(),
        ["manager_id", "employee_id"],
    )
    open_reviews = DeepReview.objects.exclude(status=DeepReview.Status.COMPLETED).filter(
        employee__status=Employee.Status.ACTIVE, employee__manager__isnull=False
    )
    reviews_open = _by_manager(open_reviews.values_list("employee__manager_id", "pk"), ["manager_id", "review_id"])
    reviews_late = _by_manager(
        open_reviews.filter(overdue_filter(today)).values_list("employee__manager_id", "pk"),
        ["manager_id", "review_id"],
    )
    asks = _by_manager(
        FeedbackAsk.objects.filter(answered_at__isnull=True, request__due_on__gte=today).values_list(
            "respondent_id", "pk"
        ),
        ["manager_id", "ask_id"],
    )
    counts = pd.concat(
        [
            reports.groupby("manager_id").size().rename("checkins_overdue"),
            reviews_open.groupby("manager_id").size().rename("reviews_open"),
            reviews_late.groupby("manager_id").size().rename("reviews_overdue"),
            asks.groupby("manager_id").size().rename("asks_open"),
        ],
        axis=1,
    )
    counts = counts.reindex(columns=["checkins_overdue", "reviews_open", "reviews_overdue", "asks_open"])
    managers = set(reports["manager_id"]) | set(reviews_open["manager_id"])  # asks alone: not a manager's digest
    counts = counts[counts.index.isin(managers)].fillna(0).astype("int64")
    return counts[counts.sum(axis=1) > 0]


def manager_digests_send(*, today: date | None = None) -> int:
    """One e-mail per manager with something due and an address, once a day at most; returns
    how many were sent."""
    today = today or timezone.localdate()
    counts = digest_rows(today=today)
    if counts.empty:
        return 0
    done = set(ManagerDigest.objects.filter(sent_on=today).values_list("manager_id", flat=True))
    ids = [int(pk) for pk in counts.index if int(pk) not in done]
    managers = {m.pk: m for m in Employee.objects.active().filter(pk__in=ids).exclude(email="")}
    messages, sent = [], []
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    for manager_id, row in counts.loc[list(managers)].iterrows() if managers else ():
        manager = managers[int(manager_id)]
        figures = {key: int(value) for key, value in row.items()}
        context = {
            "manager": manager,
            **figures,
            "team_url": base + reverse("portal:team"),
            "reviews_url": base + reverse("feedback:reviews") + "?state=open",
            "requests_url": base + reverse("feedback:requests"),
        }
        subject = " ".join(render_to_string("feedback/email/digest_subject.txt", context).split())
        message = EmailMultiAlternatives(
            subject=subject, body=render_to_string("feedback/email/digest.txt", context), to=[manager.email]
        )
        message.attach_alternative(render_to_string("feedback/email/digest.html", context), "text/html")
        messages.append(message)
        sent.append(ManagerDigest(manager=manager, sent_on=today, **figures))
    # Claim before sending (at most once a day): rows carry this run's token, and a run at the
    # same moment, whose rows conflict, finds none with its token and sends nothing.
    token = uuid.uuid4().hex
    for digest in sent:
        digest.claim = token
    ManagerDigest.objects.bulk_create(sent, ignore_conflicts=True, batch_size=2000)
    won = set(ManagerDigest.objects.filter(sent_on=today, claim=token).values_list("manager_id", flat=True))
    to_send = [message for message, digest in zip(messages, sent, strict=True) if digest.manager_id in won]
    if to_send:
        get_connection(fail_silently=False).send_messages(to_send)
    return len(to_send)
