"""The audit trail: which models django-auditlog tracks, and entries for the writes it cannot see.

``register_audited_models()`` (called from ``ProfilesConfig.ready``) registers the profile store
with auditlog, so every ``save()`` and ``delete()`` leaves a ``LogEntry`` with the actor the
``AuditlogMiddleware`` (a request) or ``auditlog.context.set_actor`` (a command or task) supplies.

``bulk_create``, ``bulk_update`` and ``QuerySet.update()`` send no signals, so auditlog never
sees them. Code that writes in bulk (importers, the drop-folder sync, the data-quality scan)
calls ``audit_bulk`` once per batch to leave one summary entry instead.
"""

from auditlog import get_logentry_model
from auditlog.cid import get_cid
from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType
from django.db import models

DEMOGRAPHIC_FIELDS = ["gender", "ethnicity", "age_band", "disability"]
MASK = "***"


def mask_all(value: str) -> str:
    """Hide a value completely (auditlog's default mask keeps the second half of the string)."""
    return MASK


def register_audited_models() -> None:
    from .models import (
        CareerAspiration,
        Credential,
        Demographics,
        Employee,
        LearningRecord,
        PerformanceReview,
        RoleAssignment,
        SkillEvidence,
    )

    # org_path is derived from manager (which is logged); updated_at changes on every save.
    auditlog.register(Employee, exclude_fields=["org_path", "updated_at"])
    # That a demographic field changed is logged; what it was or became is not.
    auditlog.register(Demographics, mask_fields=DEMOGRAPHIC_FIELDS, mask_callable="profiles.audit.mask_all")
    auditlog.register(SkillEvidence)
    auditlog.register(PerformanceReview)
    auditlog.register(LearningRecord)
    auditlog.register(CareerAspiration)
    auditlog.register(RoleAssignment)
    # last_used_at is bookkeeping written with update() on each use; the hash never leaves the table.
    auditlog.register(Credential, exclude_fields=["secret_hash", "last_used_at"])


def audit_bulk(
    *,
    model: type[models.Model],
    action: int,
    count: int,
    actor=None,
    detail: dict | None = None,
    summary: str = "bulk import",
) -> models.Model:
    """Record one audit entry summarising a bulk write of ``count`` rows of ``model``.

    ``action`` is a ``LogEntry.Action`` value (CREATE, UPDATE, DELETE). ``detail`` holds what a
    reader needs to find the rows, e.g. ``{"sync_run": run.pk, "created": 1200, "updated": 34}``.
    It is stored twice: in ``changes`` as ``{key: ["None", "value"]}`` string pairs, the shape of
    auditlog's own create entries (its admin renders them), and with the original values in
    ``additional_data`` for code. ``actor`` defaults to the
    one set by the middleware or ``set_actor``; the entry's object is the model, not a row, so
    ``LogEntry.objects.get_for_model(model)`` lists it beside the per-row entries.
    """
    detail = dict(detail or {})
    entry = get_logentry_model()(
        content_type=ContentType.objects.get_for_model(model),
        object_pk="",
        object_id=None,
        object_repr=f"{summary}: {count:,} row{'' if count == 1 else 's'}",
        action=action,
        changes={key: ["None", str(value)] for key, value in {"rows": count, **detail}.items()},
        additional_data={"bulk": True, "summary": summary, "count": count, **detail},
        cid=get_cid(),
    )
    if actor is not None:
        entry.actor = actor
        entry.actor_email = getattr(actor, "email", None)
    entry.save()
    return entry


def demographics_read_record(*, reason: str, actor=None, employee_ids=None, count: int | None = None) -> models.Model:
    """Record that HR-only demographics were read: who (``actor``, else the request's or task's),
    when (the entry's timestamp), why (``reason``: "bias audit", "export", "admin list"...) and
    whose (``employee_ids``, or only ``count`` for a read of everyone). The values are never logged."""
    from .models import Demographics

    ids = sorted(employee_ids) if employee_ids is not None else None
    entry = get_logentry_model()(
        content_type=ContentType.objects.get_for_model(Demographics),
        object_pk="",
        object_id=None,
        object_repr=f"demographics read: {reason}",
        action=get_logentry_model().Action.ACCESS,
        changes={},
        additional_data={"reason": reason, "employees": ids, "count": len(ids) if ids is not None else count},
        cid=get_cid(),
    )
    if actor is not None:
        entry.actor = actor
        entry.actor_email = getattr(actor, "email", None)
    entry.save()
    return entry
