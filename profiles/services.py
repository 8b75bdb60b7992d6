"""Writes to people and the org chart."""

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr

from .models import Employee


def _path_for(employee: Employee) -> str:
    parent_path = employee.manager.org_path if employee.manager_id else "/"
    return f"{parent_path}{employee.pk}/"


@transaction.atomic
def employee_set_manager(*, employee: Employee, manager: Employee | None) -> Employee:
    """Move ``employee`` (and everyone below them) under ``manager``.

    Refuses a move that would make someone their own manager at any depth.
    """
    if manager is not None:
        manager.refresh_from_db(fields=["org_path"])
        if manager.pk == employee.pk or (employee.org_path and manager.org_path.startswith(employee.org_path)):
            raise ValidationError(
                {
                    "manager": f"{manager} reports to {employee}, so cannot also be their manager (that would make a loop)."
                }
            )
    old_path = employee.org_path
    employee.manager = manager
    employee.org_path = _path_for(employee)
    employee.save(update_fields=["manager", "org_path"])
    if old_path and old_path != employee.org_path:
        Employee.objects.filter(org_path__startswith=old_path).exclude(pk=employee.pk).update(
            org_path=Concat(Value(employee.org_path), Substr("org_path", len(old_path) + 1))
        )
    return employee


def org_paths_rebuild() -> int:
    """Recompute ``org_path`` for everyone from the ``manager`` edges, in one statement.

    Used after bulk loads (demo generator, HR imports) where rows arrive before their managers.
    A recursive query walks down from every top of tree. People in a reporting loop are below
    no top, so the query cannot reach them; for those (bad data from an import) the loop is
    broken in Python where it is found. Returns how many paths changed.
    """
    table = Employee._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {table} SET org_path = tree.path FROM (
                WITH RECURSIVE walk(id, path) AS (
                    SELECT id, '/' || CAST(id AS TEXT) || '/' FROM {table} WHERE manager_id IS NULL
                    UNION ALL
                    SELECT e.id, walk.path || CAST(e.id AS TEXT) || '/' FROM {table} e JOIN walk ON e.manager_id = walk.id
                )
                SELECT id, path FROM walk
            ) AS tree
            WHERE {table}.id = tree.id AND {table}.org_path <> tree.path
            """  # noqa: S608 - the table name is ours
        )
        changed = cursor.rowcount
        cursor.execute(
            f"SELECT COUNT(*) FROM {table} e JOIN {table} m ON e.manager_id = m.id "  # noqa: S608
            f"WHERE e.org_path <> m.org_path || CAST(e.id AS TEXT) || '/'"
        )
        (inconsistent,) = cursor.fetchone()
    if inconsistent:
        changed += _org_paths_rebuild_breaking_loops()
    return changed


def _org_paths_rebuild_breaking_loops() -> int:
    rows = Employee.objects.values_list("pk", "manager_id", "org_path")
    manager_of = {}
    current = {}
    for pk, manager_id, path in rows.iterator(chunk_size=20_000):
        manager_of[pk] = manager_id
        current[pk] = path
    computed: dict[int, str] = {}
    for start in manager_of:
        chain = []
        node = start
        seen = set()
        while node is not None and node not in computed and node not in seen:
            seen.add(node)
            chain.append(node)
            node = manager_of.get(node)
        prefix = computed.get(node, "/") if node is not None and node not in seen else "/"
        for pk in reversed(chain):
            prefix = f"{prefix}{pk}/"
            computed[pk] = prefix
    changed = [Employee(pk=pk, org_path=path) for pk, path in computed.items() if current[pk] != path]
    Employee.objects.bulk_update(changed, ["org_path"], batch_size=5_000)
    return len(changed)
