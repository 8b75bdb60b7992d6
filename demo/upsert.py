"""Upserting demo rows by natural key, in bulk, counting what was created, updated or left alone."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models

BATCH_SIZE = 2_000


@dataclass
class TableCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def count_one(counts: TableCounts, *, created: bool, changed: bool) -> None:
    if created:
        counts.created += 1
    elif changed:
        counts.updated += 1
    else:
        counts.unchanged += 1


def snapshot(model: type[models.Model], key_fields: tuple[str, ...], fields: Iterable[str]) -> dict:
    """The model's current rows as {key: {field: value, "pk": pk}}, read in one query."""
    rows = model.objects.values("pk", *key_fields, *fields).order_by()
    if len(key_fields) == 1:
        return {row[key_fields[0]]: row for row in rows.iterator(chunk_size=20_000)}
    return {tuple(row[name] for name in key_fields): row for row in rows.iterator(chunk_size=20_000)}


def upsert(
    model: type[models.Model],
    rows: list[dict],
    *,
    key: str | tuple[str, ...],
    fields: list[str],
    counts: TableCounts,
    existing: dict | None = None,
) -> dict:
    """Create the rows whose natural key is missing, update those whose ``fields`` differ, in bulk.

    Returns {key: pk} for every row given. ``existing`` (from ``snapshot``) saves re-reading a
    big table when it is upserted in several calls.
    """
    key_fields = (key,) if isinstance(key, str) else key

    def key_of(row):
        return row[key] if isinstance(key, str) else tuple(row[name] for name in key_fields)

    if existing is None:
        existing = snapshot(model, key_fields, fields)
    ids = {}
    to_create, to_update, changed_fields = [], [], set()
    for row in rows:
        current = existing.get(key_of(row))
        if current is None:
            to_create.append(model(**row))
            continue
        ids[key_of(row)] = current["pk"]
        differs = [name for name in fields if current[name] != row[name]]
        if differs:
            changed_fields.update(differs)
            to_update.append(model(pk=current["pk"], **row))
        else:
            counts.unchanged += 1
    for start in range(0, len(to_create), BATCH_SIZE):
        model.objects.bulk_create(to_create[start : start + BATCH_SIZE])
    if any(obj.pk is None for obj in to_create):  # a backend that cannot return ids from a bulk insert
        fresh = snapshot(model, key_fields, [])
        for obj in to_create:
            obj.pk = fresh[key_of({name: getattr(obj, name) for name in key_fields})]["pk"]
    ids.update({key_of({name: getattr(obj, name) for name in key_fields}): obj.pk for obj in to_create})
    if to_update:
        model.objects.bulk_update(to_update, sorted(changed_fields), batch_size=BATCH_SIZE)
    counts.created += len(to_create)
    counts.updated += len(to_update)
    return ids
