"""One person's data (GDPR articles 15, 17 and 20): export everything held on them, or erase it.

Every table is found through the app registry, not imported, so this module sits in ``profiles``
(below the apps whose tables it reads) and a new table that points at an employee or a user is
exported and erased without a change here; ``talent/tests/test_privacy.py`` fails until its free
text is listed in ``FREE_TEXT`` or ``KEPT_TEXT``.

* ``person_rows(employee)``: every row of every model with a foreign key to the employee or their
  user account, and the audit entries about either.
* ``employee_export(employee=..., by=...)``: those rows as JSON-ready data, and an audit entry
  (the demographics read is recorded as such).
* ``employee_erase(employee=..., by=...)``: pseudonymise the employee and their account, blank the
  free text of every row that points at them (including what they wrote about others), delete
  their demographics, sign-in identities and second factors, scrub the audit trail's record of
  their values, and leave one audit entry that says an erasure happened, by whom, and nothing
  else. Numbers (levels, scores, outcomes) stay, so aggregates and metrics do not move.
"""

import hashlib
from collections import defaultdict

from auditlog import get_logentry_model
from auditlog.cid import get_cid
from auditlog.context import disable_auditlog
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.db import models, transaction
from django.utils import timezone

from .audit import demographics_read_record
from .models import Employee

ERASED = "[erased]"

# Free text that can say anything about a person: blanked on erasure in every row that points at
# them, whichever side (author, subject, reviewer) they are on.
FREE_TEXT = {
    "profiles.SkillEvidence": ["note", "evidence_url"],
    "profiles.PerformanceReview": ["commentary"],
    "profiles.CareerAspiration": ["interests"],
    "profiles.DataQualityFlag": ["detail"],
    "recommendations.SkillGap": ["hr_rationale"],
    "recommendations.ReviewItem": ["note"],
    "recommendations.Candidacy": ["reason"],
    "recommendations.Recommendation": ["dismissed_reason"],
    "recommendations.Flag": ["reason", "resolution"],
    "feedback.CheckIn": ["notes", "agreed_actions"],
    "feedback.Signal": ["text"],
    "feedback.SkillContest": ["reason", "evidence_url", "decision_note"],
    "feedback.Text": ["body"],
    "feedback.FeedbackRequest": ["message"],
    "feedback.FeedbackAsk": ["comment"],
    "feedback.DeepReview": ["self_comment", "manager_comment", "answers"],
    "feedback.DeepReviewRating": ["self_note", "manager_note"],
}
# Text fields of those rows that are not about the person: codes, titles of catalogue items and
# roles, generated copy, identifiers of other systems' records. Handled elsewhere: Employee and User
# (pseudonymised), audit entries (scrubbed), sign-in tables (deleted).
KEPT_TEXT = {
    "profiles.RoleAssignment": ["source"],
    "profiles.SkillEvidence": ["external_id"],
    "profiles.PerformanceReview": ["period", "source"],
    "profiles.LearningRecord": ["activity_id", "title", "provider", "source", "external_id"],
    "profiles.CareerAspiration": ["source"],
    "profiles.DataQualityFlag": ["subject"],
    "profiles.SyncRun": ["kind", "name", "error"],
    "profiles.Credential": ["name", "key", "secret_hash"],
    "recommendations.Opportunity": ["title", "description"],
    "recommendations.LearningResource": ["title", "description", "provider", "url", "activity_id"],
    "recommendations.Recommendation": ["reason", "scorer", "outcome"],  # outcome: a label the engine writes
    "recommendations.SuccessionCandidate": ["reasons"],  # generated copy, not what anyone wrote
    "recommendations.GapWeight": ["reason"],
    "feedback.ManagerDigest": ["claim"],  # a run's random token  # generated: "raised in the 2026 Q4 review"
}
DELETED_ON_ERASURE = {
    "account.EmailAddress",
    "socialaccount.SocialAccount",
    "mfa.Authenticator",
    "profiles.Demographics",
    "feedback.Theme",  # labels and quotes drawn from their texts; recomputed from what is left
}
HANDLED_APART = {"profiles.Employee", "auth.User", "admin.LogEntry", "auditlog.LogEntry"}


def linking_fields() -> dict[type[models.Model], list[str]]:
    """Every model with a foreign key to Employee or the user model, and those fields."""
    User = get_user_model()
    found = defaultdict(list)
    for model in apps.get_models():
        for field in model._meta.fields:
            if isinstance(field, models.ForeignKey) and field.related_model in (Employee, User):
                found[model].append(field.name)
    return found


def person_rows(employee: Employee) -> dict[str, list[models.Model]]:
    """Every row that points at ``employee`` or their account, by model label, plus audit entries."""
    user = employee.user
    rows: dict[str, list[models.Model]] = {}
    for model, fields in linking_fields().items():
        if model in (get_user_model(),):
            continue
        condition = models.Q()
        for name in fields:
            target = model._meta.get_field(name).related_model
            if target is Employee:
                condition |= models.Q(**{name: employee})
            elif user is not None:
                condition |= models.Q(**{name: user})
        if condition:
            found = list(model._default_manager.filter(condition).order_by("pk"))
            if found:
                rows[model._meta.label] = found
    rows["auditlog.LogEntry"] = list(audit_entries(employee).order_by("pk"))
    return rows


def audit_entries(employee: Employee):
    """Audit entries about the employee, their records' changes, or done by their account."""
    LogEntry = get_logentry_model()
    about = models.Q(content_type=ContentType.objects.get_for_model(Employee), object_pk=str(employee.pk))
    if employee.user_id:
        about |= models.Q(actor_id=employee.user_id)
        about |= models.Q(
            content_type=ContentType.objects.get_for_model(get_user_model()), object_pk=str(employee.user_id)
        )
    for model, fields in linking_fields().items():
        if "employee" in fields and model is not Employee:
            pks = [str(pk) for pk in model._default_manager.filter(employee=employee).values_list("pk", flat=True)]
            if pks:
                about |= models.Q(content_type=ContentType.objects.get_for_model(model), object_pk__in=pks)
    return LogEntry.objects.filter(about)


