"""Writes of the feedback loop: signals, check-ins, an employee's say on their skill levels, and
flags on the engine's output.

* Keyword-only, one transaction each, ``full_clean()`` before saving, return the row.
* A skill level is never rewritten. Confirming adds self evidence; a contest decision adds
  manager (or, when HR decides, assessment) evidence whose note names the contest, and the
  earlier evidence stays. Every evidence write asks for a recompute after commit.
* Views apply ``profiles.access`` first. The one rule checked here is about provenance: only a
  manager in the employee's line or HR can decide a contest, and which of the two decided is
  what the evidence records.
"""

import re
from datetime import date

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from profiles.access import employee_of, is_hr
from profiles.models import CareerAspiration, Employee, EvidenceSource, SkillEvidence
from profiles.recording import aspiration_record, evidence_record
from profiles.signals import profile_changed_on_commit
from recommendations import outcomes
from recommendations.models import Flag, Recommendation
from recommendations.selectors import employee_levels
from taxonomy.models import Role, Skill
from taxonomy.validators import LEVEL_MAX, OBSERVED_LEVEL_MIN

from .mentions import text_record
from .models import CheckIn, Signal, SkillContest, TextSource

MAX_TEXT = 2000
ID = re.compile(r"[0-9]{1,18}")  # ASCII digits only ("²".isdigit() is true), within a 64-bit key


def _text(value: str, *, field: str, required: str | None = None, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: required})
    if len(value) > limit:
        raise ValidationError({field: f"Keep it under {limit} characters (this is {len(value)})."})
    return value


def _name(user) -> str:
    person = employee_of(user)
    return person.full_name if person else (user.get_full_name() or user.email or user.get_username())


# --- skill levels ----------------------------------------------------------------------------


@transaction.atomic
def skill_level_confirm(*, employee: Employee, skill: Skill, level: int, by: User) -> SkillEvidence:
    """The employee says the level shown is right: recorded as self evidence, "confirmed"."""
    evidence, _ = evidence_record(
        employee=employee,
        skill=skill,
        level=level,
        source=EvidenceSource.SELF,
        observed_at=timezone.now(),
        note="confirmed: the employee confirmed the level shown in the portal",
        recorded_by=by,
    )
    profile_changed_on_commit(employee_ids=[employee.pk], what="evidence", source="portal")
    return evidence


@transaction.atomic
def contest_open(
    *, employee: Employee, skill: Skill, claimed_level: int, reason: str, by: User, evidence_url: str = ""
) -> SkillContest:
    """The employee says a level is wrong. It waits for their manager (or HR) to decide."""
    reason = _text(reason, field="reason", required="Say briefly why the level is wrong, so your manager can judge it.")
    on_record = employee_levels(employee=employee).get(skill.pk, {}).get("shown")
    if on_record is not None and claimed_level == on_record:
        raise ValidationError(
            {"claimed_level": f"Level {claimed_level} is already the level on record; confirm it instead."}
        )
    if SkillContest.objects.filter(employee=employee, skill=skill, status=SkillContest.Status.OPEN).exists():
        raise ValidationError(f"You already contest {skill.name}; wait for the decision on that one first.")
    contest = SkillContest(
        employee=employee,
        skill=skill,
        level_on_record=on_record,
        claimed_level=claimed_level,
        reason=reason,
        evidence_url=(evidence_url or "").strip(),
        opened_by=by,
    )
    contest.full_clean()
    try:
        with transaction.atomic():
            contest.save()
    except IntegrityError:  # a second submit racing the first
        raise ValidationError(f"You already contest {skill.name}; wait for the decision on that one first.") from None
    return contest


DECISIONS = {SkillContest.Status.UPHELD, SkillContest.Status.ADJUSTED, SkillContest.Status.DECLINED}


def _decider_source(*, contest: SkillContest, by) -> str:
    decider = employee_of(by)
    employee = contest.employee
    if decider is not None and decider.pk == employee.pk:
        raise ValidationError("You cannot decide a contest of your own skill level.")
    if decider is not None and decider.org_path and employee.org_path.startswith(decider.org_path):
        return EvidenceSource.MANAGER
    if is_hr(by):
        return EvidenceSource.ASSESSMENT
    raise ValidationError(f"Only a manager in {employee.full_name}'s reporting line or HR can decide this contest.")


@transaction.atomic
def contest_decide(
    *, contest: SkillContest, decision: str, by: User, note: str, level: int | None = None
) -> SkillContest:
    """Decide an open contest; the decision is added as evidence with its provenance.

    Upheld records the claimed level; adjusted records ``level`` (which must differ from the
    claim); declined records the level that was on record. The evidence is "manager" when a
    manager in the line decides and "assessment" when HR does; its note names the contest.
    """
    contest = SkillContest.objects.select_for_update().select_related("employee", "skill").get(pk=contest.pk)
    if not contest.is_open:
        raise ValidationError(f"This contest was already decided ({contest.get_status_display().lower()}).")
    if decision not in DECISIONS:
        raise ValidationError({"decision": "Choose uphold, adjust or decline."})
    note = _text(note, field="note", required="Say why you decided this way; the employee sees it with the decision.")
    source = _decider_source(contest=contest, by=by)
    if decision == SkillContest.Status.UPHELD:
        level = contest.claimed_level
    elif decision == SkillContest.Status.DECLINED:
        if contest.level_on_record is None:
            raise ValidationError(
                {"decision": "There was no level on record to keep: adjust to the level you think is right."}
            )
        level = contest.level_on_record
    elif level is None or not OBSERVED_LEVEL_MIN <= int(level) <= LEVEL_MAX:
        raise ValidationError(
            {"level": f"Choose the level you are adjusting to ({OBSERVED_LEVEL_MIN} to {LEVEL_MAX})."}
        )
    elif int(level) == contest.claimed_level:
        raise ValidationError({"level": "That is the level claimed: uphold the contest instead."})
    level = int(level)
    decided = SkillContest.Status(decision)
    evidence, _ = evidence_record(
        employee=contest.employee,
        skill=contest.skill,
        level=level,
        source=source,
        observed_at=timezone.now(),
        note=f"Skill contest #{contest.pk} {decided.value} by {_name(by)}"
        f" ({'HR' if source == EvidenceSource.ASSESSMENT else 'manager'}): {note}",
        evidence_url=contest.evidence_url if decision != SkillContest.Status.DECLINED else "",
        recorded_by=by,
    )
    contest.status = decided
    contest.decided_by = by
    contest.decided_level = level
    contest.decision_note = note
    contest.decided_at = timezone.now()
    contest.decision_evidence = evidence
    contest.full_clean()
    contest.save()
    profile_changed_on_commit(employee_ids=[contest.employee_id], what="evidence", source="portal")
    return contest


