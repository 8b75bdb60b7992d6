"""``file_import``: one file in, one ``SyncRun`` out.

1. Open the file (``readers``; a big one in a child process with a memory limit, ``isolated``).
   A file that cannot be read at all (not CSV or XLSX, not UTF-8, a header that does not fit the
   kind, over the size limits) fails the run before anything is written.
2. Load the lookup dicts once (``lookups``); a people file is read once more, for its ids only,
   so a row may name a manager who comes later in the file.
3. For each chunk, in its own transaction (so a chunk is either in, with its counts on the run,
   or not in at all: a connection lost mid-chunk rolls the chunk back, and the run, written on a
   new connection, says the import stopped at that chunk's first row): check every row (``kinds``, ``checks``), merge
   duplicate keys (the last row wins, and the later row gets a note naming the earlier one's
   line, across chunks too), land the good rows (``loaders`` / ``people``), store the
   refused rows with their row numbers and reasons, update the run's counts, and queue
   ``profile_changed`` for the employees whose data changed (unless ``announce=False``: a first
   bulk load that is followed by one full ``recompute``). A chunk that fails rolls back
   alone: the chunks before it stay, and the run says where it stopped.
4. A file with no data rows (only a header, or blank rows) fails: there was nothing to import.
5. People only: link the managers that came later in the file and rebuild the org chart.
6. Finish the run: status, the delay from each event's own time to landing (max and median).

The run beats a heartbeat at its start, after each chunk and at its finish. An importing process
that dies without a word (SIGKILL, out of memory, a lost machine) leaves its run "running"; every
new import, and a task every 15 minutes, marks the runs silent for ``core.heartbeat.ABANDONED_AFTER``
as failed (``abandoned_imports_fail``). Since each chunk and its counts commit together, what such a
run reports is exactly what landed.
"""

import contextlib
import math
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from auditlog.models import LogEntry
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from core.heartbeat import silence_text, silent_runs_fail
from core.isolated import table_for
from core.readers import NO_DATA_ROWS, Chunk, Limits, UnreadableFile

from ..audit import audit_bulk
from ..models import Employee, SyncRejection, SyncRun
from ..signals import profile_changed_on_commit
from .checks import Checker, collapse_whitespace
from .kinds import ASPIRATIONS, EVIDENCE, LEARNING, REVIEWS, Kind
from .loaders import RepeatedKeys, chunk_merge, duplicates_merged
from .lookups import Refs
from .people import PEOPLE, PEOPLE_KEY, PeopleRun, people_finish, people_merge

KINDS: dict[str, Kind] = {kind.name: kind for kind in (PEOPLE, REVIEWS, LEARNING, ASPIRATIONS, EVIDENCE)}
CHUNK_ROWS = 50_000
MAX_STORED_REJECTIONS = 1_000  # per run; every rejection is counted, the first ones are kept with their reasons
RAW_KEPT = 2_000
SQLITE_CACHE_KIB = 64 * 1024  # index upkeep on a big table needs more than SQLite's default 2 MiB page cache


class DelayStats:
    """Max and median of many delays in bounded memory: exact up to ``EXACT`` values, then a
    log-scale histogram whose buckets are 1% wide (so the median is within 1%)."""

    EXACT = 100_000
    RATIO = 1.01

    def __init__(self):
        self.count = 0
        self.max: float | None = None
        self.values: list[np.ndarray] | None = []
        self.histogram: Counter[int] = Counter()

    def add(self, seconds: np.ndarray) -> None:
        seconds = np.maximum(np.asarray(seconds, dtype=float), 0.0)  # a clock ahead of ours: landed at once
        if not len(seconds):
            return
        self.count += len(seconds)
        self.max = max(self.max or 0.0, float(seconds.max()))
        if self.values is not None:
            self.values.append(seconds)
            if self.count <= self.EXACT:
                return
            seconds, self.values = np.concatenate(self.values), None
        buckets, counts = np.unique(
            np.floor(np.log1p(seconds) / math.log(self.RATIO)).astype(np.int64), return_counts=True
        )
        self.histogram.update(dict(zip(buckets.tolist(), counts.tolist(), strict=True)))

    def median(self) -> float | None:
        if not self.count:
            return None
        if self.values is not None:
            return float(np.median(np.concatenate(self.values)))
        seen = 0
        for bucket in sorted(self.histogram):
            seen += self.histogram[bucket]
            if seen * 2 >= self.count:
                return min(math.expm1((bucket + 0.5) * math.log(self.RATIO)), self.max)
        return self.max


