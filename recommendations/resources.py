"""Spreadsheet import/export of the learning catalogue (django-import-export), one row per item and skill.

A catalogue item that raises three skills takes three rows that repeat the item's columns
(title, kind, format, hours, ...) and differ in ``skill``, ``from_level`` and ``to_level``. That
is the shape HR keeps in a spreadsheet, and it needs one file instead of two that must agree.

* An item is matched by ``activity_id`` when the row gives one (falling back to an item with
  the same title and no activity id, so HR can add activity ids to items imported without),
  otherwise by ``title``; a skill row by the item and the skill's name.
* Every row is checked with the models' own ``full_clean`` and constraints, plus the rules
  below, and reported against its column; one bad row and nothing is saved (the shared
  ``NaturalKeyResource`` rules, as for the taxonomy).
* ``validate_mentor_level``: a mentor's newest evidence in the skill must reach ``to_level``
  (``mentor_levels`` states the rule once, set-based; the demo picks its mentors by it).
* The rows of one item must agree on the item's columns, and list each skill once.

``import_catalogue`` (the command) and the admin's import page both use ``CatalogueResource``.
"""

from collections.abc import Collection
from decimal import Decimal, InvalidOperation

import pandas as pd
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import CheckConstraint, Q
from import_export import fields, widgets

from core.constraints import check_validate
from core.frames import placeholders, read_frame, table
from profiles.frames import employee_filter
from profiles.models import Employee, SkillEvidence
from taxonomy.models import Skill
from taxonomy.resources import NaturalKeyResource, NaturalKeyWidget, YesNoWidget, _text
from taxonomy.validators import _whole_number, validate_level

from .models import LearningResource, Opportunity, ResourceSkill

# The columns of a catalogue file, in order.
COLUMNS = [
    "title",
    "kind",
    "format",
    "hours",
    "cost",
    "provider",
    "url",
    "activity_id",
    "active",
    "skill",
    "from_level",
    "to_level",
    "mentor_external_id",
    "opportunity_title",
    "description",
]
# The columns that describe the item itself (every row of one item repeats them), not one of its skills.
SKILL_COLUMNS = ["skill", "from_level", "to_level"]
ITEM_COLUMNS = [name for name in COLUMNS if name not in SKILL_COLUMNS]
REQUIRED_COLUMNS = ["title", "kind", "format", "hours", "skill", "to_level"]
# Item column -> the LearningResource attribute it sets (rows of one item must agree on these).
ITEM_COLUMN_ATTNAME = {name: name for name in ITEM_COLUMNS} | {
    "mentor_external_id": "mentor_id",
    "opportunity_title": "opportunity_id",
}
# Every stored column of an item and of an item skill (``before_import`` reads them once).
ITEM_ATTNAMES = [field.attname for field in LearningResource._meta.concrete_fields]
LINK_ATTNAMES = [field.attname for field in ResourceSkill._meta.concrete_fields]
# Model field of LearningResource -> the column it is read from.
ITEM_FIELD_COLUMN = {name: name for name in ITEM_COLUMNS} | {
    "mentor": "mentor_external_id",
    "opportunity": "opportunity_title",
}
# Model check constraints -> the column whose value breaks them.
CONSTRAINT_COLUMN = {
    "resource_hours_positive": "hours",
    "resource_cost_not_negative": "cost",
    "resource_mentorship_names_mentor": "mentor_external_id",
    "resource_levels_rise": "to_level",
    "resource_skill_once": "skill",
}


# --- The catalogue's rules ------------------------------------------------------------------


def mentor_levels(
    *,
    skill_ids: Collection[int],
    employee_ids: Collection[int] | None = None,
    exclude_employee_ids: Collection[int] = (),
) -> pd.DataFrame:
    """The mentor rule, stated once: a person's level as a mentor in a skill is the level of their
    newest evidence in it, of any source (the latest ``observed_at``, then the latest recorded).

    One row per (employee_id, skill_id) with any evidence in ``skill_ids``, for ``employee_ids``
    (everyone when None) but not ``exclude_employee_ids``: employee_id, skill_id, level. One query.
    """
    skills = [int(pk) for pk in skill_ids]
    if not skills:
        return pd.DataFrame({"employee_id": [], "skill_id": [], "level": []}, dtype="int64")
    where, params = employee_filter("e.employee_id", employee_ids=employee_ids)
    where += f" AND e.skill_id IN ({placeholders(skills)})"
    params += skills
    excluded = [int(pk) for pk in exclude_employee_ids]
    if excluded:
        where += f" AND e.employee_id NOT IN ({placeholders(excluded)})"
        params += excluded
    return read_frame(
        f"""
        SELECT employee_id, skill_id, level FROM (
          SELECT e.employee_id, e.skill_id, e.level,
                 ROW_NUMBER() OVER (PARTITION BY e.employee_id, e.skill_id ORDER BY e.observed_at DESC, e.id DESC) AS nth
          FROM {table(SkillEvidence)} e WHERE {where}
        ) newest WHERE nth = 1 ORDER BY employee_id, skill_id
        """,  # noqa: S608 - the table name is ours, values are parameters
        params,
        columns=["employee_id", "skill_id", "level"],
        dtypes={"employee_id": "int64", "skill_id": "int64", "level": "int64"},
    )


