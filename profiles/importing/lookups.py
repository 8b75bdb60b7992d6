"""The name -> id dicts a chunk is checked against, each loaded with one query per import.

Keys are normalised the way ``checks`` normalises cells: ids and names in upper case with
whitespace collapsed, e-mail addresses in lower case behind an ``@`` (so they cannot collide
with an employee number). A key naming two rows maps to ``AMBIGUOUS`` and is refused with a
reason, rather than picking one at random.
"""

from dataclasses import dataclass, field

from taxonomy.models import Role, Skill

from ..models import BusinessUnit, Employee
from .checks import AMBIGUOUS


def name_key(text: str) -> str:
    return " ".join(str(text).split()).upper()


def _add(mapping: dict[str, int], key: str, pk: int) -> None:
    if not key or key == "@":
        return
    current = mapping.get(key)
    mapping[key] = pk if current in (None, pk) else AMBIGUOUS


@dataclass
class Refs:
    employee_keys: dict[str, int] = field(default_factory=dict)  # "E123" and "@ann@example.com" -> pk
    roles: dict[str, int] = field(default_factory=dict)  # upper-cased title -> pk
    skills: dict[str, int] = field(default_factory=dict)  # upper-cased external id or name -> pk
    units: dict[str, int] = field(default_factory=dict)  # upper-cased business unit name -> pk
    in_file: set[str] = field(default_factory=set)  # people files: every external id the file holds

    @classmethod
    def load(cls, *, kind: str) -> "Refs":
        refs = cls()
        rows = Employee.objects.values_list("pk", "external_id", "email").order_by("pk")
        for pk, external_id, email in rows.iterator(chunk_size=20_000):
            refs.employee_add(pk=pk, external_id=external_id, email=email)
        if kind in ("people", "aspirations"):
            for pk, title in Role.objects.values_list("pk", "title").order_by("pk"):
                _add(refs.roles, name_key(title), pk)
        if kind == "people":
            for pk, name in BusinessUnit.objects.values_list("pk", "name").order_by("pk"):
                refs.units.setdefault(name_key(name), pk)  # the oldest unit wins, as in profiles.people
        if kind == "evidence":
            names: dict[str, int] = {}
            for pk, name, external_id in Skill.objects.values_list("pk", "name", "external_id").order_by("pk"):
                _add(names, name_key(name), pk)
                if external_id:
                    _add(refs.skills, name_key(external_id), pk)
            # An external id wins over a name that happens to read the same.
            refs.skills = {**names, **refs.skills}
        return refs

    def employee_add(self, *, pk: int, external_id: str, email: str = "") -> None:
        _add(self.employee_keys, name_key(external_id), pk)
        if email:
            _add(self.employee_keys, "@" + email.strip().lower(), pk)
