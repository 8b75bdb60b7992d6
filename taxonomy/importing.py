"""Load the skills taxonomy from a folder of CSV files: the service behind ``import_taxonomy``.

``taxonomy_plan`` reads and validates every file and diffs it against the database in memory:
one query per table loads what exists, so 15,000 skills cost the same handful of queries as
fifteen. Any bad row anywhere raises ``TaxonomyImportError`` listing every problem found.
``taxonomy_write`` then writes the plan in batches, in one transaction. Nothing is ever deleted:
rows missing from the files stay as they are. docs/data-formats.md describes the files for HR.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import connections, models, router, transaction
from django.utils.text import slugify

from core.readers import NO_DATA_ROWS, UnreadableFile, csv_records

from .models import (
    BehaviouralAnchor,
    JobFamily,
    MobilityKind,
    MobilityPath,
    Role,
    RoleRequirement,
    Skill,
    SkillCategory,
    SkillKind,
)
from .signals import taxonomy_written
from .validators import _whole_number, parse_bool, validate_different_roles, validate_importance, validate_level

FILES: dict[str, tuple[str, ...]] = {
    "skills.csv": ("name", "category", "kind", "description", "external_id"),
    "roles.csv": ("title", "family", "grade"),
    "requirements.csv": ("role", "skill", "target_level", "importance", "core"),
    "mobility.csv": ("from_role", "to_role", "kind"),
    "anchors.csv": ("skill", "level", "description"),
}
OPTIONAL_FILES = frozenset({"anchors.csv"})
MAX_ERRORS_SHOWN = 50
BATCH_SIZE = 500
GRADE_MAX = 32767  # the ceiling of a PositiveSmallIntegerField on every database Django supports


def normalise(text: str) -> str:
    """Trim and collapse runs of whitespace: ``"  Data   analysis "`` -> ``"Data analysis"``."""
    return " ".join(text.split())


@dataclass(frozen=True)
class RowError:
    file: str
    line: int | None
    message: str
    column: str | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}, line {self.line}"
        return f"{where}{f' ({self.column})' if self.column else ''}: {self.message}"


class TaxonomyImportError(Exception):
    """The files were rejected; ``errors`` holds every problem found, in file and line order."""

    def __init__(self, errors: list[RowError]):
        order = list(FILES)
        self.errors = sorted(errors, key=lambda error: (order.index(error.file), error.line or 0))
        super().__init__(self.summary())

    def summary(self, *, limit: int = MAX_ERRORS_SHOWN) -> str:
        lines = [f"  {error}" for error in self.errors[:limit]]
        if len(self.errors) > limit:
            lines.append(f"  ... and {len(self.errors) - limit} more.")
        return "\n".join(lines)


@dataclass
class TablePlan:
    """What the import will do to one table: rows to create, rows to update, how many already match."""

    label: str
    model: type[models.Model]
    update_fields: tuple[str, ...] = ()
    create: list[models.Model] = field(default_factory=list)
    update: list[models.Model] = field(default_factory=list)
    unchanged: int = 0
    changes: list[str] = field(default_factory=list)  # one line per updated row, for --verbosity 2


@dataclass
class TaxonomyPlan:
    tables: list[TablePlan]  # in write order: a table's foreign keys point only at tables before it
    rows_read: dict[str, int]
    external_ids_to_clear: list[int]

    @property
    def rows_to_write(self) -> int:
        return sum(len(table.create) + len(table.update) for table in self.tables)


@dataclass(frozen=True)
class _Row:
    file: str
    line: int
    values: dict[str, str]


def _read_csv(*, path: Path, errors: list[RowError]) -> list[_Row] | None:
    """The data rows of one file with the physical line each starts on (the header is line 1),
    or None when the file as a whole is unusable: missing, not UTF-8, empty, a wrong header, or a
    quote that is never closed (``csv_records``, the CSV reading rules the profile imports share)."""
    name, expected = path.name, FILES[path.name]
    if not path.is_file():
        if name in OPTIONAL_FILES:
            return []
        errors.append(RowError(name, None, f"file not found: expected {path} with the header {','.join(expected)}."))
        return None
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problem = f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x} cannot be read)"
        errors.append(RowError(name, line, f'{problem}. Save it as "CSV UTF-8" and try again.'))
        return None
    header: list[str] | None = None
    rows = []
    try:
        for line, record in csv_records(text):
            if not any(value.strip() for value in record):
                continue
            if header is None:
                header = [column.strip().lower() for column in record]
                if sorted(header) != sorted(expected):
                    errors.append(RowError(name, line, _header_problem(header=header, expected=expected)))
                    return None
            elif len(record) != len(header):
                found = f"expected {len(header)} values ({','.join(header)}), found {len(record)}"
                errors.append(RowError(name, line, f"{found}. Quote any value that contains a comma."))
            else:
                rows.append(_Row(name, line, dict(zip(header, record, strict=True))))
    except UnreadableFile as exc:
        errors.append(RowError(name, None, str(exc)))
        return None
    if header is None:
        errors.append(
            RowError(name, None, f"the file is empty; its first line must be the header {','.join(expected)}.")
        )
        return None
    return rows


def _header_problem(*, header: list[str], expected: tuple[str, ...]) -> str:
    missing = [column for column in expected if column not in header]
    unexpected = [column for column in header if column not in expected]
    repeated = sorted({column for column in header if header.count(column) > 1})
    named = (("missing", missing), ("unexpected", unexpected), ("repeated", repeated))
    details = "; ".join(
        f"{label}: {', '.join(c or '(a blank column)' for c in columns)}" for label, columns in named if columns
    )
    return f"the header must be exactly {','.join(expected)} ({details})."


class _NameIndex:
    """Rows by normalised, case-insensitive name; an exact spelling wins over a case-only match."""

    def __init__(self, entries: Iterable[tuple[str, models.Model]]):
        self._exact: dict[str, models.Model] = {}
        self._folded: dict[str, list[models.Model]] = defaultdict(list)
        for name, obj in entries:
            self._exact[normalise(name)] = obj
            self._folded[normalise(name).casefold()].append(obj)

    def candidates(self, name: str) -> list[models.Model]:
        name = normalise(name)
        return [self._exact[name]] if name in self._exact else self._folded.get(name.casefold(), [])


class _FoundOrNew:
    """Skill categories and job families: matched by name, created when the files name a new one."""

    def __init__(self, table: TablePlan):
        self.table = table
        self._index = _NameIndex((obj.name, obj) for obj in table.model.objects.order_by("pk"))
        self._seen: dict[str, models.Model] = {}

    def get(self, name: str) -> models.Model:
        key = name.casefold()
        if key not in self._seen:
            matches = self._index.candidates(name)  # of two names differing only in case, the older wins
            self._seen[key] = matches[0] if matches else self.table.model(name=name)
            if matches:
                self.table.unchanged += 1
            else:
                self.table.create.append(self._seen[key])
        return self._seen[key]


def _fields(obj: models.Model, names: Iterable[str]) -> dict[str, object]:
    return {name: getattr(obj, name) for name in names}


def _describe(before: dict[str, object], after: dict[str, object]) -> str:
    """``"target_level 3 -> 4, description"``: short values are shown, long ones only named."""
    parts = []
    for name, new in after.items():
        if before[name] != new:
            label, old = name.removesuffix("_id"), before[name]
            short = len(repr(old)) + len(repr(new)) <= 60 and not name.endswith("_id")  # ids mean nothing to HR
            parts.append(f"{label} {old!r} -> {new!r}" if short else label)
    return ", ".join(parts)


class _Planner:
    """Validates the files row by row and diffs them against the database (see ``taxonomy_plan``)."""

    def __init__(self, files: dict[str, list[_Row]], errors: list[RowError]):
        self.files, self.errors = files, errors
        self.categories = _FoundOrNew(TablePlan("skill categories", SkillCategory))
        self.families = _FoundOrNew(TablePlan("job families", JobFamily))
        self.skills = TablePlan("skills", Skill, ("name", "category", "kind", "description", "external_id"))
        self.roles = TablePlan("roles", Role, ("title", "family", "grade"))
        self.requirements = TablePlan("requirements", RoleRequirement, ("target_level", "importance", "core"))
        self.mobility = TablePlan("mobility paths", MobilityPath, ("kind",))
        self.anchors = TablePlan("anchors", BehaviouralAnchor, ("description",))
        self.external_ids_seen: dict[object, int] = {}
        self.external_ids_to_clear: list[int] = []

    def plan(self) -> TaxonomyPlan:
        self.skill_index, self.external_id_index = self._plan_skills()
        self.role_index = self._plan_roles()
        self._plan_pairs(table=self.requirements, file="requirements.csv", values_of=self._requirement_values)
        self._plan_pairs(table=self.mobility, file="mobility.csv", values_of=self._mobility_values)
        self._plan_pairs(table=self.anchors, file="anchors.csv", values_of=self._anchor_values)
        if self.errors:
            raise TaxonomyImportError(self.errors)
        return TaxonomyPlan(
            tables=[self.categories.table, self.families.table, self.skills, self.roles]
            + [self.requirements, self.mobility, self.anchors],
            rows_read={name: len(rows) for name, rows in self.files.items()},
            external_ids_to_clear=self.external_ids_to_clear,
        )

    # -- reporting problems and reading single values -----------------------------------------

    def _error(self, row: _Row, column: str | None, message: str) -> None:
        self.errors.append(RowError(row.file, row.line, message, column))

    def _text(self, row: _Row, column: str, *, field_of: models.Field, required: bool = True) -> str:
        value = normalise(row.values[column])
        if required and not value:
            self._error(row, column, f"{column} is required.")
        elif len(value) > field_of.max_length:
            self._error(row, column, f"{column} can be at most {field_of.max_length} characters, got {len(value)}.")
        return value

    def _checked(self, row: _Row, column: str, validator: Callable[[str], object]) -> object:
        try:
            return validator(row.values[column])
        except ValidationError as exc:
            self._error(row, column, " ".join(exc.messages))
            return None

    def _kind(self, row: _Row, column: str, choices: type[models.TextChoices]) -> str:
        value = row.values[column].strip().lower()
        if value not in choices.values:
            self._error(row, column, f"Kind must be one of {', '.join(choices.values)}, got {row.values[column]!r}.")
        return value

    def _grade(self, row: _Row) -> int | None:
        grade = self._checked(row, "grade", partial(_whole_number, what="Grade"))  # as the admin's import says it
        if grade is not None and not 0 <= grade <= GRADE_MAX:
            self._error(row, "grade", f"Grade must be between 0 and {GRADE_MAX}, got {grade}.")
        return grade

    def _is_repeat(self, row: _Row, seen: dict[object, int], key: object, what: str) -> bool:
        if key in seen:
            self._error(row, None, f"{what} is already on line {seen[key]}; each may appear only once.")
            return True
        seen[key] = row.line
        return False

    def _one(self, row: _Row, column: str, matches: list[models.Model], what: str) -> models.Model | None:
        if len(matches) > 1:
            names = " and ".join(repr(str(obj)) for obj in matches)
            self._error(
                row,
                column,
                f"{normalise(row.values[column])!r} matches more than one {what} in the "
                f"database ({names}); write it exactly as one of them.",
            )
            return None
        return matches[0] if matches else None

    # -- skills and roles: the rows everything else points at ---------------------------------

    def _plan_named(
        self, *, table: TablePlan, file: str, what: str, values_of: Callable[[_Row], dict]
    ) -> tuple[list[models.Model], list[tuple[models.Model, _Row]]]:
        """Skills and roles, matched by name (or title), the first of ``table.update_fields``.

        1. Load the table. 2. Validate each row with ``values_of``. 3. Match the row to a row in the
        database, or make a new one; compare the fields and count it as created, updated or unchanged.
        Returns the database rows the files leave alone and, for every named file row, even an
        invalid one (so that references to it do not also fail), its object and row.
        """
        name_field, model = table.update_fields[0], table.model
        compared = [model._meta.get_field(name).attname for name in table.update_fields]
        existing = list(model.objects.order_by("pk").only(*compared))
        by_name = _NameIndex((getattr(obj, name_field), obj) for obj in existing)
        in_file: dict[str, tuple[models.Model, _Row]] = {}
        names_seen: dict[object, int] = {}
        for row in self.files[file]:
            errors_before = len(self.errors)
            wanted = values_of(row)
            name = wanted[name_field]
            if not name or self._is_repeat(row, names_seen, name.casefold(), f"The {what} {name!r}"):
                continue
            obj = self._one(row, name_field, by_name.candidates(name), what)
            in_file[name.casefold()] = (obj or model(**{name_field: name}), row)
            if len(self.errors) > errors_before:
                continue
            if obj is None:
                table.create.append(model(**wanted))
                in_file[name.casefold()] = (table.create[-1], row)
                continue
            before = _fields(obj, compared)
            for attribute, value in wanted.items():
                setattr(obj, attribute, value)
            if _fields(obj, compared) == before:
                table.unchanged += 1
            else:
                table.update.append(obj)
                table.changes.append(f"{name!r}: {_describe(before, _fields(obj, compared))}")
        matched = {id(obj) for obj, _row in in_file.values()}
        return [obj for obj in existing if id(obj) not in matched], list(in_file.values())

    def _skill_values(self, row: _Row) -> dict:
        name = self._text(row, "name", field_of=Skill._meta.get_field("name"))
        category = self._text(row, "category", field_of=SkillCategory._meta.get_field("name"))
        external_id = self._text(row, "external_id", field_of=Skill._meta.get_field("external_id"), required=False)
        if external_id:
            self._is_repeat(row, self.external_ids_seen, external_id.casefold(), f"The external_id {external_id!r}")
        return {
            "name": name,
            "category": self.categories.get(category) if category else None,
            "kind": self._kind(row, "kind", SkillKind),
            "description": row.values["description"].strip(),
            "external_id": external_id or None,
        }

    def _role_values(self, row: _Row) -> dict:
        family = self._text(row, "family", field_of=JobFamily._meta.get_field("name"))
        return {
            "title": self._text(row, "title", field_of=Role._meta.get_field("title")),
            "family": self.families.get(family) if family else None,
            "grade": self._grade(row),
        }

    def _plan_skills(self) -> tuple[_NameIndex, dict[str, Skill]]:
        """Plan the skills, then check external ids stay unique across the taxonomy as it will be after
        the import, and note those that move between skills (``taxonomy_write`` clears them first)."""
        external_ids_before = dict(Skill.objects.exclude(external_id=None).values_list("pk", "external_id"))
        untouched, in_file = self._plan_named(
            table=self.skills, file="skills.csv", what="skill", values_of=self._skill_values
        )
        self._slug_new_skills(taken=set(Skill.objects.values_list("slug", flat=True)))
        self.external_ids_to_clear = [
            skill.pk
            for skill in self.skills.update
            if external_ids_before.get(skill.pk) not in (None, skill.external_id)
        ]
        by_external_id = {skill.external_id.casefold(): skill for skill in untouched if skill.external_id}
        for skill, row in in_file:
            holder = by_external_id.get((skill.external_id or "").casefold())
            if holder is not None:
                owner = f"already belongs to the skill {holder.name!r} in the database"
                self._error(row, "external_id", f"the external_id {skill.external_id!r} {owner}.")
        by_external_id |= {skill.external_id.casefold(): skill for skill, _row in in_file if skill.external_id}
        final = [*untouched, *(skill for skill, _row in in_file)]
        return _NameIndex((skill.name, skill) for skill in final), by_external_id

    def _plan_roles(self) -> _NameIndex:
        untouched, in_file = self._plan_named(
            table=self.roles, file="roles.csv", what="role", values_of=self._role_values
        )
        return _NameIndex((role.title, role) for role in [*untouched, *(role for role, _row in in_file)])

    def _slug_new_skills(self, *, taken: set[str]) -> None:
        """Skill.save() sets the slug but bulk_create skips save(); "C++" and "C#" become c and c-2."""
        for skill in self.skills.create:
            base = slugify(skill.name)[:220] or "skill"
            slug, n = base, 1
            while slug in taken:
                n += 1
                slug = f"{base[: 220 - len(str(n)) - 1]}-{n}"
            taken.add(slug)
            skill.slug = slug

    # -- requirements, mobility paths and anchors: rows keyed by a pair -----------------------

    def _role(self, row: _Row, column: str) -> Role | None:
        matches = self.role_index.candidates(row.values[column])
        if matches:
            return self._one(row, column, matches, "role")
        name = normalise(row.values[column])
        self._error(row, column, f"unknown role {name!r}: it is neither in roles.csv nor in the database.")
        return None

    def _skill(self, row: _Row, column: str) -> Skill | None:
        matches = self.skill_index.candidates(row.values[column])
        if matches:
            return self._one(row, column, matches, "skill")
        name = normalise(row.values[column])
        skill = self.external_id_index.get(name.casefold())
        if skill is None:
            self._error(
                row,
                column,
                f"unknown skill {name!r}: no skill in skills.csv or the database has that name or external_id.",
            )
        return skill

    def _requirement_values(self, row: _Row) -> tuple[dict, dict]:
        key = {"role": self._role(row, "role"), "skill": self._skill(row, "skill")}
        return key, {
            "target_level": self._checked(row, "target_level", validate_level),
            "importance": self._checked(row, "importance", validate_importance),
            "core": self._checked(row, "core", parse_bool),
        }

    def _mobility_values(self, row: _Row) -> tuple[dict, dict]:
        key = {"from_role": self._role(row, "from_role"), "to_role": self._role(row, "to_role")}
        if None not in key.values():
            try:  # the same role object however the two cells spell it
                validate_different_roles(id(key["from_role"]), id(key["to_role"]))
            except ValidationError as exc:
                self._error(row, "to_role", " ".join(exc.messages))
        return key, {"kind": self._kind(row, "kind", MobilityKind)}

    def _anchor_values(self, row: _Row) -> tuple[dict, dict]:
        key = {"skill": self._skill(row, "skill"), "level": self._checked(row, "level", validate_level)}
        description = row.values["description"].strip()
        if not description:
            self._error(row, "description", "description is required.")
        return key, {"description": description}

    def _plan_pairs(self, *, table: TablePlan, file: str, values_of: Callable[[_Row], tuple[dict, dict]]) -> None:
        """1. Load the table as {(first id, second id): row}. 2. Validate each file row and resolve
        its two references. 3. Compare with the existing row: create it, update it or leave it alone."""
        key_names = FILES[file][:2]  # in these three files the first two columns are the key, named as the fields
        key_columns = [table.model._meta.get_field(name).attname for name in key_names]
        existing = {
            tuple(current[column] for column in key_columns): current
            for current in table.model.objects.order_by().values("pk", *key_columns, *table.update_fields)
        }
        seen: dict[object, int] = {}
        for row in self.files[file]:
            errors_before = len(self.errors)
            key, wanted = values_of(row)
            if len(self.errors) > errors_before:
                continue
            described = ", ".join(
                f"{name} {str(value)!r}" if isinstance(value, models.Model) else f"{name} {value}"
                for name, value in key.items()
            )
            identity = tuple(id(value) if isinstance(value, models.Model) else value for value in key.values())
            if self._is_repeat(row, seen, identity, f"The {table.label} row for {described}"):
                continue
            ids = tuple(value.pk if isinstance(value, models.Model) else value for value in key.values())
            current = existing.get(ids)  # a pk of None (a new skill or role) matches nothing
            if current is None:
                table.create.append(table.model(**key, **wanted))
            elif all(current[name] == value for name, value in wanted.items()):
                table.unchanged += 1
            else:
                table.update.append(table.model(pk=current["pk"], **wanted))
                table.changes.append(f"{described}: {_describe(current, wanted)}")


def taxonomy_plan(*, folder: Path) -> TaxonomyPlan:
    """Read and validate the CSV files in ``folder`` and work out what importing them would change.

    1. Read each file: UTF-8 (a BOM is fine), the exact header, one value per column. A file that
       is missing or unusable as a whole stops here, since row checks would only repeat it.
    2. Load the existing taxonomy, one query per table, and match file rows to it by normalised,
       case-insensitive name.
    3. Validate every row with the rules in ``taxonomy.validators``, resolve references against
       the files and the database, and sort rows into create / update / unchanged.
    4. Raise ``TaxonomyImportError`` with every problem found, or return the plan. Writes nothing.
    """
    errors: list[RowError] = []
    files = {name: _read_csv(path=folder / name, errors=errors) for name in FILES}
    if any(rows is None for rows in files.values()):
        raise TaxonomyImportError(errors)
    if not any(files.values()):  # one file may hold only its header, but not every file at once
        raise TaxonomyImportError([RowError(name, None, NO_DATA_ROWS) for name in FILES if (folder / name).is_file()])
    return _Planner(files, errors).plan()


def _batches(rows: list, size: int = BATCH_SIZE) -> Iterator[list]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _update_rows(*, model: type[models.Model], field_names: tuple[str, ...], rows: list[models.Model]) -> None:
    """UPDATE each row's ``field_names`` by primary key: one parameterised statement run with executemany.

    QuerySet.bulk_update builds a CASE WHEN expression per row and field, which took 40 s for the
    100,000 rows of a taxonomy whose every description changed; this takes a second or two.
    """
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    fields = [model._meta.get_field(name) for name in field_names]
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    where = f"{quote(model._meta.pk.column)} = %s"
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {where}"  # noqa: S608 (quoted names only)

    def value(row: models.Model, field: models.Field) -> object:
        if field.is_relation:  # it may point at a row that bulk_create made earlier in this write: read its pk now
            return getattr(row, field.name).pk
        return field.get_db_prep_save(getattr(row, field.attname), connection)

    with connection.cursor() as cursor:
        cursor.executemany(sql, [[*(value(row, field) for field in fields), row.pk] for row in rows])


@transaction.atomic
def taxonomy_write(*, plan: TaxonomyPlan, on_progress: Callable[[int], object] | None = None) -> None:
    """Write a plan from ``taxonomy_plan`` in bulk, in one transaction.

    1. Clear the external ids that move to another skill, so the unique index never sees a swap half done.
    2. Table by table, in foreign-key order, create the new rows and then update the changed ones, in
       batches. A new row's foreign keys point at objects created earlier in this loop, and bulk_create
       has set their ids by then. ``on_progress(n)`` is told after each batch of ``n`` rows.
    """
    for batch in _batches(plan.external_ids_to_clear):
        Skill.objects.filter(pk__in=batch).update(external_id=None)
    for table in plan.tables:
        for batch in _batches(table.create):
            table.model.objects.bulk_create(batch)
            if on_progress:
                on_progress(len(batch))
        for batch in _batches(table.update, size=BATCH_SIZE * 10):
            _update_rows(model=table.model, field_names=table.update_fields, rows=batch)
            if on_progress:
                on_progress(len(batch))
    transaction.on_commit(lambda: taxonomy_written.send(sender=None))