def mentor_level(*, mentor: Employee, skill: Skill) -> int | None:
    """The mentor's level in ``skill`` by the mentor rule (``mentor_levels``), or None without evidence."""
    levels = mentor_levels(skill_ids=[skill.pk], employee_ids=[mentor.pk])
    return int(levels["level"].iloc[0]) if len(levels) else None


def validate_mentor_level(*, mentor: Employee, skill: Skill, to_level: int) -> None:
    """A mentor must already be at the level the pairing promises to bring the mentee to."""
    level = mentor_level(mentor=mentor, skill=skill)
    if level is None:
        raise ValidationError(
            f"{mentor} has no recorded level in {skill}; a mentor needs at least {to_level}.", code="mentor_level"
        )
    if level < to_level:
        raise ValidationError(
            f"{mentor} has level {level} in {skill}; a mentor needs at least {to_level}.", code="mentor_level"
        )


def validate_resource_links(*, kind: str, mentor: Employee | None, opportunity: Opportunity | None) -> dict:
    """Only a mentorship pairing names a mentor, and only a stretch assignment links an opportunity.

    Returns {field: message} for what is wrong (empty when all is well).
    """
    errors = {}
    if mentor is not None and kind != LearningResource.Kind.MENTORSHIP:
        errors["mentor"] = "Only a mentorship pairing names a mentor; leave it blank for this kind."
    if opportunity is not None and kind != LearningResource.Kind.STRETCH:
        errors["opportunity"] = "Only a stretch assignment links an opportunity; leave it blank for this kind."
    return errors


def header_problem(headers: list[str]) -> str:
    """Why a file's header cannot be imported, or "" when it can."""
    missing = [column for column in REQUIRED_COLUMNS if column not in headers]
    unknown = [header for header in headers if header not in COLUMNS]
    repeated = sorted({header for header in headers if headers.count(header) > 1})
    problems = [
        f"lacks {', '.join(missing)}" if missing else "",
        f"has unknown columns {', '.join(unknown)}" if unknown else "",
        f"repeats {', '.join(repeated)}" if repeated else "",
    ]
    if not any(problems):
        return ""
    return (
        f"The header {' and '.join(p for p in problems if p)}. The columns are {', '.join(COLUMNS)}; "
        f"{', '.join(REQUIRED_COLUMNS)} are required."
    )


# --- Widgets --------------------------------------------------------------------------------


class ChoiceWidget(widgets.CharWidget):
    """A choice written as its value or its label, any case; anything else lists what is allowed."""

    def __init__(self, choices, what, **kwargs):
        self.choices, self.what = choices, what
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        text = _text(value)
        if not text:
            return ""
        for choice, label in self.choices:
            if text.lower() in (str(choice).lower(), str(label).lower()):
                return choice
        allowed = ", ".join(str(choice) for choice, _ in self.choices)
        raise ValueError(f"{self.what} must be one of {allowed}, got {text!r}.")


class NumberWidget(widgets.Widget):
    """A number; text is refused with the column's name rather than a parser's message.

    Read as a ``Decimal`` so a cost of 10.10 compares equal to the stored 10.10 (a float would
    not), and an unchanged row stays unchanged.
    """

    def __init__(self, what, *, blank=None, **kwargs):
        self.what, self.blank = what, blank
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        text = _text(value)
        if not text:
            return self.blank
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"{self.what} must be a number, got {text!r}.") from None
        if not number.is_finite():
            raise ValueError(f"{self.what} must be a number, got {text!r}.")
        return number

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        number = float(value)
        return int(number) if number.is_integer() else number


class HoursWidget(NumberWidget):
    def clean(self, value, row=None, **kwargs):
        number = super().clean(value, row=row, **kwargs)
        return float(number) if number is not None else None


