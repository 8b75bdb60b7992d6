"""Storing a delivery of xAPI statements: the raw statement, and a learning record where one is due.

1. Validate every statement (all or nothing: one bad statement refuses the whole delivery).
2. A statement id seen before is not stored twice: the same content again is a no-op, different
   content under the same id is a conflict (xAPI 1.0.3, "Statement immutability").
3. Match each actor to an employee: ``mbox`` by e-mail (case-insensitive), ``account.name`` by
   employee number (``Employee.external_id``; ``account.homePage`` is not checked).
4. Store the new statements; the learning verbs make a ``LearningRecord`` through
   ``profiles.recording`` keyed ``xapi:<statement id>``. An actor nobody matches is stored but
   makes no record: the delivery's ``SyncRun`` gets a rejection naming the actor for HR.
5. Record the ``SyncRun`` (with the delay from each statement's timestamp to now) and tell
   ``profile_changed`` after commit.
"""

import json
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from profiles.models import Credential, Employee, SyncRun, XapiStatement
from profiles.recording import Outcome, Tally, learning_record_upsert, sync_run_record
from profiles.signals import profile_changed_on_commit

from .statements import Statement, StatementError, parse_statement, same_statement


class StatementConflict(Exception):
    """A statement id already stored with different content."""


@dataclass
class Delivery:
    ids: list[uuid.UUID]
    run: SyncRun


def _parse_all(payload, *, statement_id: uuid.UUID | None) -> list[Statement]:
    many = isinstance(payload, list)
    statements = []
    for index, raw in enumerate(payload if many else [payload]):
        try:
            statements.append(parse_statement(raw, statement_id=statement_id))
        except StatementError as error:
            raise StatementError(f"statement {index + 1}: {error}" if many else str(error)) from None
    ids = [statement.id for statement in statements]
    if len(set(ids)) != len(ids):
        raise StatementError("the delivery contains the same statement id more than once.")
    return statements


def _new_statements(statements: list[Statement]) -> list[Statement]:
    """Those not stored yet; raises StatementConflict for an id stored with other content."""
    stored = dict(XapiStatement.objects.filter(pk__in=[s.id for s in statements]).values_list("pk", "statement"))
    new = []
    for statement in statements:
        if statement.id not in stored:
            new.append(statement)
        elif not same_statement(stored[statement.id], statement.raw):
            raise StatementConflict(f"statement {statement.id} was already stored with different content.")
    return new


def _employees_for(statements: list[Statement]) -> tuple[dict[str, list[Employee]], dict[str, Employee]]:
    emails = {s.email for s in statements if s.email}
    accounts = {s.account_name for s in statements if s.account_name}
    by_email: dict[str, list[Employee]] = {}
    if emails:
        for employee in Employee.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=emails):
            by_email.setdefault(employee.email_lower, []).append(employee)
    by_account = {e.external_id: e for e in Employee.objects.filter(external_id__in=accounts)} if accounts else {}
    return by_email, by_account


def _employee_or_reason(statement: Statement, by_email, by_account) -> tuple[Employee | None, str]:
    if statement.account_name:
        employee = by_account.get(statement.account_name)
        return employee, "" if employee else f"no employee with employee number {statement.account_name}"
    if statement.email:
        matches = by_email.get(statement.email, [])
        if len(matches) == 1:
            return matches[0], ""
        if matches:
            return (
                None,
                f"{len(matches)} employees share the e-mail {statement.email}; fix the duplicate in the HR data",
            )
        return None, f"no employee with e-mail {statement.email}"
    return None, f"the actor ({statement.actor_description}) cannot be matched to an employee"