# --- goals, reflections and other signals -------------------------------------------------------


@transaction.atomic
def aspiration_state(
    *, employee: Employee, target_role: Role | None, interests: str, not_wanted_roles: list[Role] = ()
) -> CareerAspiration:
    """A new career goal from the portal; the earlier ones stay as history. ``not_wanted_roles``:
    the roles the person does not want (kept out of their succession bench)."""
    interests = _text(interests, field="interests", limit=1000)
    aspiration, _ = aspiration_record(
        employee=employee,
        stated_at=timezone.now(),
        source="self",
        target_role=target_role,
        interests=interests,
        not_wanted_roles=list(not_wanted_roles),
    )
    profile_changed_on_commit(employee_ids=[employee.pk], what="aspiration", source="portal")
    return aspiration


@transaction.atomic
def signal_record(*, employee: Employee, kind: str, text: str, author: User) -> Signal:
    """A weekly micro-signal: a project check-in, a peer's thanks, a manager's note, a reflection."""
    text = _text(text, field="text", required="Write a sentence or two.")
    signal = Signal(employee=employee, kind=kind, text=text, author=author)
    signal.full_clean()
    signal.save()
    text_record(
        employee=employee,
        source=TextSource.SIGNAL,
        source_id=signal.pk,
        body=text,
        author=author,
        written_at=signal.created_at,
    )
    return signal


# --- check-ins -------------------------------------------------------------------------------------


@transaction.atomic
def checkin_log(
    *,
    employee: Employee,
    manager: Employee,
    held_on: date,
    notes: str,
    agreed_actions: str,
    agenda: list[dict],
    gaps_snapshot: list[dict],
    by: User | None,
    manager_prep_saved: int | None = None,
) -> CheckIn:
    """Log a monthly check-in, keeping the ``agenda`` and ranked gaps (``gaps_snapshot``) the
    manager's briefing showed (``portal.briefing.checkin_inputs``), for next month's comparison."""
    if manager.pk == employee.pk or not employee.org_path.startswith(manager.org_path or "-"):
        raise ValidationError(f"Only a manager in {employee.full_name}'s reporting line logs their check-ins.")
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": "A check-in is logged after it is held; the date cannot be in the future."})
    notes = _text(notes, field="notes", limit=5000)
    agreed_actions = _text(agreed_actions, field="agreed_actions", limit=2000)
    if not notes and not agreed_actions:
        raise ValidationError(
            {"notes": "Write what you talked about or what you agreed, so the next briefing can follow up."}
        )
    checkin = CheckIn(
        employee=employee,
        manager=manager,
        held_on=held_on,
        agenda=agenda,
        gaps_snapshot=gaps_snapshot,
        notes=notes,
        agreed_actions=agreed_actions,
        manager_prep_saved=manager_prep_saved,
        recorded_by=by,
    )
    checkin.full_clean()
    checkin.save()
    if notes:
        text_record(
            employee=employee,
            source=TextSource.CHECKIN,
            source_id=checkin.pk,
            body=notes,
            author=by,
            written_at=checkin.created_at,
        )
    return checkin


@transaction.atomic
def checkin_answer(*, checkin: CheckIn, relevance: int) -> CheckIn:
    """The employee's post-conversation answer: was it relevant to my goals (1-5)."""
    checkin = CheckIn.objects.select_for_update().get(pk=checkin.pk)
    if checkin.employee_relevance is not None:
        raise ValidationError("You already answered for this check-in.")
    checkin.employee_relevance = relevance
    checkin.employee_answered_at = timezone.now()
    checkin.full_clean()
    checkin.save(update_fields=["employee_relevance", "employee_answered_at"])
    return checkin


# --- flags on the engine's output -----------------------------------------------------------------


def target_flag(*, employee: Employee, target: str, by: User, reason: str) -> Flag:
    """Flag what the briefing's form names: "gap-<skill id>" or "rec-<recommendation id>"."""
    kind, _, pk = target.partition("-")
    pk = int(pk) if ID.fullmatch(pk) else None
    if kind == "gap" and pk:
        skill = Skill.objects.filter(pk=pk).first()
        if skill is not None:
            return outcomes.gap_flag(employee=employee, skill=skill, by=by, reason=reason)
    if kind == "rec" and pk:
        recommendation = (
            Recommendation.objects.filter(pk=pk, employee=employee).select_related("employee", "skill").first()
        )
        if recommendation is not None:
            return outcomes.recommendation_flag(recommendation=recommendation, by=by, reason=reason)
    raise ValidationError(
        {"target": "That gap or recommendation is no longer there; reload the page and choose again."}
    )