def _serialise(objects) -> list[dict]:
    data = serializers.serialize("python", objects)
    for item in data:
        item["fields"].pop("password", None)
        item["fields"].pop("secret_hash", None)
        item["fields"].pop("secret", None)
    return data


def employee_export(*, employee: Employee, by=None, reason: str = "export") -> dict:
    """Everything held on ``employee``, JSON-ready: the person, their account, and every row by table."""
    rows = person_rows(employee)
    if "profiles.Demographics" in rows:
        demographics_read_record(reason=reason, actor=by, employee_ids=[employee.pk])
    account = _serialise([employee.user]) if employee.user_id else []
    export = {
        "exported_at": timezone.now().isoformat(),
        "employee": _serialise([employee])[0],
        "account": account[0] if account else None,
        "records": {label: _serialise(objects) for label, objects in sorted(rows.items())},
    }
    _audit(employee, by, "personal data exported", {"tables": sorted(rows), "rows": sum(map(len, rows.values()))})
    return export


def _audit(employee: Employee, by, what: str, detail: dict) -> None:
    LogEntry = get_logentry_model()
    entry = LogEntry(
        content_type=ContentType.objects.get_for_model(Employee),
        object_pk=str(employee.pk),
        object_id=employee.pk,
        object_repr=f"employee {employee.pk}: {what}",
        action=LogEntry.Action.ACCESS if "export" in what else LogEntry.Action.UPDATE,
        changes={},
        additional_data={"privacy": what, **detail},
        cid=get_cid(),
    )
    if by is not None:
        entry.actor = by
        entry.actor_email = getattr(by, "email", None)
    entry.save()


def erased_external_id(employee: Employee) -> str:
    """A new id nobody's HR system uses, so a later SCIM or import of the old one starts a new, empty person."""
    return "erased-" + hashlib.sha256(f"{employee.pk}:{employee.external_id}".encode()).hexdigest()[:16]


@transaction.atomic
def employee_erase(*, employee: Employee, by=None) -> Employee:
    """Erase one person (GDPR art. 17); see the module docstring. Returns the pseudonymised employee."""
    employee = Employee.objects.select_for_update().get(pk=employee.pk)
    user = employee.user
    rows = person_rows(employee)
    audit_pks = list(audit_entries(employee).values_list("pk", flat=True))  # before their rows go
    counts = {}
    with disable_auditlog():
        for label, objects in rows.items():
            model = apps.get_model(label)
            pks = [obj.pk for obj in objects]
            if label in DELETED_ON_ERASURE:
                counts[label] = model._default_manager.filter(pk__in=pks).delete()[0]
            elif label in FREE_TEXT:
                counts[label] = model._default_manager.filter(pk__in=pks).update(**dict.fromkeys(FREE_TEXT[label], ""))
        scrubbed = (
            get_logentry_model()
            .objects.filter(pk__in=audit_pks)
            .update(object_repr=f"employee {employee.pk} ({ERASED})", changes={}, changes_text="", actor_email=None)
        )
        admin_log = apps.get_model("admin", "LogEntry")
        admin_log.objects.filter(
            content_type=ContentType.objects.get_for_model(Employee), object_id=str(employee.pk)
        ).update(object_repr=ERASED, change_message="[]")

        employee.external_id = erased_external_id(employee)
        employee.first_name, employee.last_name, employee.email = "Erased", f"person {employee.pk}", ""
        employee.user = None
        employee.save()
        if user is not None:
            user.username = f"erased-{user.pk}"
            user.email = user.first_name = user.last_name = ""
            user.is_active = user.is_staff = user.is_superuser = False
            user.set_unusable_password()  # also ends their open sessions (the session hash changes)
            user.save()
            user.groups.clear()
            user.user_permissions.clear()
    _audit(employee, by, "erased", {"tables": sorted(counts), "audit entries scrubbed": scrubbed})
    return employee


# Free text kept at most FREE_TEXT_RETENTION_DAYS days (0, the default: kept). Signals are free
# text and nothing else, so they go; a check-in keeps its date and survey answers (the outcome
# metrics read them) and loses its notes.
RETENTION = {
    "feedback.Signal": ("created_at", None),
    "feedback.CheckIn": ("held_on", ["notes", "agreed_actions"]),
}


@transaction.atomic
def free_text_retention(*, days: int, now=None) -> dict[str, int]:
    """Delete or blank free text older than ``days`` days; returns rows touched per model."""
    from .audit import audit_bulk

    if days <= 0:
        return {}
    cutoff = (now or timezone.now()) - timezone.timedelta(days=days)
    touched = {}
    for label, (date_field, fields) in RETENTION.items():
        model = apps.get_model(label)
        is_date = isinstance(model._meta.get_field(date_field), models.DateField) and not isinstance(
            model._meta.get_field(date_field), models.DateTimeField
        )
        old = model._default_manager.filter(**{f"{date_field}__lt": cutoff.date() if is_date else cutoff})
        if fields is None:
            count = old.delete()[0]
            action = get_logentry_model().Action.DELETE
        else:
            pending = models.Q()
            for name in fields:
                pending |= ~models.Q(**{name: ""})
            count = old.filter(pending).update(**dict.fromkeys(fields, ""))
            action = get_logentry_model().Action.UPDATE
        if count:
            audit_bulk(model=model, action=action, count=count, detail={"retention_days": days}, summary="retention")
        touched[label] = count
    return touched