class FromLevelWidget(widgets.Widget):
    """The level an item starts from: blank is 0 (none); the range is the model's constraint."""

    def clean(self, value, row=None, **kwargs):
        if not _text(value):
            return 0
        try:
            return _whole_number(value, "From level")
        except ValidationError as error:
            raise ValueError(" ".join(error.messages)) from error

    def render(self, value, obj=None, **kwargs):
        return value


class ToLevelWidget(FromLevelWidget):
    def clean(self, value, row=None, **kwargs):
        if not _text(value):
            return None
        try:
            return validate_level(value)
        except ValidationError as error:
            raise ValueError(" ".join(error.messages)) from error


class ActiveWidget(YesNoWidget):
    """yes/no like the taxonomy's columns, but a blank cell means active."""

    def clean(self, value, row=None, **kwargs):
        return True if not _text(value) else super().clean(value, row=row, **kwargs)


class OpportunityWidget(NaturalKeyWidget):
    """An opportunity by title; titles need not be unique, so an open one wins, and a tie is an error."""

    def clean(self, value, row=None, **kwargs):
        key = _text(value)
        if not key:
            return None
        matches = list(Opportunity.objects.filter(title=key).order_by("status", "-created_at")[:3])
        if not matches:
            raise ValueError(f"There is no opportunity with title {key!r}.")
        open_ones = [o for o in matches if o.status == Opportunity.Status.OPEN]
        if len(open_ones) > 1 or (not open_ones and len(matches) > 1):
            raise ValueError(f"Several opportunities are titled {key!r}; rename one in the admin first.")
        return open_ones[0] if open_ones else matches[0]


class BlankIsNoneWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        return _text(value) or None

    def render(self, value, obj=None, **kwargs):
        return value or ""


class TextWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        return _text(value)


def _item_field(name, widget):
    return fields.Field(attribute=f"resource__{name}", column_name=name, widget=widget)


# --- The resource ---------------------------------------------------------------------------


