"""Light 360 feedback: requests to up to eight colleagues, their answers, and what the requester sees.

1. ``feedback_request_open``: the employee, or a manager in their line, asks colleagues for
   feedback on skills from the employee's current gap list, by a due date; each colleague gets
   an e-mail.
2. ``feedback_answer``: a colleague rates each skill on its level anchors and may write a
   comment. Each rating becomes skill evidence of source "peer" whose note names the request (the
   provenance), and the comment is kept and tagged like any text. The employee can contest a
   peer level as any other (``services.contest_open``).
3. ``feedback_results``: who answered, always; what was rated, per person when the request is
   not anonymous, or pooled (mean per skill) once at least three answered when it is.
4. ``feedback_remind``: one e-mail to each colleague who has not answered, at most daily.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Avg, Count
from django.utils import timezone

from profiles.access import employee_of, is_hr
from profiles.models import Employee, EvidenceSource
from profiles.recording import evidence_record
from profiles.signals import profile_changed_on_commit
from recommendations.models import EmployeeAnalysis, SkillGap
from taxonomy.models import Skill
from taxonomy.validators import LEVEL_MAX, OBSERVED_LEVEL_MIN

from .mentions import text_record
from .models import (
    ANONYMOUS_MIN_ANSWERS,
    MAX_RESPONDENTS,
    FeedbackAsk,
    FeedbackRating,
    FeedbackRequest,
    TextSource,
)

PEER_CONFIDENCE = 0.7


def gap_skill_ids(subject: Employee) -> set[int]:
    """The skills on the employee's current gap list (empty before their first analysis)."""
    pointer = EmployeeAnalysis.objects.filter(employee=subject).values_list("run_id", flat=True).first()
    if pointer is None:
        return set()
    return set(SkillGap.objects.filter(employee=subject, run_id=pointer).values_list("skill_id", flat=True))


def _may_request(*, subject: Employee, by: User) -> bool:
    person = employee_of(by)
    if person is not None and person.pk == subject.pk:
        return True
    return bool(person and person.org_path and subject.org_path.startswith(person.org_path)) or is_hr(by)


@transaction.atomic
def feedback_request_open(
    *,
    subject: Employee,
    by: User,
    respondents: list[Employee],
    skills: list[Skill],
    due_on: date,
    message: str = "",
    anonymous: bool = True,
) -> FeedbackRequest:
    if not _may_request(subject=subject, by=by):
        raise ValidationError(f"Only {subject.full_name} or a manager in their line can ask for this feedback.")
    people = {person.pk: person for person in respondents if person.pk != subject.pk}
    if not people:
        raise ValidationError({"respondents": "Choose at least one colleague (not the person the feedback is about)."})
    if len(people) > MAX_RESPONDENTS:
        raise ValidationError({"respondents": f"Ask at most {MAX_RESPONDENTS} colleagues (you chose {len(people)})."})
    if not skills:
        raise ValidationError({"skills": "Choose at least one skill to ask about."})
    allowed = gap_skill_ids(subject)
    outside = [skill.name for skill in skills if skill.pk not in allowed]
    if outside:
        raise ValidationError({"skills": f"Ask about skills from the gap list only; not on it: {', '.join(outside)}."})
    if due_on <= timezone.localdate():
        raise ValidationError({"due_on": "The due date must be after today."})
    request = FeedbackRequest(
        subject=subject, requested_by=by, message=(message or "").strip()[:2000], due_on=due_on, anonymous=anonymous
    )
    request.full_clean()
    request.save()
    request.skills.set(skills)
    FeedbackAsk.objects.bulk_create([FeedbackAsk(request=request, respondent=person) for person in people.values()])
    transaction.on_commit(lambda: _mail_asks(request.pk, reminder=False))
    return request


