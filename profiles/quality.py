"""The data-quality scan: what about each profile HR should follow up, kept as DataQualityFlag rows.

``quality_scan()`` runs every check in ``CHECKS`` and reconciles its findings with the open flags
of that kind:

1. A check is one set-based query (or a few) over the whole organisation. It returns the
   findings that hold *now*, each a ``Finding(employee_id, subject, detail)``; there are no
   per-employee queries, so the scan takes seconds on 100,000 people.
2. A flag's identity is ``(kind, employee_id, subject)``. A finding with no open flag opens one
   (bulk-created); an open flag with no finding resolves itself (``resolved_at`` set in bulk);
   an open flag whose finding's wording changed gets the new detail. A second scan over the same
   data changes nothing, and duplicate open flags (two scans racing) are removed.
3. The whole scan is one transaction and leaves one audit entry (``audit_bulk``) whose timestamp
   the HR page shows as "last scan".

The rules, in the words HR reads:

* ``no_aspiration``: an active employee has never stated a career aspiration.
* ``no_recent_learning``: no learning record started or completed in the last 90 days.
* ``no_manager``: no manager, unless they have active reports (a head of the organisation or of
  a separate legal entity: the top of a tree); or their manager has left.
* ``role_not_in_taxonomy``: no role from the taxonomy (``role`` is null).
* ``stale_evidence``: their newest skill evidence is older than ``EVIDENCE_MAX_AGE_DAYS``
  (a setting, default 365), or they have none.
* ``duplicate_person``: another active employee with a different external id has the same
  normalised full name in the same business unit, or the same e-mail address. One flag per
  person, naming the others.
* ``duplicate_course``: learning records (of anyone) name one course in several ways: titles
  that normalise equal ("SQL Basics", "sql basics (Online)") under different activity ids, or
  one activity id under titles that differ by more than case and spacing. One flag per course,
  ``employee`` null, ``subject`` the course's smallest activity id (so if a smaller id joins the
  group, that flag resolves and one under the new id opens).

To add a check (the gap-analysis work will add ``stale_analysis``), write a function
``(ctx: ScanContext) -> Iterable[Finding]`` and append ``Check(kind, function)`` to ``CHECKS``.
"""

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from auditlog import get_logentry_model
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from .audit import audit_bulk
from .models import CareerAspiration, DataQualityFlag, Employee, LearningRecord, SkillEvidence

Kind = DataQualityFlag.Kind

LEARNING_WINDOW_DAYS = 90
DEFAULT_EVIDENCE_MAX_AGE_DAYS = 365
LISTED = 5  # how many other people or titles a detail names before "and N more"
SCAN_SUMMARY = "data-quality scan"  # the object_repr prefix of the scan's audit entry


class Finding(NamedTuple):
    employee_id: int | None
    subject: str
    detail: str


@dataclass(frozen=True)
class ScanContext:
    now: datetime
    evidence_max_age_days: int


@dataclass(frozen=True)
class Check:
    kind: str
    find: Callable[[ScanContext], Iterable[Finding]]


def _active():
    return Employee.objects.active().order_by()  # no sorting: the checks only collect ids


def _date(moment: datetime | None) -> str:
    return timezone.localdate(moment).isoformat() if moment else ""


def _listed(items: list[str]) -> str:
    shown = ", ".join(items[:LISTED])
    return shown if len(items) <= LISTED else f"{shown} and {len(items) - LISTED} more"


# --- checks -------------------------------------------------------------------------------------


def find_no_aspiration(ctx: ScanContext) -> Iterable[Finding]:
    stated = CareerAspiration.objects.filter(employee=OuterRef("pk"))
    for pk in _active().filter(~Exists(stated)).values_list("pk", flat=True):
        yield Finding(pk, "", "No career aspiration has been recorded.")


def find_no_recent_learning(ctx: ScanContext) -> Iterable[Finding]:
    since = ctx.now - timedelta(days=LEARNING_WINDOW_DAYS)
    records = LearningRecord.objects.filter(employee=OuterRef("pk"))
    # Two NOT EXISTS rather than one with an OR: the completed_at one is answered from an index.
    rows = (
        _active()
        .filter(~Exists(records.filter(completed_at__gte=since)), ~Exists(records.filter(started_at__gte=since)))
        .annotate(has_any=Exists(records))
        .values_list("pk", "has_any")
    )
    for pk, has_any in rows:
        if has_any:
            yield Finding(pk, "", f"No learning started or completed in the last {LEARNING_WINDOW_DAYS} days.")
        else:
            yield Finding(pk, "", "No learning activity on record.")


