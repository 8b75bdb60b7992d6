"""Quarterly deep reviews: HR's cycle, the employee's self-assessment, the manager's completion.

1. ``review_cycle_open`` (an admin action): everyone in the cycle (its business units and cohort,
   or every active employee) gets a ``DeepReview`` holding the skills to rate: their role's, their target
   role's (when the cycle asks for it) and the cycle's own. Set-based: three reads, two bulk
   inserts, whatever the size of the organisation; opening again adds only newcomers.
2. ``review_self_submit``: the employee rates each skill on its anchors, with a comment per skill
   if they like, and answers the cycle's questions. Nothing reaches their levels yet; they may
   change it until their manager completes the review.
3. ``review_complete``: a manager in the employee's line rates each skill. The review closes and
   every rating becomes skill evidence through ``profiles.recording.evidence_record``, the one
   path all sources take: the manager's as source "review" (its weight is in the engine's source
   weights), the employee's as "self", each note naming the review. The free text (answers,
   comments) becomes two texts, tagged and read for themes like every other. Both sides' say on
   the plan (top gaps re-rated, the goal, which picks were relevant) recalibrates it
   (``feedback.replan``), and the person's recompute follows after commit.
4. ``cadence``: for HR, per business unit or manager, how many reviews, check-ins and 360
   answers are due, done and overdue, and step 6's check (``freshness``): profiles updated this
   month, gap analyses older than 30 days (overall and per cohort: zero in the pilot).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pandas as pd
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from profiles.access import employee_of, manages
from profiles.models import (
    BusinessUnit,
    CareerAspiration,
    Employee,
    EvidenceSource,
    LearningRecord,
    PerformanceReview,
    SkillEvidence,
)
from profiles.recording import evidence_record
from recommendations.models import EmployeeAnalysis
from recommendations.quality import MAX_ANALYSIS_AGE_DAYS
from taxonomy.models import RoleRequirement
from taxonomy.validators import LEVEL_MAX, OBSERVED_LEVEL_MIN

from .mentions import text_record
from .models import CheckIn, DeepReview, DeepReviewRating, FeedbackAsk, ReviewCycle, Text, TextSource
from .replan import plan_apply, plan_checked

REVIEW_CONFIDENCE = 0.9  # a considered rating against the anchors, with the manager's comment
SELF_CONFIDENCE = 0.8
CHECKIN_DAYS = 30  # a monthly check-in is overdue when none was held in this many days
MAX_NOTE = 2000


# --- 1. opening a cycle -----------------------------------------------------------------------


def cycle_people(cycle: ReviewCycle) -> QuerySet[Employee]:
    people = Employee.objects.active()
    if cycle.cohort:
        people = people.filter(cohort=cycle.cohort)
    units = list(cycle.business_units.values_list("pk", flat=True))
    return people.filter(business_unit_id__in=units) if units else people


def _skills_to_rate(people: pd.DataFrame, cycle: ReviewCycle) -> pd.DataFrame:
    """(employee_id, skill_id) pairs: role requirements, target role's, the cycle's own skills."""
    requirements = pd.DataFrame.from_records(
        RoleRequirement.objects.values_list("role_id", "skill_id"), columns=["role_id", "skill_id"]
    )
    pairs = [people.merge(requirements, on="role_id")[["employee_id", "skill_id"]]]
    if cycle.include_target_role:
        goals = pd.DataFrame.from_records(
            CareerAspiration.objects.filter(employee_id__in=people["employee_id"].tolist())
            .order_by("employee_id", "-stated_at")
            .values_list("employee_id", "target_role_id"),
            columns=["employee_id", "role_id"],
        ).drop_duplicates("employee_id")  # the newest goal of each person
        goals = goals.dropna().astype("int64")
        pairs.append(goals.merge(requirements, on="role_id")[["employee_id", "skill_id"]])
    extra = list(cycle.skills.values_list("pk", flat=True))
    if extra:
        pairs.append(people[["employee_id"]].merge(pd.DataFrame({"skill_id": extra}), how="cross"))
    return pd.concat(pairs, ignore_index=True).drop_duplicates()


@transaction.atomic
def review_cycle_open(*, cycle: ReviewCycle) -> int:
    """Give everyone in ``cycle`` who has no review in it yet a review; returns how many were opened."""
    cycle = ReviewCycle.objects.select_for_update().get(pk=cycle.pk)
    people = pd.DataFrame.from_records(
        cycle_people(cycle).exclude(deep_reviews__cycle=cycle).values_list("pk", "manager_id", "role_id"),
        columns=["employee_id", "manager_id", "role_id"],
    )
    cycle.opened_at = cycle.opened_at or timezone.now()
    cycle.save(update_fields=["opened_at"])
    if people.empty:
        return 0
    reviews = DeepReview.objects.bulk_create(
        [
            DeepReview(cycle=cycle, employee_id=int(row.employee_id), manager_id=_int(row.manager_id))
            for row in people.itertuples(index=False)
        ],
        batch_size=2000,
    )
    ids = {review.employee_id: review.pk for review in reviews}
    if any(pk is None for pk in ids.values()):  # a backend that returns no keys from a bulk insert
        ids = dict(DeepReview.objects.filter(cycle=cycle).values_list("employee_id", "pk"))
    pairs = _skills_to_rate(people.dropna(subset=["role_id"]).astype({"role_id": "int64"}), cycle)
    DeepReviewRating.objects.bulk_create(
        [
            DeepReviewRating(review_id=ids[int(employee_id)], employee_id=int(employee_id), skill_id=int(skill_id))
            for employee_id, skill_id in pairs.itertuples(index=False)
        ],
        batch_size=5000,
    )
    return len(reviews)


def _int(value):
    return None if pd.isna(value) else int(value)


# --- 2. and 3. the two parts -------------------------------------------------------------------


def _levels(ratings: dict[int, tuple[int, str]], review: DeepReview) -> dict[int, tuple[int, str]]:
    """Check one level (and an optional note) was given for every skill of the review."""
    expected = set(review.ratings.values_list("skill_id", flat=True))
    if set(ratings) != expected:
        raise ValidationError({"ratings": "Rate every skill of the review."})
    checked = {}
    for skill_id, (level, note) in ratings.items():
        if level is None or not OBSERVED_LEVEL_MIN <= int(level) <= LEVEL_MAX:
            raise ValidationError({"ratings": f"Levels go from {OBSERVED_LEVEL_MIN} (none) to {LEVEL_MAX} (mastery)."})
        note = (note or "").strip()
        if len(note) > MAX_NOTE:
            raise ValidationError({"ratings": f"Keep each comment under {MAX_NOTE} characters."})
        checked[skill_id] = (int(level), note)
    return checked


@transaction.atomic
def review_self_submit(
    *,
    review: DeepReview,
    by: User,
    ratings: dict[int, tuple[int, str]],
    answers: list[str],
    comment: str = "",
    plan: dict | None = None,
) -> DeepReview:
    """The employee's self-assessment; it can be changed until the manager completes the review.
    ``plan``: their say on the plan (``replan.plan_checked``'s arguments: gaps, aspiration, picks)."""
    review = DeepReview.objects.select_for_update().select_related("cycle").get(pk=review.pk)
    person = employee_of(by)
    if person is None or person.pk != review.employee_id:
        raise ValidationError("Only the employee fills in their own self-assessment.")
    if review.status == DeepReview.Status.COMPLETED:
        raise ValidationError("This review is completed; the self-assessment can no longer change.")
    checked = _levels(ratings, review)
    questions = review.cycle.question_list
    if len(answers) != len(questions):
        raise ValidationError({"answers": "Answer each question (a line is enough)."})
    review.answers = [
        {"question": question, "answer": (answer or "").strip()[:MAX_NOTE]}
        for question, answer in zip(questions, answers, strict=True)
    ]
    rows = {rating.skill_id: rating for rating in review.ratings.all()}
    for skill_id, (level, note) in checked.items():
        rows[skill_id].self_level, rows[skill_id].self_note = level, note
    DeepReviewRating.objects.bulk_update(rows.values(), ["self_level", "self_note"])
    review.self_comment = (comment or "").strip()[:MAX_NOTE]
    review.self_submitted_at = timezone.now()
    review.status = DeepReview.Status.SELF_DONE
    if plan is not None:
        review.self_plan = plan_checked(review=review, **plan)
    review.save(update_fields=["answers", "self_comment", "self_submitted_at", "status", "self_plan"])
    return review


def may_complete(*, review: DeepReview, by: User) -> bool:
    person = employee_of(by)
    return person is not None and person.pk != review.employee_id and manages(by, review.employee)


@transaction.atomic
def review_complete(
    *,
    review: DeepReview,
    by: User,
    ratings: dict[int, tuple[int, str]],
    comment: str,
    plan: dict | None = None,
    today: date | None = None,
) -> DeepReview:
    """A manager in the line completes the review: ratings become evidence, comments become texts,
    and the plan is recalibrated with both sides' say (``replan.plan_apply``: gap weights, goal,
    dismissed picks; the previous plan is kept) and recomputed after commit."""
    review = DeepReview.objects.select_for_update().select_related("cycle", "employee").get(pk=review.pk)
    today = today or timezone.localdate()
    if not may_complete(review=review, by=by):
        raise ValidationError(f"Only a manager in {review.employee.full_name}'s reporting line completes this review.")
    if review.status == DeepReview.Status.COMPLETED:
        raise ValidationError("This review is already completed.")
    if review.status == DeepReview.Status.OPEN and today <= review.cycle.self_due_on:
        raise ValidationError(
            f"{review.employee.first_name}'s self-assessment is due by {review.cycle.self_due_on:%d %b}; "
            "complete the review once it is in (or after that date)."
        )
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": "Write a summary: what went well, what to focus on next quarter."})
    checked = _levels(ratings, review)
    if plan is not None:
        review.manager_plan = plan_checked(review=review, **plan)
    now = timezone.now()
    label = f"Quarterly review {review.cycle.name} (review #{review.pk})"
    manager_name = employee_of(by).full_name
    rows = list(review.ratings.select_related("skill"))
    for rating in rows:
        level, note = checked[rating.skill_id]
        rating.manager_level, rating.manager_note = level, note
        rating.manager_evidence, _ = evidence_record(
            employee=review.employee,
            skill=rating.skill,
            level=level,
            source=EvidenceSource.REVIEW,
            observed_at=now,
            confidence=REVIEW_CONFIDENCE,
            note=f"{label}, rated by {manager_name}" + (f": {note}" if note else ""),
            recorded_by=by,
        )
        if rating.self_level is not None:
            rating.self_evidence, _ = evidence_record(
                employee=review.employee,
                skill=rating.skill,
                level=rating.self_level,
                source=EvidenceSource.SELF,
                observed_at=review.self_submitted_at or now,
                confidence=SELF_CONFIDENCE,
                note=f"{label}, self-assessment" + (f": {rating.self_note}" if rating.self_note else ""),
            )
    DeepReviewRating.objects.bulk_update(rows, ["manager_level", "manager_note", "manager_evidence", "self_evidence"])
    review.manager_comment = comment[:MAX_NOTE]
    review.status = DeepReview.Status.COMPLETED
    review.completed_at, review.completed_by = now, by
    plan_apply(review=review, by=by)  # also queues the person's recompute (evidence, weights, goal)
    review.save(
        update_fields=[
            "manager_comment",
            "status",
            "completed_at",
            "completed_by",
            "manager_plan",
            "plan_before",
            "plan_after",
        ]
    )
    _texts(review=review, rows=rows, by=by)
    return review


def _texts(*, review: DeepReview, rows: list[DeepReviewRating], by: User) -> None:
    """The review's free text, one text per side, through the text pipeline (tagging, themes)."""
    own = [f"{a['question']} {a['answer']}" for a in review.answers if a.get("answer")]
    own += [f"{r.skill.name}: {r.self_note}" for r in rows if r.self_note]
    own += [review.self_comment] if review.self_comment else []
    theirs = [review.manager_comment] + [f"{r.skill.name}: {r.manager_note}" for r in rows if r.manager_note]
    written = [
        (TextSource.REVIEW_SELF, "\n".join(own), review.employee.user, review.self_submitted_at),
        (TextSource.REVIEW_MANAGER, "\n".join(theirs), by, review.completed_at),
    ]
    for source, body, author, at in written:
        if body.strip():
            text_record(
                employee=review.employee,
                source=source,
                source_id=review.pk,
                body=body,
                author=author,
                written_at=at or review.completed_at,
            )


# --- what a page shows ----------------------------------------------------------------------------


def review_overdue(review: DeepReview, today: date) -> bool:
    if review.status == DeepReview.Status.COMPLETED:
        return False
    if review.status == DeepReview.Status.OPEN and today > review.cycle.self_due_on:
        return True
    return today > review.cycle.manager_due_on


def overdue_filter(today: date) -> Q:
    """Reviews not completed whose part is late: the self-assessment, or the whole review."""
    return ~Q(status=DeepReview.Status.COMPLETED) & (
        Q(status=DeepReview.Status.OPEN, cycle__self_due_on__lt=today) | Q(cycle__manager_due_on__lt=today)
    )


def reviews_overdue_count(*, today: date | None = None) -> int:
    """For HR's home: reviews of every cycle that are late."""
    return DeepReview.objects.filter(overdue_filter(today or timezone.localdate())).count()


def open_review(*, employee: Employee) -> DeepReview | None:
    """The employee's review still to complete (the oldest cycle first), for /me/ and the briefing."""
    return (
        DeepReview.objects.filter(employee=employee)
        .exclude(status=DeepReview.Status.COMPLETED)
        .select_related("cycle", "manager")
        .order_by("cycle__manager_due_on")
        .first()
    )


# --- 4. HR's cadence page ----------------------------------------------------------------------------

GROUPS = {"manager": "Manager", "unit": "Business unit"}


def _done_overdue(frame: pd.DataFrame, key: str, prefix: str) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame(columns=[f"{prefix}_due", f"{prefix}_done", f"{prefix}_overdue"])
    grouped = frame.groupby(key).agg(due=("done", "size"), done=("done", "sum"), overdue=("overdue", "sum"))
    return grouped.add_prefix(f"{prefix}_")


def cadence(*, cycle: ReviewCycle | None, by: str = "manager", today: date | None = None) -> dict:
    """Per manager (or business unit): reviews of ``cycle``, monthly check-ins of the last 30 days,
    and 360 answers asked in the cycle's period, each due / done / overdue. Set-based: four reads
    into pandas, one outer join.

    "Due" is how many are expected; "done" of those are done; "overdue" are not done and late.
    """
    today = today or timezone.localdate()
    key = "manager_id" if by == "manager" else "unit_id"
    people = pd.DataFrame.from_records(
        Employee.objects.active().values_list("pk", "manager_id", "business_unit_id", "cohort"),
        columns=["employee_id", "manager_id", "unit_id", "cohort"],
    )
    tables = []
    if cycle is not None:
        reviews = pd.DataFrame.from_records(
            DeepReview.objects.filter(cycle=cycle).values_list(
                "employee_id", "manager_id", "employee__business_unit_id", "status"
            ),
            columns=["employee_id", "manager_id", "unit_id", "status"],
        )
        reviews["done"] = reviews["status"] == DeepReview.Status.COMPLETED
        late_self = (reviews["status"] == DeepReview.Status.OPEN) & (today > cycle.self_due_on)
        reviews["overdue"] = ~reviews["done"] & (late_self | (today > cycle.manager_due_on))
        tables.append(_done_overdue(reviews, key, "reviews"))
    since = today - timedelta(days=CHECKIN_DAYS)
    recent = set(CheckIn.objects.filter(held_on__gt=since).values_list("employee_id", flat=True))
    reports = people.dropna(subset=["manager_id"]).copy()
    reports["done"] = reports["employee_id"].isin(recent)
    reports["overdue"] = ~reports["done"]
    tables.append(_done_overdue(reports, key, "checkins"))
    asks = FeedbackAsk.objects.all()
    if cycle is not None:
        asks = asks.filter(request__due_on__gte=cycle.period_start, request__due_on__lte=cycle.manager_due_on)
    asked = pd.DataFrame.from_records(
        asks.values_list("request__subject_id", "answered_at", "request__due_on"),
        columns=["employee_id", "answered_at", "due_on"],
    ).merge(people, on="employee_id")
    asked["done"] = asked["answered_at"].notna()
    asked["overdue"] = ~asked["done"] & (asked["due_on"] < today)
    tables.append(_done_overdue(asked, key, "asks"))
    fresh = freshness(people=people, today=today)
    tables.append(fresh.groupby(key)[["people", "updated", "stale"]].sum())
    table = pd.concat(tables, axis=1).fillna(0).astype("int64")
    table = table[table.index.notna()] if len(table) else table
    names = _group_names(by, [int(pk) for pk in table.index])
    rows = [
        {"id": int(pk), "name": names.get(int(pk), "(unknown)"), **{k: int(v) for k, v in values.items()}}
        for pk, values in table.to_dict("index").items()
    ]
    rows.sort(key=lambda row: (-row.get("reviews_overdue", 0) - row["checkins_overdue"], row["name"]))
    totals = {column: int(table[column].sum()) for column in table.columns}
    totals |= {column: int(fresh[column].sum()) for column in ("people", "updated", "stale")}  # everyone
    cohorts = fresh[fresh["cohort"] != ""].groupby("cohort")[["people", "updated", "stale"]].sum()
    return {
        "rows": rows,
        "totals": totals,
        "cohorts": [{"cohort": name, **{k: int(v) for k, v in row.items()}} for name, row in cohorts.iterrows()],
        "by": by,
        "today": today,
        "since": since,
        "month_start": today.replace(day=1),
        "stale_days": MAX_ANALYSIS_AGE_DAYS,
        "cycle": cycle,
    }


def freshness(*, people: pd.DataFrame, today: date) -> pd.DataFrame:
    """Step 6's verification check, per active person: ``updated`` (their profile received data
    this month: evidence, learning, a goal, a performance review, a check-in or a text about
    them) and ``stale`` (their gap analysis is older than 30 days, or there is none), with their
    ``cohort`` (``people``: employee_id, cohort and the grouping columns). Two reads: one UNION of the month's writes, one of the analyses' dates."""
    start = timezone.make_aware(datetime.combine(today.replace(day=1), time.min))
    parts = [
        SkillEvidence.objects.filter(created_at__gte=start),
        LearningRecord.objects.filter(Q(completed_at__gte=start) | Q(started_at__gte=start)),
        CareerAspiration.objects.filter(stated_at__gte=start),
        PerformanceReview.objects.filter(received_at__gte=start),
        CheckIn.objects.filter(held_on__gte=start.date()),
        Text.objects.filter(written_at__gte=start),
    ]
    first, *rest = (part.order_by().values_list("employee_id") for part in parts)
    written = first.union(*rest)
    updated = {pk for (pk,) in written}
    cutoff = timezone.now() - timedelta(days=MAX_ANALYSIS_AGE_DAYS)
    fresh_analyses = set(EmployeeAnalysis.objects.filter(computed_at__gte=cutoff).values_list("employee_id", flat=True))
    frame = people.copy()
    frame["people"] = 1
    frame["updated"] = frame["employee_id"].isin(updated).astype("int64")
    frame["stale"] = (~frame["employee_id"].isin(fresh_analyses)).astype("int64")
    return frame


def _group_names(by: str, ids: list[int]) -> dict[int, str]:
    if by == "manager":
        return {
            pk: f"{first} {last}"
            for pk, first, last in Employee.objects.filter(pk__in=ids).values_list("pk", "first_name", "last_name")
        }
    return dict(BusinessUnit.objects.filter(pk__in=ids).values_list("pk", "name"))