def _store(statements: list[Statement], *, credential: Credential, tally: Tally) -> set[int]:
    """Store the new statements and their learning records; returns the changed employees' ids."""
    learning = [s for s in statements if s.learning_status]
    by_email, by_account = _employees_for(learning)
    now = timezone.now()
    changed: set[int] = set()
    rows = []
    for line, statement in enumerate(statements, start=1):
        record = None
        if statement.learning_status:
            employee, reason = _employee_or_reason(statement, by_email, by_account)
            if employee is None:
                tally.reject(line=line, reason=f"Statement {statement.id}: {reason}.", raw=json.dumps(statement.raw))
            else:
                event_at = statement.timestamp or now
                finished = statement.learning_status != "in_progress"
                record, outcome = learning_record_upsert(
                    employee=employee,
                    activity_id=statement.activity_id,
                    title=statement.title,
                    status=statement.learning_status,
                    source=SyncRun.Source.XAPI,
                    external_id=f"xapi:{statement.id}",
                    provider=credential.name[:120],
                    started_at=None if finished else event_at,
                    completed_at=event_at if finished else None,
                    score=statement.score,
                    minutes=statement.minutes,
                )
                tally.add(outcome, event_at=statement.timestamp, now=now)
                if outcome is not Outcome.UNCHANGED:
                    changed.add(employee.pk)
        rows.append(
            XapiStatement(id=statement.id, statement=statement.raw, credential=credential, learning_record=record)
        )
    XapiStatement.objects.bulk_create(rows)
    return changed


def _lost_a_race(error: Exception) -> bool:
    if isinstance(error, IntegrityError):
        return True
    codes = [e.code for errors in getattr(error, "error_dict", {}).values() for e in errors]
    return bool(codes) and all(code == "unique" for code in codes)


def statements_receive(*, payload, credential: Credential, statement_id: uuid.UUID | None = None) -> Delivery:
    """Store one delivery (a statement or a list); see the module docstring for the steps.

    Raises ``StatementError`` (400) or ``StatementConflict`` (409) and stores nothing then,
    but the refused delivery is still recorded as a failed ``SyncRun`` for HR to see.
    """
    received = len(payload) if isinstance(payload, list) else 1
    try:
        statements = _parse_all(payload, statement_id=statement_id)
        for attempt in range(2):
            tally = Tally(received=received)
            try:
                with transaction.atomic():
                    new = _new_statements(statements)
                    tally.unchanged += len(statements) - len(new)
                    changed = _store(new, credential=credential, tally=tally)
                    run = _record(credential=credential, tally=tally)
                    profile_changed_on_commit(employee_ids=changed, what="learning", source=SyncRun.Source.XAPI)
                break
            except (IntegrityError, ValidationError) as error:
                # Another request stored one of these ids between our check and our insert (the
                # database refuses the insert, or the learning record's unique check sees the
                # other's committed row first): the second attempt sees it and treats it as a
                # resend (or a conflict). talent/tests/test_faults.py sends the same one at once.
                if attempt or not _lost_a_race(error):
                    raise
    except (StatementError, StatementConflict) as error:
        delivery_refuse(credential=credential, received=received, error=str(error))
        raise
    return Delivery(ids=[statement.id for statement in statements], run=run)


def delivery_refuse(*, credential: Credential, received: int, error: str) -> SyncRun:
    """Record a delivery refused whole (bad JSON, an invalid statement, a conflict)."""
    return _record(credential=credential, tally=Tally(received=received), error=error)


def _record(*, credential: Credential, tally: Tally, error: str = "") -> SyncRun:
    return sync_run_record(
        source=SyncRun.Source.XAPI,
        kind="learning",
        tally=tally,
        name=credential.name,
        triggered_by=credential.user,
        error=error,
    )


def statement_for_output(row: XapiStatement, *, authority_home: str) -> dict:
    """The stored statement as the LRS returns it: with ``stored``, ``authority`` and defaults set."""
    statement = dict(row.statement)
    stored = row.stored_at.isoformat()
    statement["stored"] = stored
    statement.setdefault("timestamp", stored)
    statement.setdefault("version", "1.0.0")
    if row.credential is not None:
        statement["authority"] = {
            "objectType": "Agent",
            "name": row.credential.name,
            "account": {"homePage": authority_home, "name": row.credential.key},
        }
    return statement
