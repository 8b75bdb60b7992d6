"""Free text in, skill mentions out: the ORM around ``feedback.text.tagger``.

1. ``text_record`` keeps a copy of a text about an employee (a signal, check-in notes, peer
   feedback, a 360 answer...) and, after commit, queues ``feedback.tasks.text_tag`` for it.
2. ``text_tag`` (the task's service) tags it against the current taxonomy and replaces its
   mentions; running it twice gives the same rows.
3. ``mention_to_evidence`` is the one way a mention reaches a level: the employee, a manager in
   their line or HR picks the level on the skill's anchors, and the evidence's note quotes the
   text it came from.

The fitted tagger is kept per process and refitted when the taxonomy's fingerprint (count, last
id and total length of the skills' names, aliases and descriptions) changes; the fingerprint is
read at most every ``RECHECK_SECONDS``.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Sum
from django.db.models.functions import Length
from django.utils import timezone

from profiles.access import employee_of, is_hr
from profiles.models import Employee, EvidenceSource, PerformanceReview, SkillEvidence
from profiles.recording import evidence_record
from profiles.signals import profile_changed_on_commit
from taxonomy.models import Skill
from taxonomy.validators import LEVEL_MAX, OBSERVED_LEVEL_MIN

from .models import SkillMention, Text, TextSource
from .text.tagger import EmptyText, SkillTagger, clean

RECHECK_SECONDS = 30
TOP_MENTIONS = 5

_lock = threading.Lock()
_cache: dict = {"fingerprint": None, "checked": 0.0, "tagger": None}


def taxonomy_fingerprint() -> tuple:
    row = Skill.objects.aggregate(
        n=Count("id"),
        last=Max("id"),
        length=Sum(Length("name") + Length("aliases") + Length("description")),
    )
    return (row["n"], row["last"], row["length"])


def tagger_fit_from_taxonomy(**params) -> SkillTagger | None:
    rows = list(Skill.objects.order_by("pk").values_list("pk", "name", "aliases", "description"))
    if not rows:
        return None
    ids, names, aliases, descriptions = zip(*rows, strict=True)
    return SkillTagger.fit(ids=ids, names=names, aliases=aliases, descriptions=descriptions, **params)


def current_tagger() -> SkillTagger | None:
    """The tagger fitted on today's taxonomy (None when there are no skills)."""
    with _lock:
        now = time.monotonic()
        if _cache["tagger"] is not None and now - _cache["checked"] < RECHECK_SECONDS:
            return _cache["tagger"]
        fingerprint = taxonomy_fingerprint()
        if fingerprint != _cache["fingerprint"]:
            _cache["tagger"] = tagger_fit_from_taxonomy()
            _cache["fingerprint"] = fingerprint
        _cache["checked"] = now
        return _cache["tagger"]


def tagger_forget() -> None:
    """Refit on next use (tests, and after a taxonomy import in this process)."""
    with _lock:
        _cache.update(fingerprint=None, checked=0.0, tagger=None)


@transaction.atomic
def text_record(
    *, employee: Employee, source: str, source_id: int, body: str, author: User | None, written_at: datetime
) -> Text:
    """Keep (or update) the text of one source row and queue its tagging after commit."""
    try:
        clean(body)
    except EmptyText as refusal:
        raise ValidationError({"body": str(refusal)}) from None
    text, _ = Text.objects.update_or_create(
        source=source,
        source_id=source_id,
        defaults={"employee": employee, "author": author, "body": body, "written_at": written_at, "tagged_at": None},
    )
    text.full_clean()
    from .tasks import queue_text_tag

    queue_text_tag(text.pk)
    return text


def text_tag(*, text: Text, tagger: SkillTagger | None = None) -> list[SkillMention]:
    """Tag ``text`` and replace its mentions (idempotent): ``texts_tag`` for one text."""
    texts_tag(text_ids=[text.pk], tagger=tagger)
    return list(SkillMention.objects.filter(text_id=text.pk).select_related("skill"))


TAG_BATCH = 1_000  # texts per tagging task when many arrive at once (a reviews file)