@dataclass
class Totals:
    """What the run did so far; written to the ``SyncRun`` after every chunk."""

    received: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    merged: int = 0  # rows superseded by a later row with the same key (counted as unchanged)
    notes: int = 0  # accepted rows with something HR should know (e.g. a title the taxonomy lacks)
    stored: int = 0  # SyncRejection rows kept
    last_line: int = 1
    first_rejections: list[tuple[int | None, str]] = field(default_factory=list)
    delays: DelayStats = field(default_factory=DelayStats)
    seconds: Counter = field(default_factory=Counter)  # read, check, load, finish

    def counts(self) -> dict[str, int]:
        return {
            "received": self.received,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }


def file_import(
    *,
    path: Path | str,
    kind: str,
    source: str = SyncRun.Source.FILE,
    name: str = "",
    triggered_by=None,
    run: SyncRun | None = None,
    chunk_rows: int = CHUNK_ROWS,
    dry_run: bool = False,
    on_progress: Callable[[int], None] | None = None,
    announce: bool = True,
) -> SyncRun:
    """Import ``path`` as a ``kind`` file and return its ``SyncRun`` (``run.totals`` has more detail).

    With ``dry_run`` everything is done and counted inside a transaction that is then rolled
    back, so nothing (not even the run) is kept. With ``announce=False`` no ``profile_changed``
    is sent, so nothing is recomputed and no open recommendation is completed from the file:
    for a first bulk load, followed by one ``manage.py recompute``.
    """
    if kind not in KINDS:
        raise ValueError(f"Unknown kind {kind!r}: expected one of {', '.join(KINDS)}.")
    if not dry_run:
        abandoned_imports_fail(now=timezone.now())
    with transaction.atomic() if dry_run else contextlib.nullcontext():
        run = _import(
            path=Path(path),
            kind=KINDS[kind],
            source=source,
            name=name,
            triggered_by=triggered_by,
            run=run,
            chunk_rows=chunk_rows,
            on_progress=on_progress,
            announce=announce,
        )
        if dry_run:
            transaction.set_rollback(True)
    return run


def _import(*, path, kind: Kind, source, name, triggered_by, run, chunk_rows, on_progress, announce) -> SyncRun:
    if run is None:
        run = SyncRun.objects.create(
            source=source,
            kind=kind.name,
            name=(name or path.name)[:300],
            triggered_by=triggered_by,
            heartbeat_at=timezone.now(),
        )
    else:  # an upload that was queued for the task worker, claimed by it (``tasks``), starts now
        _beat(run)
    totals = Totals()
    run.totals = totals
    try:
        table = table_for(path, name=run.name, limits=Limits.from_settings())
        _beat(run)  # a big file was read in a child process meanwhile
        header = kind.header_map(table.header)
        refs = Refs.load(kind=kind.name)
        if kind is PEOPLE:
            _people_ids_read(table, header=header, refs=refs, chunk_rows=chunk_rows)
    except (UnreadableFile, ValueError, DatabaseError) as exc:
        return _finish(run, totals, error=f"Nothing was imported: {_sentence(exc)}")

    present = set(header.values())
    people = (
        PeopleRun(refs=refs, today=timezone.localdate(), source=run.source, present=present, announce=announce)
        if kind is PEOPLE
        else None
    )
    checked = _checked_chunks(table, kind=kind, header=header, refs=refs, chunk_rows=chunk_rows)
    with _sqlite_cache():
        try:
            # People are checked against what earlier chunks created, so they cannot be checked ahead.
            for item in checked if people else _ahead(checked):
                totals.seconds["read"] += item.read_seconds
                totals.seconds["check"] += item.check_seconds
                _chunk_land(item, kind=kind, present=present, people=people, run=run, totals=totals, announce=announce)
                if on_progress:
                    on_progress(item.chunk.received)
            if not totals.received:
                return _finish(run, totals, error=f"Nothing was imported: {NO_DATA_ROWS}")
            if people is not None:
                _people_finish(people, run=run, totals=totals)
        except (DatabaseError, ValueError, OSError, UnreadableFile) as exc:
            landed = totals.received > 0
            reason = _reason(exc)  # first: it reconnects if the connection was lost
            if people is not None and landed:
                _people_finish_after_failure(people, run=run, totals=totals)
            where = f"at row {totals.last_line + 1}" if landed else "before any row was imported"
            what = (
                "The rows before it were imported (see the counts); the rest were not. Fix the problem and import the "
                "whole file again: rows already imported will count as unchanged."
                if landed
                else "Nothing was imported."
            )
            return _finish(run, totals, error=f"The import stopped {where}: {reason} {what}")
        except BaseException as exc:
            _finish(
                run, totals, error=f"The import stopped at row {totals.last_line + 1} on an internal error ({exc!r})."
            )
            raise
    return _finish(run, totals)