def find_no_manager(ctx: ScanContext) -> Iterable[Finding]:
    has_reports = _active().filter(manager=OuterRef("pk"))
    for pk in _active().filter(manager__isnull=True).filter(~Exists(has_reports)).values_list("pk", flat=True):
        yield Finding(pk, "", "No manager, and nobody reports to them.")
    rows = _active().filter(manager__isnull=False).exclude(manager__status=Employee.Status.ACTIVE)
    for pk, external_id in rows.values_list("pk", "manager__external_id"):
        yield Finding(pk, "", f"Their manager ({external_id}) has left.")


def find_role_not_in_taxonomy(ctx: ScanContext) -> Iterable[Finding]:
    for pk in _active().filter(role__isnull=True).values_list("pk", flat=True):
        yield Finding(pk, "", "No role from the taxonomy is assigned.")


def find_stale_evidence(ctx: ScanContext) -> Iterable[Finding]:
    since = ctx.now - timedelta(days=ctx.evidence_max_age_days)
    recent = SkillEvidence.objects.filter(employee=OuterRef("pk"), observed_at__gte=since)
    rows = _active().filter(~Exists(recent)).annotate(newest=Max("evidence__observed_at")).values_list("pk", "newest")
    for pk, newest in rows:
        if newest is None:
            yield Finding(pk, "", "No skill evidence on record.")
        else:
            yield Finding(
                pk, "", f"Newest skill evidence is from {_date(newest)}, over {ctx.evidence_max_age_days} days old."
            )


_PUNCTUATION = re.compile(r"[^\w\s]|_")
_NOT_ALPHANUMERIC = re.compile(r"[\W_]")


def _fold(text: str) -> str:
    """Lower case without accents; letters of any script are kept ("Zoë" -> "zoe", "Иван" -> "иван")."""
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return text.casefold()


def normalise_name(text: str) -> str:
    """Case, accents, punctuation and spacing removed: "José  O'Neil" -> "jose oneil"."""
    return " ".join(_PUNCTUATION.sub("", _fold(text)).split())


def find_duplicate_people(ctx: ScanContext) -> Iterable[Finding]:
    rows = _active().values_list("pk", "external_id", "first_name", "last_name", "email", "business_unit_id")
    groups: dict[tuple, list[tuple[str, int]]] = defaultdict(list)
    for pk, external_id, first, last, email, unit in rows.iterator(chunk_size=20_000):
        name = normalise_name(f"{first} {last}")
        if name and unit is not None:
            groups[("same name and business unit as", name, unit)].append((external_id, pk))
        if email.strip():
            groups[("same e-mail as", email.strip().casefold())].append((external_id, pk))
    reasons: dict[int, list[str]] = defaultdict(list)
    for key, members in groups.items():
        if len(members) < 2:
            continue
        members.sort()
        for external_id, pk in members:
            # Name the first few others without building an n-by-n list for a big group.
            others = [ext for ext, _ in members[: LISTED + 1] if ext != external_id][:LISTED]
            more = len(members) - 1 - len(others)
            reasons[pk].append(f"{key[0]} {', '.join(others)}" + (f" and {more} more" if more else ""))
    for pk, parts in reasons.items():
        yield Finding(pk, "", "Possibly the same person: " + "; ".join(parts) + ".")


_DELIVERY = r"online|e-?learning|virtual|classroom|self[- ]paced|on[- ]demand|webinar|live|in[- ]person|remote|v?ilt"
_DELIVERY_SUFFIX = re.compile(
    rf"(?:\s*[(\[]\s*(?:{_DELIVERY})\s*[)\]]|\s*[-–—:|]\s*(?:{_DELIVERY}))\s*$", re.IGNORECASE
)


def normalise_course_title(title: str) -> str:
    """Delivery suffixes, case, accents and punctuation removed: "Intro to SQL – Online" -> "introtosql"."""
    text = title.strip()
    while True:
        shorter = _DELIVERY_SUFFIX.sub("", text)
        if shorter == text:
            break
        text = shorter
    return _NOT_ALPHANUMERIC.sub("", _fold(text).replace("&", "and"))


def find_duplicate_courses(ctx: ScanContext) -> Iterable[Finding]:
    """Courses are the connected groups of (activity id, normalised title) pairs.

    A group with more than one activity id, or with titles that differ beyond case and spacing,
    is one course under several names.
    """
    parent: dict[tuple, tuple] = {}

    def root(node):
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    pairs = LearningRecord.objects.values_list("activity_id", "title").distinct().order_by()
    titles_of: dict[str, set[str]] = defaultdict(set)
    for activity_id, title in pairs.iterator(chunk_size=20_000):
        titles_of[activity_id].add(" ".join(title.split()))
        normalised = normalise_course_title(title)
        if normalised:
            parent[root(("id", activity_id))] = root(("title", normalised))
        else:
            root(("id", activity_id))
    courses: dict[tuple, list[str]] = defaultdict(list)
    for activity_id in titles_of:
        courses[root(("id", activity_id))].append(activity_id)
    for activity_ids in courses.values():
        # One spelling per title that differs beyond case and spacing; min() keeps the wording stable.
        spellings: dict[str, str] = {}
        for title in (t for a in activity_ids for t in titles_of[a]):
            spellings[title.casefold()] = min(title, spellings.get(title.casefold(), title))
        if len(activity_ids) == 1 and len(spellings) == 1:
            continue
        activity_ids.sort()
        titles = [f"“{spellings[key]}”" for key in sorted(spellings)]
        detail = f"Titles: {_listed(titles)}. Activity ids: {_listed(activity_ids)}."
        yield Finding(None, activity_ids[0][:300], detail)