class CatalogueResource(NaturalKeyResource):
    """One row per catalogue item and skill (see the module docstring)."""

    title = _item_field("title", TextWidget())
    kind = _item_field("kind", ChoiceWidget(LearningResource.Kind.choices, "Kind"))
    format = _item_field("format", ChoiceWidget(LearningResource.Format.choices, "Format"))
    hours = _item_field("hours", HoursWidget("Hours"))
    cost = _item_field("cost", NumberWidget("Cost", blank=0))
    provider = _item_field("provider", TextWidget())
    url = _item_field("url", TextWidget())
    activity_id = _item_field("activity_id", BlankIsNoneWidget())
    active = _item_field("active", ActiveWidget())
    skill = fields.Field(attribute="skill", column_name="skill", widget=NaturalKeyWidget(Skill, "name"))
    from_level = fields.Field(attribute="from_level", column_name="from_level", widget=FromLevelWidget())
    to_level = fields.Field(attribute="to_level", column_name="to_level", widget=ToLevelWidget())
    mentor_external_id = fields.Field(
        attribute="resource__mentor",
        column_name="mentor_external_id",
        widget=NaturalKeyWidget(Employee, "external_id"),
        saves_null_values=True,
    )
    description = _item_field("description", TextWidget())
    opportunity_title = fields.Field(
        attribute="resource__opportunity",
        column_name="opportunity_title",
        widget=OpportunityWidget(Opportunity, "title"),
        saves_null_values=True,
    )

    class Meta(NaturalKeyResource.Meta):
        model = ResourceSkill
        fields = COLUMNS
        import_order = export_order = COLUMNS
        import_id_fields = ["title", "skill"]

    on_row = None  # called with 1 after each row (the command's progress bar)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # Per import: the first row of each item (to check later rows agree), its skills, and
        # what happened to each item (created / updated / unchanged) for the command's report.
        self.seen_items: dict[tuple, tuple[int, dict]] = {}
        self.seen_skills: dict[tuple, int] = {}
        self.item_outcomes: dict[int, str] = {}

    def get_queryset(self):
        return ResourceSkill.objects.select_related(
            "resource", "resource__mentor", "resource__opportunity", "skill"
        ).order_by("resource__title", "resource_id", "skill__name")

    def export(self, queryset=None, **kwargs):
        # The admin hands over its LearningResource list (filtered, or the selected items):
        # export the skill rows of those items.
        if queryset is not None and queryset.model is LearningResource:
            queryset = self.get_queryset().filter(resource__in=queryset.values("pk"))
        return super().export(queryset=queryset, **kwargs)

    def import_data(self, dataset, *args, **kwargs):
        """As ``NaturalKeyResource.import_data``, but a file whose header is wrong is refused whole
        (rather than every row reporting the columns it lacks)."""
        dataset.headers = [_text(header) for header in dataset.headers or []]
        problem = header_problem(dataset.headers)
        if problem:
            result = self.get_result_class()()
            result.total_rows = len(dataset)
            result.append_base_error(self.get_error_result_class()(ValueError(problem)))
            return result
        return super().import_data(dataset, *args, **kwargs)

    def before_import(self, dataset, **kwargs):
        """Read the items, item skills, skills and mentors the file names in one query each, so a
        row costs no lookup (a catalogue of a few hundred rows took ~2,500 queries)."""
        super().before_import(dataset, **kwargs)

        def column(name):
            return {_text(value) for value in dataset[name]} - {""} if name in dataset.headers else set()

        self.fields["skill"].widget.remember(column("skill"))
        self.fields["mentor_external_id"].widget.remember(column("mentor_external_id"))
        self.skills = self.fields["skill"].widget.known
        self.mentors = {mentor.pk: mentor for mentor in self.fields["mentor_external_id"].widget.known.values()}
        stored = LearningResource.objects.filter(
            Q(activity_id__in=column("activity_id")) | Q(title__in=column("title"))
        )
        self.stored_items = {}
        for values in stored.order_by("pk").values(*ITEM_ATTNAMES):
            self._remember_item(values)
        self.stored_links = {
            (link.resource_id, link.skill_id): link
            for link in ResourceSkill.objects.filter(resource_id__in=list(self.stored_items))
        }

    def _remember_item(self, values: dict) -> None:
        self.stored_items[values["id"]] = values

    def _item(self, pk: int) -> LearningResource:
        """A fresh instance of a stored item (each row sets its own columns on it)."""
        values = self.stored_items[pk]
        item = LearningResource.from_db("default", list(values), list(values.values()))
        if values["mentor_id"] in self.mentors:
            item.mentor = self.mentors[values["mentor_id"]]
        return item

    def import_row(self, row, instance_loader, **kwargs):
        row_result = super().import_row(row, instance_loader, **kwargs)
        if self.on_row is not None:
            self.on_row(1)
        return row_result

    # Finding the item and the skill row a file row describes.

    def find_item(self, row) -> tuple[LearningResource | None, str]:
        """The item the row is about, or None for a new one; and why not, when the title is ambiguous."""
        activity_id, title = _text(row.get("activity_id")), _text(row.get("title"))
        items = self.stored_items.values()
        if activity_id:
            found = [values["id"] for values in items if values["activity_id"] == activity_id]
            if found:
                return self._item(found[0]), ""
            found = [values["id"] for values in items if values["title"] == title and values["activity_id"] is None]
        else:
            found = [values["id"] for values in items if values["title"] == title]
        found = found if title else []
        if len(found) > 1:
            return None, f"Several catalogue items are titled {title!r}; give this one its activity_id to say which."
        return (self._item(found[0]) if found else None), ""

    def get_or_init_instance(self, instance_loader, row):
        item, problem = self.find_item(row)
        skill = self.skills.get(_text(row.get("skill")))
        if item is not None and skill is not None:
            link = self.stored_links.get((item.pk, skill.pk))
            if link is not None:
                link = ResourceSkill.from_db("default", LINK_ATTNAMES, [getattr(link, name) for name in LINK_ATTNAMES])
                link.resource, link.skill = item, skill
                return link, False
        link = ResourceSkill(resource=item or LearningResource())
        link._catalogue_problem = problem
        return link, True

    def import_instance(self, instance, row, **kwargs):
        """Read every column (errors keyed by column), then check the row against the rows before it."""
        errors = {}
        for field in self.get_import_fields():
            try:
                self.import_field(field, instance, row, **kwargs)
            except ValueError as error:
                errors[field.column_name] = [str(error)]
        if getattr(instance, "_catalogue_problem", ""):
            errors.setdefault("title", []).append(instance._catalogue_problem)
        for column, messages in self._check_against_earlier_rows(instance, kwargs.get("row_number")).items():
            errors.setdefault(column, []).extend(messages)
        if errors:
            raise ValidationError(errors)

    def _check_against_earlier_rows(self, instance, number) -> dict[str, list[str]]:
        item = instance.resource
        key = ("activity_id", item.activity_id) if item.activity_id else ("title", item.title)
        values = {column: getattr(item, attname) for column, attname in ITEM_COLUMN_ATTNAME.items()}
        errors: dict[str, list[str]] = {}
        first_number, first_values = self.seen_items.setdefault(key, (number, values))
        differing = [column for column, value in values.items() if first_values[column] != value]
        if first_number != number and differing:
            errors[NON_FIELD_ERRORS] = [
                f"Row {first_number} describes {item.title!r} with a different {', '.join(differing)}; "
                "every row of one item must repeat the same item columns."
            ]
        if instance.skill_id is not None:
            earlier = self.seen_skills.setdefault((key, instance.skill_id), number)
            if earlier != number:
                errors["skill"] = [f"Row {earlier} already lists {instance.skill} for {item.title!r}."]
        return errors

    def skip_row(self, instance, original, row, import_validation_errors=None):
        skipped = super().skip_row(instance, original, row, import_validation_errors)
        if skipped:
            self._record_item_outcome(instance.resource, "unchanged")
        return skipped

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """The item's and the skill row's ``full_clean`` and constraints, then the catalogue rules,
        each message under the column it is about."""
        errors: dict[str, list[str]] = {}

        def add(column, messages):
            listed = errors.setdefault(column, [])
            listed.extend(message for message in messages if message not in listed)

        for column, problems in (import_validation_errors or {}).items():
            add(column, [m for p in problems for m in (p.messages if isinstance(p, ValidationError) else [str(p)])])

        item = instance.resource
        item_exclude = [name for name, column in ITEM_FIELD_COLUMN.items() if column in errors]
        _collect(item, exclude=item_exclude, column_of=ITEM_FIELD_COLUMN, add=add)
        links = validate_resource_links(kind=item.kind, mentor=item.mentor, opportunity=item.opportunity)
        for field, message in links.items():
            add(ITEM_FIELD_COLUMN[field], [message])

        link_exclude = ["resource", *[name for name in ("skill", "from_level", "to_level") if name in errors]]
        _collect(instance, exclude=link_exclude, column_of={}, add=add)

        checkable = not {"skill", "to_level", "mentor_external_id"} & errors.keys()
        if item.kind == LearningResource.Kind.MENTORSHIP and item.mentor is not None and checkable:
            try:
                validate_mentor_level(mentor=item.mentor, skill=instance.skill, to_level=instance.to_level)
            except ValidationError as error:
                add("mentor_external_id", error.messages)
        if errors:
            raise ValidationError(errors)

    def do_instance_save(self, instance, is_create):
        """Save the item first (when new or changed), then the skill row that points at it."""
        item = instance.resource
        if item.pk is None:
            item.save()
            self._record_item_outcome(item, "created")
        else:
            stored = self.stored_items[item.pk]
            if any(stored[name] != getattr(item, name) for name in ITEM_COLUMN_ATTNAME.values()):
                item.save()
                self._record_item_outcome(item, "updated")
            else:
                self._record_item_outcome(item, "unchanged")
        # Later rows of the item find it as it is now.
        self._remember_item({name: getattr(item, name) for name in ITEM_ATTNAMES})
        instance.resource = item
        instance.save(force_insert=is_create)
        self.stored_links[(item.pk, instance.skill_id)] = instance

    def _record_item_outcome(self, item, outcome):
        rank = {"unchanged": 0, "updated": 1, "created": 2}
        if item.pk is not None and rank[outcome] >= rank[self.item_outcomes.get(item.pk, "unchanged")]:
            self.item_outcomes[item.pk] = outcome

    def item_counts(self) -> dict[str, int]:
        """How many catalogue items the import created, updated or left as they were."""
        counts = dict.fromkeys(("created", "updated", "unchanged"), 0)
        for outcome in self.item_outcomes.values():
            counts[outcome] += 1
        return counts


def _collect(instance, *, exclude, column_of, add) -> None:
    """``full_clean`` without constraints, then each constraint on its own so its message lands on
    the column that breaks it (Django would put every check constraint under the whole row)."""
    try:
        instance.full_clean(exclude=exclude, validate_constraints=False)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            add(column_of.get(field, field), messages)
    for constraint in instance._meta.constraints:
        try:
            if isinstance(constraint, CheckConstraint):
                check_validate(constraint, type(instance), instance, exclude=set(exclude))
            else:
                constraint.validate(type(instance), instance, exclude=set(exclude))
        except ValidationError as error:
            add(CONSTRAINT_COLUMN.get(constraint.name, NON_FIELD_ERRORS), error.messages)