def _people_ids_read(table, *, header: dict[str, str], refs: Refs, chunk_rows: int) -> None:
    column = next(name for name, canonical in header.items() if canonical == "external_id")
    for chunk in table.chunks(chunk_rows, usecols=[column]):
        refs.in_file.update(collapse_whitespace(chunk.frame[column]).str.upper())
    refs.in_file.discard("")


@dataclass
class Checked:
    """One chunk after the checks: the good rows (duplicates merged) and the refused ones."""

    chunk: Chunk
    good: pd.DataFrame
    refused: pd.DataFrame  # line, reason
    superseded: int
    repeats: list[tuple[int, str]]  # notes on rows whose key an earlier row of the file had
    read_seconds: float
    check_seconds: float


def _checked_chunks(table, *, kind: Kind, header: dict[str, str], refs: Refs, chunk_rows: int) -> Iterator[Checked]:
    """Read and check chunk after chunk: pure pandas on the lookup dicts, no database."""
    chunks = table.chunks(chunk_rows)
    matches = PEOPLE_KEY if kind is PEOPLE else kind.target.matches
    repeated = RepeatedKeys(matches)
    while True:
        started = time.perf_counter()
        chunk = next(chunks, None)
        read_seconds = time.perf_counter() - started
        if chunk is None:
            return
        started = time.perf_counter()
        checker = Checker(chunk.frame.rename(columns=header), chunk.lines)
        rows = kind.check(checker, refs)
        rows["line"] = chunk.lines
        good = rows.loc[~checker.bad]
        superseded = duplicates_merged(good, matches)
        yield Checked(
            chunk,
            good.loc[~superseded],
            checker.rejections(),
            int(superseded.sum()),
            repeated.notes(good),
            read_seconds,
            time.perf_counter() - started,
        )


def _ahead(items: Iterator[Checked]) -> Iterator[Checked]:
    """``items``, produced one ahead in a thread: the next chunk is read and checked while this
    one is written (the database works outside the GIL, in its own process for PostgreSQL).

    The producer starts a chunk only once the consumer has taken the one before, so at most two
    chunks are alive at a time: memory stays flat however long the file.
    """
    handover: queue.Queue = queue.Queue(maxsize=1)
    may_start = threading.Semaphore(1)
    stop = threading.Event()
    end = object()

    def wait(step) -> bool:
        while not stop.is_set():
            if step():
                return True
        return False

    def produce():
        try:
            iterator = iter(items)
            while wait(lambda: may_start.acquire(timeout=0.1)):
                item = next(iterator, end)
                if not wait(lambda item=item: _put(handover, (item, None))) or item is end:
                    return
        except BaseException as exc:  # handed to the consumer, which raises it
            failure = (None, exc)
            wait(lambda: _put(handover, failure))

    producer = threading.Thread(target=produce, name="import-checker", daemon=True)
    producer.start()
    try:
        while True:
            item, exc = handover.get()
            may_start.release()
            if exc is not None:
                raise exc
            if item is end:
                return
            yield item
            del item
    finally:
        stop.set()
        producer.join()