CHECKS: list[Check] = [
    Check(Kind.NO_ASPIRATION, find_no_aspiration),
    Check(Kind.NO_RECENT_LEARNING, find_no_recent_learning),
    Check(Kind.NO_MANAGER, find_no_manager),
    Check(Kind.ROLE_NOT_IN_TAXONOMY, find_role_not_in_taxonomy),
    Check(Kind.STALE_EVIDENCE, find_stale_evidence),
    Check(Kind.DUPLICATE_PERSON, find_duplicate_people),
    Check(Kind.DUPLICATE_COURSE, find_duplicate_courses),
    # Kind.STALE_ANALYSIS is appended by the recommendations app (recommendations/quality.py).
]


# --- reconciling findings with flags ------------------------------------------------------------


def _in_chunks(ids: list[int]) -> Iterable[list[int]]:
    size = connection.ops.bulk_batch_size(["pk"], ids) or len(ids) or 1
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _reconcile(*, check: Check, ctx: ScanContext) -> dict[str, int]:
    findings: dict[tuple, str] = {}
    for finding in check.find(ctx):
        findings.setdefault((finding.employee_id, finding.subject), finding.detail)

    open_flags = DataQualityFlag.objects.filter(kind=check.kind, resolved_at__isnull=True).order_by("pk")
    seen: set[tuple] = set()
    resolved, duplicates, reworded = [], [], []
    for pk, employee_id, subject, detail in open_flags.values_list("pk", "employee_id", "subject", "detail"):
        key = (employee_id, subject)
        if key in seen:
            duplicates.append(pk)
        elif key not in findings:
            resolved.append(pk)
        elif findings[key] != detail:
            reworded.append(DataQualityFlag(pk=pk, detail=findings[key]))
        seen.add(key)

    for chunk in _in_chunks(duplicates):
        DataQualityFlag.objects.filter(pk__in=chunk).delete()
    for chunk in _in_chunks(resolved):
        DataQualityFlag.objects.filter(pk__in=chunk).update(resolved_at=ctx.now)
    DataQualityFlag.objects.bulk_update(reworded, ["detail"], batch_size=1_000)
    new = [
        DataQualityFlag(kind=check.kind, employee_id=employee_id, subject=subject, detail=detail)
        for (employee_id, subject), detail in findings.items()
        if (employee_id, subject) not in seen
    ]
    DataQualityFlag.objects.bulk_create(new, batch_size=2_000)
    return {"open": len(findings), "new": len(new), "resolved": len(resolved)}


@transaction.atomic
def quality_scan(*, now: datetime | None = None, evidence_max_age_days: int | None = None) -> dict[str, dict[str, int]]:
    """Run every check and open, keep or resolve flags; returns ``{kind: {"open", "new", "resolved"}}``.

    ``now`` is the moment the scan measures ages from and stamps resolutions with (tests pass a
    fixed one); ``evidence_max_age_days`` overrides the ``EVIDENCE_MAX_AGE_DAYS`` setting.
    """
    if evidence_max_age_days is None:
        evidence_max_age_days = getattr(settings, "EVIDENCE_MAX_AGE_DAYS", DEFAULT_EVIDENCE_MAX_AGE_DAYS)
    ctx = ScanContext(now=now or timezone.now(), evidence_max_age_days=evidence_max_age_days)
    counts = {check.kind: _reconcile(check=check, ctx=ctx) for check in CHECKS}
    opened = sum(c["new"] for c in counts.values())
    resolved = sum(c["resolved"] for c in counts.values())
    audit_bulk(
        model=DataQualityFlag,
        action=get_logentry_model().Action.UPDATE,
        count=opened + resolved,
        summary=SCAN_SUMMARY,
        detail={"opened": opened, "resolved": resolved, "open": sum(c["open"] for c in counts.values())},
    )
    return counts


def last_scan_at() -> datetime | None:
    """When the scan last ran (the timestamp of its audit entry), or None if it never has."""
    return (
        get_logentry_model()
        .objects.filter(
            content_type__app_label=DataQualityFlag._meta.app_label,
            content_type__model=DataQualityFlag._meta.model_name,
            object_repr__startswith=f"{SCAN_SUMMARY}:",
        )
        .order_by("-timestamp")
        .values_list("timestamp", flat=True)
        .first()
    )
