"""Writes to people and the org chart."""

from django.core.exceptions import ValidationError
from django.db import transaction
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
                {"manager": f"{manager} reports to {employee}, so cannot also be their manager (that would make a loop)."}
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
    """Recompute ``org_path`` for everyone from the ``manager`` edges, in one read and bulk writes.

    Used after bulk loads (demo generator, HR imports) where rows arrive before their managers.
    A reporting loop in the data is broken at the point it is found (that person is treated as a
    top of tree) rather than looping forever. Returns how many paths changed.
    """
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