def _put(handover: queue.Queue, item) -> bool:
    try:
        handover.put(item, timeout=0.1)
    except queue.Full:
        return False
    return True


def _chunk_land(
    item: Checked,
    *,
    kind: Kind,
    present: set[str],
    people: PeopleRun | None,
    run: SyncRun,
    totals: Totals,
    announce: bool,
) -> None:
    chunk, good, refused, superseded = item.chunk, item.good, item.refused, item.superseded
    started = time.perf_counter()
    with transaction.atomic():
        now = timezone.now()
        notes: list[tuple[int, str]] = []
        if people is not None:
            merged, changed_ids, notes = people_merge(good, run=people, now=now)
            model = Employee
        else:
            merged = chunk_merge(
                good, target=kind.target, now=now, source=run.source, written=kind.written_for(present)
            )
            if kind.after is not None:
                _after_merge(merged, kind.after(good))
            changed_ids = good.loc[good["line"].isin(merged.landed), "employee_id"].unique().astype(np.int64).tolist()
            model = kind.target.model
        rejections = [(int(line), reason) for line, reason in zip(refused["line"], refused["reason"], strict=True)]
        rejections += [*chunk.problems, *merged.refused]
        refused_lines = {line for line, _ in merged.refused}  # their reason says more than a merge note
        notes += [(line, note) for line, note in item.repeats if line not in refused_lines]
        totals.received += chunk.received
        totals.created += merged.created
        totals.updated += merged.updated
        totals.unchanged += merged.unchanged + superseded
        totals.merged += superseded
        totals.rejected += len(rejections)
        totals.notes += len(notes)
        totals.last_line = max(int(chunk.lines.max(initial=0)), *(line for line, _ in chunk.problems), totals.last_line)
        _rejections_store(sorted(rejections + notes), chunk=chunk, run=run, totals=totals)
        SyncRun.objects.filter(pk=run.pk).update(**totals.counts(), heartbeat_at=timezone.now())
        for action, count in ((LogEntry.Action.CREATE, merged.created), (LogEntry.Action.UPDATE, merged.updated)):
            if count:
                audit_bulk(
                    model=model,
                    action=action,
                    count=count,
                    actor=run.triggered_by,
                    detail={"sync_run": run.pk, "file": run.name},
                    summary=f"{kind.name} file import",
                )
        if announce:
            profile_changed_on_commit(employee_ids=changed_ids, what=kind.what, source=run.source)
        if people is not None and people.role_changed:
            if announce:
                profile_changed_on_commit(employee_ids=list(people.role_changed), what="role", source=run.source)
            people.role_changed.clear()
    landed_at = timezone.now()
    totals.seconds["load"] += time.perf_counter() - started
    if kind.event and len(merged.landed):
        events = good.loc[good["line"].isin(merged.landed), kind.event].dropna()
        totals.delays.add((pd.Timestamp(landed_at) - events).dt.total_seconds().to_numpy())


def _after_merge(merged, changed_lines: np.ndarray) -> None:
    """Lines a kind's ``after`` step changed count as updated (if the row itself was unchanged)."""
    newly = np.setdiff1d(changed_lines, merged.landed)
    merged.updated += len(newly)
    merged.unchanged -= len(newly)
    merged.landed = np.union1d(merged.landed, newly)


def _people_finish(people: PeopleRun, *, run: SyncRun, totals: Totals) -> None:
    started = time.perf_counter()
    with transaction.atomic():
        linked_ids, notes = people_finish(run=people)
        totals.notes += len(notes)
        _rejections_store(sorted(notes), chunk=None, run=run, totals=totals)
        if people.announce:
            profile_changed_on_commit(employee_ids=linked_ids, what="person", source=run.source)
    totals.seconds["finish"] += time.perf_counter() - started


def _people_finish_after_failure(people: PeopleRun, *, run: SyncRun, totals: Totals) -> None:
    """Give the people who did land their managers and org paths, if the database still lets us."""
    # If the database refuses this too, the run already says where it stopped; the next people
    # import rebuilds the org chart.
    with contextlib.suppress(DatabaseError):
        _people_finish(people, run=run, totals=totals)


