# ruff: noqa: S608 -- SQL here is built from table and column names (model metadata, constants),
# never from file contents; every value travels as a query parameter or through COPY.
"""People files: the HR extract of who works here, in which role and unit, and who they report to.

The rules are those of ``profiles.people`` (the SCIM route), applied to whole chunks at once:

* The external id is the key, matched without regard to case; names have their whitespace
  tidied, e-mail addresses are lower-cased. A column the file leaves out leaves that field as it is.
* A role title the taxonomy does not know leaves the role as it was and is noted for HR (the
  person is still imported). A different role closes the open ``RoleAssignment`` and appends one:
  a hire (from the hire date), a promotion (same job family, higher grade) or a lateral move
  (from today). History is never overwritten.
* A business unit named for the first time is created.
* Status ``left`` without a termination date keeps an earlier leaving date, else today; leavers'
  sign-in accounts are disabled and a return to ``active`` clears the leaving facts and enables it.
* Managers may appear later in the file than their reports. A manager known by the time the
  chunk lands is linked at once; the rest are linked after the last chunk (``people_finish``),
  a reporting loop is broken and noted, and ``org_paths_rebuild()`` recomputes the org chart.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import pandas as pd
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection

from taxonomy.models import Role

from ..models import BusinessUnit, Employee, RoleAssignment
from ..services import org_paths_rebuild
from .checks import AMBIGUOUS, Checker, collapse_whitespace, shown
from .kinds import Column, Kind
from .loaders import (
    STAGE,
    Match,
    Merged,
    Target,
    db_value,
    is_postgresql,
    q,
    same,
    stage_counts,
    stage_insert,
    stage_load,
    stage_match,
    staged,
)
from .lookups import Refs, name_key

LINKS = "import_manager_links"  # (manager id, employee id) pairs, for one UPDATE
STATUSES = {"active": "active", "left": "left", "inactive": "left", "terminated": "left", "leaver": "left"}
PERSON_COLUMNS = {
    "known_id": "bigint",
    "external_id": "text",
    "first_name": "text",
    "last_name": "text",
    "email": "text",
    "business_unit_id": "bigint",
    "role_id": "bigint",
    "role_keep": "bool",
    "hire_date": "date",
    "status": "text",
    "termination_date": "date",
    "voluntary_exit": "bool",
    "manager_id": "bigint",
    "manager_pending": "bool",
    "manager_key": "text",
    "role_note": "text",
}
# Columns written to the employee row; each comes from the header column named beside it.
WRITTEN = {
    "first_name": "first_name",
    "last_name": "last_name",
    "email": "email",
    "business_unit_id": "business_unit",
    "role_id": "role",
    "hire_date": "hire_date",
    "status": "status",
    "termination_date": "termination_date",
    "voluntary_exit": "voluntary_exit",
    "manager_id": "manager_external_id",
}
PEOPLE_KEY = (Match(("key",), label="external_id"),)  # duplicates in one file: the same external id, any case
EMPLOYEE_TARGET = Target(
    model=Employee,
    columns=PERSON_COLUMNS,
    written=tuple(WRITTEN),
    matches=(Match(("known_id",), table_columns=("id",)),),
    conflict=("external_id",),
    conflict_updates=False,
)


def check_people(check: Checker, refs: Refs) -> pd.DataFrame:
    external_id = check.text("external_id", required=True, max_length=100, collapse=True)
    key = external_id.str.upper()
    known_id = key.map(refs.employee_keys).astype(float)
    check.reject(
        (known_id == AMBIGUOUS).to_numpy(),
        lambda value: f"external_id {shown(value)} matches more than one employee (their ids differ only in case)",
        external_id,
    )
    email = check.text("email", max_length=254)
    if email is not None:
        email = email.str.lower()
        invalid = {address for address in email.unique() if address and not _is_email(address)}
        check.reject(
            email.isin(invalid).to_numpy(), lambda value: f"email {shown(value)} is not an e-mail address", email
        )
    manager_key = None
    if check.has("manager_external_id"):
        manager_key = collapse_whitespace(check.frame["manager_external_id"]).str.upper()
        known_somewhere = manager_key.isin(refs.employee_keys.keys()) | manager_key.isin(refs.in_file)
        check.reject(
            ((manager_key != "") & ~known_somewhere).to_numpy(),
            lambda value: (
                f"unknown manager {shown(value.strip())}: no employee has this external id and no row of this file either"
            ),
            check.frame["manager_external_id"],
        )
        check.reject(((manager_key != "") & (manager_key == key)).to_numpy(), "an employee cannot be their own manager")
    role_title = check.text("role", max_length=200, collapse=True)
    hire_date = check.date("hire_date")
    termination_date = check.date("termination_date")
    if hire_date is not None and termination_date is not None:
        check.reject((termination_date < hire_date).to_numpy(), "termination_date is before hire_date")
    status = check.choice("status", STATUSES)
    voluntary_exit = check.boolean("voluntary_exit")
    if status is not None:
        active = (status == "active").to_numpy()
        if termination_date is not None:
            check.reject(active & termination_date.notna().to_numpy(), "termination_date is given but status is active")
        if voluntary_exit is not None:
            check.reject(active & voluntary_exit.notna().to_numpy(), "voluntary_exit is given but status is active")

    n = len(check.frame)
    left = termination_date.notna() if termination_date is not None else pd.Series(False, index=range(n))
    if status is None:
        status = pd.Series(np.where(left, "left", "active"), dtype=object)
    else:
        status = status.where(status.notna(), pd.Series(np.where(left, "left", "active"), dtype=object))
    role_id = role_title.str.upper().map(refs.roles).astype(float) if role_title is not None else None
    role_unknown = (role_title != "") & (role_id.isna() | (role_id == AMBIGUOUS)) if role_title is not None else None
    unit = check.text("business_unit", max_length=120, collapse=True)
    return pd.DataFrame(
        {
            "key": key,
            "known_id": known_id.where(known_id != AMBIGUOUS),
            "external_id": external_id,
            "first_name": check.text("first_name", required=True, max_length=100, collapse=True),
            "last_name": check.text("last_name", required=True, max_length=100, collapse=True),
            "email": email if email is not None else "",
            "business_unit": unit if unit is not None else "",
            "role_id": role_id.where(~role_unknown) if role_id is not None else np.nan,
            "role_keep": role_unknown if role_unknown is not None else False,
            "role_note": role_title.where(role_unknown, None) if role_title is not None else None,
            "hire_date": hire_date if hire_date is not None else pd.NaT,
            "status": status,
            "termination_date": termination_date if termination_date is not None else pd.NaT,
            "voluntary_exit": voluntary_exit if voluntary_exit is not None else None,
            "manager_key": manager_key.where(manager_key != "", None) if manager_key is not None else None,
        }
    )


def _is_email(address: str) -> bool:
    try:
        validate_email(address)
    except ValidationError:
        return False
    return True


PEOPLE = Kind(
    name="people",
    label="People (HR extract: names, managers, roles, business units)",
    columns=(
        Column("external_id", required=True, aliases=("employee_number", "employee_external_id")),
        Column("first_name", required=True),
        Column("last_name", required=True),
        Column("email"),
        Column("manager_external_id", aliases=("manager", "manager_id")),
        Column("business_unit", aliases=("department",)),
        Column("role", aliases=("title", "role_title", "job_title")),
        Column("hire_date"),
        Column("status"),
        Column("termination_date"),
        Column("voluntary_exit"),
    ),
    check=check_people,
    what="person",
)


@dataclass
class PeopleRun:
    """What a people import carries from chunk to chunk until ``people_finish``."""

    refs: Refs
    today: date
    source: str
    present: set[str]
    announce: bool = True  # send profile_changed (file_import's announce)
    pending: list[tuple[int, str, int]] = field(default_factory=list)  # (employee id, manager key, line)
    linked: dict[int, int] = field(default_factory=dict)  # employee id -> line, for rows that set a manager
    role_changed: set[int] = field(default_factory=set)


def people_merge(
    rows: pd.DataFrame, *, run: PeopleRun, now: datetime
) -> tuple[Merged, list[int], list[tuple[int, str]]]:
    """Land one chunk of checked people; returns the counts, the ids of people created or
    changed, and notes (line, sentence) for HR about what was accepted but not applied."""
    merged = Merged()
    notes: list[tuple[int, str]] = []
    if rows.empty:
        return merged, [], notes
    rows = rows.copy()
    rows["business_unit_id"] = _units_for(rows["business_unit"], refs=run.refs)
    manager_ids = rows["manager_key"].map(run.refs.employee_keys) if "manager_external_id" in run.present else None
    rows["manager_id"] = manager_ids.astype(float) if manager_ids is not None else np.nan
    rows["manager_pending"] = (
        rows["manager_key"].notna() & rows["manager_id"].isna() if manager_ids is not None else False
    )
    absent = [column for column, header in WRITTEN.items() if header not in run.present]
    with connection.cursor() as cursor, staged(cursor, PERSON_COLUMNS):
        stage_load(cursor, rows, PERSON_COLUMNS)
        _keep_what_the_file_leaves_out(cursor, absent=absent)
        if "status" in run.present:
            _leaving_rules(cursor, today=run.today)
        pending_test = "NOT {s}.manager_pending" if "manager_external_id" in run.present else ""
        stage_match(cursor, EMPLOYEE_TARGET, EMPLOYEE_TARGET.matches[0], compared=tuple(WRITTEN), also=pending_test)
        counts = stage_counts(cursor)
        merged.created, merged.updated, merged.unchanged = (
            counts.get("c", 0),
            counts.get("u", 0),
            counts.get("n", 0),
        )
        notes = _role_notes(cursor)
        changed_ids: list[int] = []
        if merged.updated:
            changed_ids += _update_existing(cursor, run=run, now=now)
        if merged.created:
            created = stage_insert(
                cursor,
                EMPLOYEE_TARGET,
                columns=(
                    "external_id",
                    "first_name",
                    "last_name",
                    "email",
                    "business_unit_id",
                    "role_id",
                    "hire_date",
                    "status",
                    "termination_date",
                    "voluntary_exit",
                    "manager_id",
                ),
                constants={"org_path": "", "cohort": "", "updated_at": now},
                returning="id, external_id",
            )
            for pk, external_id in created:
                run.refs.employee_add(pk=pk, external_id=external_id)
                changed_ids.append(pk)
            _hire_assignments(cursor, run=run)
        _link_managers(cursor, run=run)
    return merged, changed_ids, notes


def _units_for(names: pd.Series, *, refs: Refs) -> pd.Series:
    """Business unit ids for ``names``, creating the units named for the first time."""
    keys = names.map(name_key)
    for key, name in zip(keys, names, strict=True):
        if name and key not in refs.units:
            unit = BusinessUnit.objects.filter(name__iexact=name).order_by("pk").first()
            if unit is None:
                unit = BusinessUnit(name=name)
                unit.full_clean()
                unit.save()
            refs.units[key] = unit.pk
    return keys.map(refs.units).astype(float)


def _keep_what_the_file_leaves_out(cursor, *, absent: list[str]) -> None:
    """Existing people keep the fields the file has no column for, and the role when the title is unknown."""
    assignments = [f"{q(column)} = t.{q(column)}" for column in absent]
    if "role_id" not in absent:
        assignments.append(f"role_id = CASE WHEN {STAGE}.role_keep THEN t.role_id ELSE {STAGE}.role_id END")
    cursor.execute(
        f"UPDATE {STAGE} SET {', '.join(assignments)} FROM {q(Employee._meta.db_table)} AS t WHERE t.id = {STAGE}.known_id"
    )


def _leaving_rules(cursor, *, today: date) -> None:
    """A leaver without a date keeps an earlier leaving date, else leaves today; a return clears both facts."""
    employees = q(Employee._meta.db_table)
    cursor.execute(
        f"UPDATE {STAGE} SET termination_date = COALESCE((SELECT t.termination_date FROM {employees} AS t "
        f"WHERE t.id = {STAGE}.known_id AND t.status = 'left'), %s) WHERE status = 'left' AND termination_date IS NULL",
        [db_value(today)],
    )
    cursor.execute(f"UPDATE {STAGE} SET termination_date = NULL, voluntary_exit = NULL WHERE status = 'active'")


def _role_notes(cursor) -> list[tuple[int, str]]:
    employees = q(Employee._meta.db_table)
    roles = q(Role._meta.db_table)
    cursor.execute(
        f"SELECT s.line, s.role_note, s.first_name, s.last_name, r.title FROM {STAGE} AS s "
        f"LEFT JOIN {employees} AS t ON t.id = s.target_id LEFT JOIN {roles} AS r ON r.id = t.role_id "
        "WHERE s.role_keep ORDER BY s.line"
    )
    notes = []
    for line, title, first_name, last_name, kept in cursor.fetchall():
        outcome = f"kept as “{kept}”" if kept else "left empty"
        notes.append(
            (
                line,
                f"The title “{title}” matches no role in the taxonomy, so {first_name} {last_name}'s role was {outcome}.",
            )
        )
    return notes


def _update_existing(cursor, *, run: PeopleRun, now: datetime) -> list[int]:
    """Role history, leaving and returning, then the rows themselves; returns the changed ids."""
    employees, assignments = q(Employee._meta.db_table), q(RoleAssignment._meta.db_table)
    roles = q(Role._meta.db_table)
    today = db_value(run.today)
    role_moved = f"NOT ({same('t.role_id', 's.role_id')})"
    cursor.execute(
        f"SELECT s.target_id FROM {STAGE} AS s JOIN {employees} AS t ON t.id = s.target_id WHERE s.state = 'u' AND {role_moved}"
    )
    moved = [pk for (pk,) in cursor.fetchall()]
    if moved:
        run.role_changed.update(moved)
        cursor.execute(
            f"UPDATE {assignments} AS a SET end_date = %s FROM {STAGE} AS s JOIN {employees} AS t ON t.id = s.target_id "
            f"WHERE a.employee_id = s.target_id AND a.end_date IS NULL AND s.state = 'u' AND {role_moved} "
            "AND (s.role_id IS NULL OR a.role_id <> s.role_id)",
            [today],
        )
        cursor.execute(
            f"INSERT INTO {assignments} (employee_id, role_id, business_unit_id, kind, start_date, end_date, source) "
            f"SELECT s.target_id, s.role_id, s.business_unit_id, CASE WHEN old.id IS NOT NULL AND old.family_id = new.family_id "
            f"AND new.grade > old.grade THEN '{RoleAssignment.Kind.PROMOTION}' ELSE '{RoleAssignment.Kind.LATERAL}' END, "
            f"%s, NULL, %s FROM {STAGE} AS s JOIN {employees} AS t ON t.id = s.target_id "
            f"JOIN {roles} AS new ON new.id = s.role_id LEFT JOIN {roles} AS old ON old.id = t.role_id "
            f"WHERE s.state = 'u' AND {role_moved} "
            "ON CONFLICT (employee_id, role_id, start_date) DO UPDATE SET end_date = NULL",
            [today, run.source],
        )
    cursor.execute(
        f"SELECT s.target_id, s.status FROM {STAGE} AS s JOIN {employees} AS t ON t.id = s.target_id "
        "WHERE s.state = 'u' AND t.status <> s.status"
    )
    status_moves = cursor.fetchall()
    written = [column for column in WRITTEN if column != "manager_id"]
    sets = [f"{q(column)} = s.{q(column)}" for column in written]
    sets.append("manager_id = CASE WHEN s.manager_pending THEN t.manager_id ELSE s.manager_id END")
    cursor.execute(
        f"UPDATE {employees} AS t SET {', '.join(sets)}, updated_at = %s FROM {STAGE} AS s "
        "WHERE t.id = s.target_id AND s.state = 'u'",
        [db_value(now)],
    )
    users = get_user_model().objects
    left = [pk for pk, status in status_moves if status == Employee.Status.LEFT]
    back = [pk for pk, status in status_moves if status == Employee.Status.ACTIVE]
    if left:
        users.filter(employee__pk__in=left, is_active=True).update(is_active=False)
    if back:
        users.filter(employee__pk__in=back, is_active=False).update(is_active=True)
    cursor.execute(f"SELECT target_id FROM {STAGE} WHERE state = 'u'")
    return [pk for (pk,) in cursor.fetchall()]


def _hire_assignments(cursor, *, run: PeopleRun) -> None:
    employees, assignments = q(Employee._meta.db_table), q(RoleAssignment._meta.db_table)
    today = db_value(run.today)
    cursor.execute(
        f"INSERT INTO {assignments} (employee_id, role_id, business_unit_id, kind, start_date, end_date, source) "
        f"SELECT e.id, s.role_id, s.business_unit_id, '{RoleAssignment.Kind.HIRE}', COALESCE(s.hire_date, %s), NULL, %s "
        f"FROM {STAGE} AS s JOIN {employees} AS e ON e.external_id = s.external_id "
        "WHERE s.state = 'c' AND s.role_id IS NOT NULL ON CONFLICT (employee_id, role_id, start_date) DO NOTHING",
        [today, run.source],
    )


def _link_managers(cursor, *, run: PeopleRun) -> None:
    """Link the managers that were new in this chunk; keep the rest for ``people_finish``."""
    if "manager_external_id" not in run.present:
        return
    cursor.execute(
        f"SELECT line, key_id, manager_key, manager_pending FROM ({_stage_with_ids()}) AS x WHERE manager_key IS NOT NULL"
    )
    links = []
    for line, employee_id, manager_key, pending in cursor.fetchall():
        run.linked[employee_id] = line
        if pending:
            manager_id = run.refs.employee_keys.get(manager_key)
            if manager_id is None:
                run.pending.append((employee_id, manager_key, line))
            else:
                links.append((manager_id, employee_id))
    _managers_set(cursor, links)


def _stage_with_ids() -> str:
    employees = q(Employee._meta.db_table)
    return (
        f"SELECT s.line, COALESCE(s.target_id, e.id) AS key_id, s.manager_key, s.manager_pending FROM {STAGE} AS s "
        f"LEFT JOIN {employees} AS e ON s.target_id IS NULL AND e.external_id = s.external_id"
    )


def _managers_set(cursor, links: list[tuple[int, int]]) -> None:
    """Set each (manager id, employee id) pair in one set-based UPDATE, through a temporary table
    (COPY on PostgreSQL): one UPDATE per person took most of a 100,000-person import."""
    if not links:
        return
    employees = q(Employee._meta.db_table)
    cursor.execute(f"DROP TABLE IF EXISTS {LINKS}")
    cursor.execute(f"CREATE TEMPORARY TABLE {LINKS} (employee_id bigint PRIMARY KEY, manager_id bigint NOT NULL)")
    try:
        if is_postgresql():
            with cursor.cursor.copy(f"COPY {LINKS} (manager_id, employee_id) FROM STDIN") as copy:
                for pair in links:
                    copy.write_row(pair)
        else:
            cursor.executemany(f"INSERT INTO {LINKS} (manager_id, employee_id) VALUES (%s, %s)", links)
        cursor.execute(
            f"UPDATE {employees} SET manager_id = l.manager_id FROM {LINKS} AS l WHERE {employees}.id = l.employee_id"
        )
    finally:
        cursor.execute(f"DROP TABLE IF EXISTS {LINKS}")


def people_finish(*, run: PeopleRun) -> tuple[list[int], list[tuple[int, str]]]:
    """After the last chunk: link the managers that came later in the file, break reporting loops,
    rebuild the org chart. Returns the ids whose manager was set here and notes for HR."""
    notes: list[tuple[int, str]] = []
    links = []
    for employee_id, manager_key, line in run.pending:
        manager_id = run.refs.employee_keys.get(manager_key)
        if manager_id is None:
            notes.append(
                (
                    line,
                    f"The manager {manager_key} was not imported (that row was refused), so this person has no manager yet.",
                )
            )
        else:
            links.append((manager_id, employee_id))
    with connection.cursor() as cursor:
        _managers_set(cursor, links)
        notes += _loops_broken(cursor, run=run)
    org_paths_rebuild()
    return [employee_id for _, employee_id in links], notes


def _loops_broken(cursor, *, run: PeopleRun) -> list[tuple[int, str]]:
    """A reporting loop in the data (A reports to B, B to A) is cut where this file closed it."""
    if not run.linked:
        return []
    manager_of = dict(
        Employee.objects.filter(manager__isnull=False).values_list("pk", "manager_id").iterator(chunk_size=20_000)
    )
    notes, cut = [], []
    settled: set[int] = set()
    for start in run.linked:
        path: list[int] = []
        seen: set[int] = set()
        node = start
        while node is not None and node not in settled and node not in seen:
            seen.add(node)
            path.append(node)
            node = manager_of.get(node)
        in_this_file = [pk for pk in path[path.index(node) :] if pk in run.linked] if node in seen else []
        if in_this_file:  # a loop the database had already is for org_paths_rebuild() to break
            loop = path[path.index(node) :]
            culprit = max(in_this_file, key=run.linked.get)
            manager_of.pop(culprit)
            cut.append(culprit)
            names = dict(Employee.objects.filter(pk__in=loop).values_list("pk", "external_id"))
            chain = " → ".join(names[pk] for pk in [*loop, loop[0]])
            notes.append(
                (
                    run.linked[culprit],
                    f"Reporting loop {chain} (each reports to the next): {names[culprit]} was left without a manager.",
                )
            )
        settled.update(path)
    if cut:
        Employee.objects.filter(pk__in=cut).update(manager=None)
    return notes