def review_comments_record(*, employee_ids) -> list[int]:
    """Review comments (``PerformanceReview.commentary``, from the performance system's file or the
    API) of ``employee_ids`` kept as texts, set-based: new and changed comments are written in
    one upsert and queued for tagging in batches (``texts_tag``); unchanged ones are left alone.
    Returns the ids of the texts written."""
    reviews = (
        PerformanceReview.objects.filter(employee_id__in=list(employee_ids))
        .exclude(commentary__regex=r"^\s*$")
        .values_list("pk", "employee_id", "reviewer__user_id", "commentary", "submitted_at")
    )
    rows = list(reviews)
    if not rows:
        return []
    stored = dict(
        Text.objects.filter(source=TextSource.REVIEW, source_id__in=[row[0] for row in rows]).values_list(
            "source_id", "body"
        )
    )
    changed = [
        Text(
            source=TextSource.REVIEW,
            source_id=pk,
            employee_id=employee_id,
            author_id=author_id,
            body=body,
            written_at=submitted_at,
            tagged_at=None,
        )
        for pk, employee_id, author_id, body, submitted_at in rows
        if stored.get(pk) != body
    ]
    if not changed:
        return []
    Text.objects.bulk_create(
        changed,
        batch_size=5_000,
        update_conflicts=True,
        unique_fields=["source", "source_id"],
        update_fields=["employee", "author", "body", "written_at", "tagged_at"],
    )
    ids = list(
        Text.objects.filter(source=TextSource.REVIEW, source_id__in=[t.source_id for t in changed]).values_list(
            "pk", flat=True
        )
    )
    from .tasks import queue_texts_tag

    for low in range(0, len(ids), TAG_BATCH):
        queue_texts_tag(ids[low : low + TAG_BATCH])
    return ids


@transaction.atomic
def texts_tag(*, text_ids, tagger: SkillTagger | None = None) -> int:
    """``text_tag`` for many texts at once: one tagger call, mentions replaced in bulk (those
    already turned into evidence kept). Returns how many mentions were written."""
    tagger = tagger or current_tagger()
    texts = list(Text.objects.select_for_update().filter(pk__in=list(text_ids)).order_by("pk"))
    if not texts:
        return 0
    SkillMention.objects.filter(text__in=texts, evidence__isnull=True).delete()
    kept = set(SkillMention.objects.filter(text__in=texts).values_list("text_id", "skill_id"))
    tagged = [None] * len(texts)
    if tagger is not None:
        readable = []
        for at, text in enumerate(texts):
            try:
                clean(text.body)
            except EmptyText:
                continue
            readable.append(at)
        for at, result in zip(readable, tagger.tag([texts[at].body for at in readable], top=TOP_MENTIONS), strict=True):
            tagged[at] = result
    now = timezone.now()
    rows = []
    for text, result in zip(texts, tagged, strict=True):
        for mention in result.mentions if result else []:
            if (text.pk, mention.skill_id) not in kept:
                rows.append(
                    SkillMention(
                        text=text,
                        employee_id=text.employee_id,
                        skill_id=mention.skill_id,
                        score=mention.score,
                        matched_words=list(mention.matched),
                    )
                )
        text.tagged_at = now
        text.truncated = bool(result and result.truncated)
        text.language_supported = bool(result is None or result.language_supported)
    SkillMention.objects.bulk_create(rows, batch_size=5_000)
    Text.objects.bulk_update(texts, ["tagged_at", "truncated", "language_supported"], batch_size=1_000)
    return len(rows)


def _evidence_source(*, employee: Employee, by: User) -> str:
    person = employee_of(by)
    if person is not None and person.pk == employee.pk:
        return EvidenceSource.SELF
    if person is not None and person.org_path and employee.org_path.startswith(person.org_path):
        return EvidenceSource.MANAGER
    if is_hr(by):
        return EvidenceSource.ASSESSMENT
    raise ValidationError(f"Only {employee.full_name}, a manager in their line or HR can turn this into evidence.")


def _quote(body: str, limit: int = 160) -> str:
    plain = clean(body).text
    return plain if len(plain) <= limit else plain[: limit - 1].rstrip() + "…"


@transaction.atomic
def mention_to_evidence(*, mention: SkillMention, level: int, by: User) -> SkillEvidence:
    """Turn a mention into skill evidence at ``level`` (chosen on the skill's anchors).

    The source is who decided (self, manager, or assessment when HR does); the note quotes the
    text, names where it came from and the words that matched, so the evidence keeps its
    provenance. A mention becomes evidence once.
    """
    mention = SkillMention.objects.select_for_update().select_related("text", "employee", "skill").get(pk=mention.pk)
    if mention.evidence_id is not None:
        raise ValidationError("This mention was already turned into evidence.")
    if level is None or not OBSERVED_LEVEL_MIN <= int(level) <= LEVEL_MAX:
        raise ValidationError({"level": f"Choose a level from {OBSERVED_LEVEL_MIN} (none) to {LEVEL_MAX} (mastery)."})
    source = _evidence_source(employee=mention.employee, by=by)
    text = mention.text
    evidence, _ = evidence_record(
        employee=mention.employee,
        skill=mention.skill,
        level=int(level),
        source=source,
        observed_at=text.written_at,
        confidence=0.8,
        note=(
            f"From {text.get_source_display().lower()} of {text.written_at:%d %b %Y} (text #{text.pk}, "
            f"matched: {', '.join(mention.matched_words) or 'description'}): \u201c{_quote(text.body)}\u201d"
        ),
        recorded_by=by,
    )
    mention.evidence = evidence
    mention.save(update_fields=["evidence"])
    profile_changed_on_commit(employee_ids=[mention.employee_id], what="evidence", source="portal")
    return evidence