def _rejections_store(rejections: list[tuple[int, str]], *, chunk: Chunk | None, run: SyncRun, totals: Totals) -> None:
    room = MAX_STORED_REJECTIONS - totals.stored
    if room <= 0 or not rejections:
        return
    kept = rejections[:room]
    positions = {int(line): position for position, line in enumerate(chunk.lines)} if chunk is not None else {}
    SyncRejection.objects.bulk_create(
        SyncRejection(run=run, line=line, reason=reason, raw=_raw(chunk, positions.get(line))) for line, reason in kept
    )
    totals.stored += len(kept)
    totals.first_rejections.extend(kept)


def _raw(chunk: Chunk | None, position: int | None) -> str:
    if chunk is None or position is None:
        return ""
    return ",".join(chunk.frame.iloc[position].astype(str))[:RAW_KEPT]


def _finish(run: SyncRun, totals: Totals, *, error: str = "") -> SyncRun:
    if error:
        status = SyncRun.Status.FAILED
    elif totals.rejected or totals.notes:
        status = SyncRun.Status.PARTIAL
    else:
        status = SyncRun.Status.SUCCEEDED
    values = {
        **totals.counts(),
        "status": status,
        "error": error,
        "finished_at": timezone.now(),
        "heartbeat_at": timezone.now(),
        "max_delay_seconds": totals.delays.max,
        "median_delay_seconds": totals.delays.median(),
    }
    SyncRun.objects.filter(pk=run.pk).update(**values)
    for attribute, value in values.items():
        setattr(run, attribute, value)
    run.totals = totals
    return run


def _beat(run: SyncRun) -> None:
    SyncRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now())


def abandoned_imports_fail(*, now) -> int:
    """Mark as failed the file imports still "running" that gave no sign of life for
    ``core.heartbeat.ABANDONED_AFTER``: their process died. Returns how many.

    An upload queued for the task worker is not running and is left alone, however long no worker
    runs: its task imports it when a worker takes it."""
    return silent_runs_fail(
        SyncRun.objects.all(),
        now=now,
        running=SyncRun.Status.RUNNING,
        failed=SyncRun.Status.FAILED,
        reason=(
            f"The import stopped without finishing: its process stopped (no sign of life for {silence_text()}). "
            "The rows it counts were imported; nothing of its unfinished chunk was applied. Import the whole file "
            "again: rows already imported will count as unchanged."
        ),
    )


def duration_text(seconds: float | None) -> str:
    """``5400`` -> ``"1.5 h"``; "" for no value."""
    if seconds is None:
        return ""
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} s"


def _reason(exc: BaseException) -> str:
    """Why the import stopped, in a sentence; says so when the database connection was lost (a
    restart, a failover, ``pg_terminate_backend``), and makes sure the next query connects again so
    the run can record it."""
    if isinstance(exc, DatabaseError) and not connection.in_atomic_block and not connection.is_usable():
        connection.close()
    if _connection_lost(exc):
        return f"the connection to the database was lost ({_sentence(exc).rstrip('.')})."
    return _sentence(exc)


def _connection_lost(exc: BaseException) -> bool:
    """PostgreSQL's "connection exception" and "operator intervention" classes (08, 57P), or a
    client-side failure with no SQLSTATE at all (the socket closed under psycopg)."""
    if connection.vendor != "postgresql" or not isinstance(exc, DatabaseError):
        return False
    state = getattr(exc.__cause__, "sqlstate", "") if exc.__cause__ is not None else ""
    return state is None or state.startswith(("08", "57P"))


def _sentence(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or exc.__class__.__name__
    return text if text.endswith((".", "?", "!")) else f"{text}."


class _sqlite_cache:
    """A bigger SQLite page cache for the import's connection, put back afterwards."""

    def __enter__(self):
        self.previous = None
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size")
                self.previous = cursor.fetchone()[0]
                cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        return self

    def __exit__(self, *exc_info):
        if self.previous is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {int(self.previous)}")
        return False