@transaction.atomic
def feedback_answer(*, ask: FeedbackAsk, by: User, levels: dict[int, int], comment: str = "") -> FeedbackAsk:
    """The colleague's answer: ``levels`` maps each asked skill's id to a level (0-4)."""
    ask = FeedbackAsk.objects.select_for_update().select_related("request__subject").get(pk=ask.pk)
    person = employee_of(by)
    if person is None or person.pk != ask.respondent_id:
        raise ValidationError("Only the colleague who was asked can answer.")
    if ask.answered_at is not None:
        raise ValidationError("You already answered this request.")
    request = ask.request
    asked = {skill.pk: skill for skill in request.skills.all()}
    if set(levels) != set(asked):
        raise ValidationError({"levels": "Rate every skill asked about."})
    for level in levels.values():
        if not OBSERVED_LEVEL_MIN <= int(level) <= LEVEL_MAX:
            raise ValidationError({"levels": f"Levels go from {OBSERVED_LEVEL_MIN} (none) to {LEVEL_MAX} (mastery)."})
    now = timezone.now()
    for skill_id, level in sorted(levels.items()):
        who = "an anonymous colleague" if request.anonymous else person.full_name
        evidence, _ = evidence_record(
            employee=request.subject,
            skill=asked[skill_id],
            level=int(level),
            source=EvidenceSource.PEER,
            observed_at=now,
            confidence=PEER_CONFIDENCE,
            note=f"360 feedback request #{request.pk} (answer #{ask.pk}), rated by {who}",
            recorded_by=None if request.anonymous else by,
        )
        FeedbackRating.objects.create(ask=ask, skill=asked[skill_id], level=int(level), evidence=evidence)
    ask.comment = (comment or "").strip()[:2000]
    ask.answered_at = now
    ask.save(update_fields=["comment", "answered_at"])
    if ask.comment:
        text_record(
            employee=request.subject,
            source=TextSource.FEEDBACK_ANSWER,
            source_id=ask.pk,
            body=ask.comment,
            author=None if request.anonymous else by,
            written_at=now,
        )
    profile_changed_on_commit(employee_ids=[request.subject_id], what="evidence", source="portal")
    return ask


def feedback_results(*, request: FeedbackRequest) -> dict:
    """What the requester sees: who answered; ratings per person, or pooled once enough answered."""
    asks = list(request.asks.select_related("respondent").order_by("respondent__last_name"))
    answered = [ask for ask in asks if ask.answered_at]
    result = {"asked": asks, "answered": len(answered), "shown": False, "per_person": [], "pooled": []}
    ratings = FeedbackRating.objects.filter(ask__request=request, ask__answered_at__isnull=False)
    if not request.anonymous:
        result["shown"] = True
        result["per_person"] = list(ratings.select_related("ask__respondent", "skill").order_by("skill__name"))
        result["comments"] = [(ask.respondent.full_name, ask.comment) for ask in answered if ask.comment]
    elif len(answered) >= ANONYMOUS_MIN_ANSWERS:
        result["shown"] = True
        result["pooled"] = list(
            ratings.values("skill__name").annotate(mean=Avg("level"), answers=Count("id")).order_by("skill__name")
        )
        result["comments"] = sorted(ask.comment for ask in answered if ask.comment)  # no names, no order
    return result


def open_asks(*, respondent: Employee) -> list[FeedbackAsk]:
    """Requests waiting for this person's answer, soonest due first."""
    return list(
        FeedbackAsk.objects.filter(respondent=respondent, answered_at__isnull=True)
        .select_related("request__subject")
        .prefetch_related("request__skills")
        .order_by("request__due_on")
    )


def feedback_remind(*, today: date | None = None) -> int:
    """E-mail each colleague with an open request due within three days (at most once a day)."""
    today = today or timezone.localdate()
    since = timezone.now() - timedelta(hours=20)
    due = FeedbackAsk.objects.filter(
        answered_at__isnull=True, request__due_on__gte=today, request__due_on__lte=today + timedelta(days=3)
    ).exclude(reminded_at__gte=since)
    request_ids = set(due.values_list("request_id", flat=True))
    for request_id in sorted(request_ids):
        _mail_asks(request_id, reminder=True)
    return due.update(reminded_at=timezone.now())


def _mail_asks(request_id: int, *, reminder: bool) -> None:
    request = FeedbackRequest.objects.select_related("subject").get(pk=request_id)
    asks = request.asks.filter(answered_at__isnull=True).select_related("respondent__user")
    skills = ", ".join(request.skills.order_by("name").values_list("name", flat=True))
    for ask in asks:
        address = ask.respondent.email or (ask.respondent.user.email if ask.respondent.user else "")
        if not address:
            continue
        subject = (
            f"{'Reminder: ' if reminder else ''}feedback for {request.subject.full_name} by {request.due_on:%d %b}"
        )
        body = (
            f"{request.subject.full_name} would value your feedback on: {skills}.\n"
            f"It takes two minutes: open the talent portal and find the request under 'Feedback asked of me'.\n"
            + (
                "Your ratings are pooled with at least two others before anyone sees them.\n"
                if request.anonymous
                else ""
            )
        )
        send_mail(subject, body, None, [address], fail_silently=True)
