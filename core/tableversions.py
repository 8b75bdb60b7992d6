"""A version per table that moves with every committed write to it, whoever writes and however.

A trigger on each table (``install``, run after every ``migrate``) adds one to the table's row in
``talent_table_version`` in the same transaction as the write: ``save()``, ``QuerySet.update()``,
``bulk_create``/``bulk_update``, raw SQL, COPY and TRUNCATE alike, and the new version becomes
visible exactly when the write does (a rolled-back write never moves it). What reads a version,
then the rows (``current`` before ``reading``), can store its result under that version: a version
read later differs as soon as any write has committed since.

* PostgreSQL: a statement-level trigger (one bump per statement, not per row: a COPY of a million
  rows costs one). A table has one or more slot rows and its version is their sum; the trigger
  takes a slot nobody else holds (``FOR UPDATE SKIP LOCKED``) and adds one, or adds a new slot when
  all are held. So two transactions writing the same tables never wait for each other nor
  deadlock on the version rows, however long they run (an import, a recompute's write), and the
  slots stay as few as the most concurrent writers of one table.
* SQLite (one writer at a time): a row-level trigger per event (SQLite has no statement triggers)
  updating the table's one row.

``reading`` records the tables a block of code reads (every statement through Django's connection,
and ``core.frames``' raw COPY reads, which bypass it), matched against the tables of the installed
models, so a page cached under the versions of what it read is complete by construction.
"""

import re
from contextlib import contextmanager
from contextvars import ContextVar

from django.apps import apps
from django.db import connection as default_connection

VERSION_TABLE = "talent_table_version"
FUNCTION = "talent_table_written"
# Written all the time and read by no cached page: sessions (every request with a changed session)
# and the task broker's queue (polled by the workers).
UNTRACKED_PREFIXES = ("django_session", "django_q_")

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_reading: ContextVar[set | None] = ContextVar("tables_reading", default=None)


def model_tables() -> set[str]:
    """The tables of every installed model, with the many-to-many tables Django creates."""
    tables = set()
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy and not model._meta.swapped:
            tables.add(model._meta.db_table)
    return tables


def tracked_tables() -> set[str]:
    return {table for table in model_tables() if not table.startswith(UNTRACKED_PREFIXES)}


def install(*, connection=default_connection) -> list[str]:
    """Create the version table and a trigger on every tracked table that lacks one; idempotent
    and cheap when nothing is missing (two catalogue queries). Returns the tables it added."""
    existing = set(connection.introspection.table_names())
    wanted = sorted(tracked_tables() & existing)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            return _install_postgresql(cursor, wanted)
        if connection.vendor == "sqlite":
            return _install_sqlite(cursor, wanted)
    raise NotImplementedError(f"table versions: no triggers written for {connection.vendor}")


def _install_postgresql(cursor, wanted: list[str]) -> list[str]:
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (id bigserial PRIMARY KEY, "
        "table_name varchar(128) NOT NULL, version bigint NOT NULL)"
    )
    cursor.execute(f"CREATE INDEX IF NOT EXISTS {VERSION_TABLE}_table ON {VERSION_TABLE} (table_name)")
    cursor.execute(
        f"""CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE slot bigint;
        BEGIN
            SELECT id INTO slot FROM {VERSION_TABLE} WHERE table_name = TG_TABLE_NAME
                LIMIT 1 FOR UPDATE SKIP LOCKED;
            IF slot IS NULL THEN
                INSERT INTO {VERSION_TABLE} (table_name, version) VALUES (TG_TABLE_NAME, 1);
            ELSE
                UPDATE {VERSION_TABLE} SET version = version + 1 WHERE id = slot;
            END IF;
            RETURN NULL;
        END $$"""  # noqa: S608 - our own names
    )
    cursor.execute(
        "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE t.tgname = %s AND c.relnamespace = to_regnamespace(current_schema())",
        [FUNCTION],
    )
    have = {name for (name,) in cursor.fetchall()}
    added = [table for table in wanted if table not in have]
    for table in added:
        cursor.execute(
            f'CREATE TRIGGER {FUNCTION} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}" '
            f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
        )
    _first_rows(cursor, added)
    return added


def _install_sqlite(cursor, wanted: list[str]) -> list[str]:
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (id integer PRIMARY KEY AUTOINCREMENT, "
        "table_name varchar(128) NOT NULL UNIQUE, version bigint NOT NULL)"
    )
    cursor.execute("SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s", [f"{FUNCTION}%"])
    have = {name for (name,) in cursor.fetchall()}
    added = [table for table in wanted if table not in have]
    for table in added:
        for event in ("INSERT", "UPDATE", "DELETE"):
            # SQLite drops a table's triggers with it (its schema editor remakes tables to alter
            # them): install runs after every migrate and puts them back.
            bump = f"UPDATE {VERSION_TABLE} SET version = version + 1 WHERE table_name = '{table}'"  # noqa: S608
            cursor.execute(
                f'CREATE TRIGGER IF NOT EXISTS "{FUNCTION}_{event.lower()}_{table}" AFTER {event} ON "{table}" '
                f"BEGIN {bump}; END"
            )
    _first_rows(cursor, added)
    return added


def _first_rows(cursor, tables: list[str]) -> None:
    """A row per table, so a table nobody wrote yet has a version (0) too."""
    for table in tables:
        cursor.execute(
            f"INSERT INTO {VERSION_TABLE} (table_name, version) SELECT %s, 0 "  # noqa: S608 - our table
            f"WHERE NOT EXISTS (SELECT 1 FROM {VERSION_TABLE} WHERE table_name = %s)",
            [table, table],
        )


def current(*, connection=default_connection) -> dict[str, int]:
    """Every tracked table's version, in one query. A table missing here has no trigger."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT table_name, SUM(version) FROM {VERSION_TABLE} GROUP BY table_name")  # noqa: S608
        return {table: int(version) for table, version in cursor.fetchall()}


@contextmanager
def reading(*, connection=default_connection):
    """Records the tables the block reads into the set it yields (nested blocks record into theirs
    and the outer one's)."""
    tables: set[str] = set()
    outer = _reading.get()
    token = _reading.set(tables)

    def record(execute, sql, params, many, context):
        note(sql)
        return execute(sql, params, many, context)

    try:
        with connection.execute_wrapper(record):
            yield tables
    finally:
        _reading.reset(token)
        if outer is not None:
            outer |= tables


_known: dict[str, set[str]] = {}


def note(sql: str) -> None:
    """Record the model tables ``sql`` names, when a ``reading`` block is open (``core.frames``
    calls it for the statements its raw cursor runs)."""
    tables = _reading.get()
    if tables is None:
        return
    if "tables" not in _known:
        _known["tables"] = model_tables()
    tables.update(_known["tables"].intersection(_IDENTIFIER.findall(sql)))
