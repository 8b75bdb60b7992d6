"""Spreadsheet import/export of the taxonomy (django-import-export), keyed by names, not ids.

Every row is identified by its natural key (a skill by name, a requirement by role title and
skill name, ...) so a file exported from one install imports into another. Rows are checked
with the models' own ``full_clean`` (so the messages are the ones in ``validators.py`` and on
the model constraints), and an import with any bad row saves nothing.
"""

from functools import partial

from django.core.exceptions import ValidationError
from django.utils.encoding import force_str
from import_export import fields, resources, widgets

from .models import BehaviouralAnchor, JobFamily, MobilityPath, Role, RoleRequirement, Skill, SkillCategory
from .validators import _whole_number, parse_bool, validate_importance, validate_level


def _text(value):
    return force_str(value).strip() if value is not None else ""


class NaturalKeyWidget(widgets.ForeignKeyWidget):
    """A foreign key written as the related row's name (or title); an unknown name is a row error.

    A resource can ``remember`` the keys its file names before the rows are read: one query for
    the file instead of one per row.
    """

    known: dict | None = None

    def remember(self, keys) -> None:
        """Read the rows ``keys`` name in one query; ``clean`` then answers from them."""
        keys = {_text(key) for key in keys} - {""}
        found = self.get_queryset(None, None).filter(**{f"{self.field}__in": keys})
        self.known = {getattr(obj, self.field): obj for obj in found}

    def clean(self, value, row=None, **kwargs):
        key = _text(value)
        if not key:
            return None
        if self.known is not None:
            if key in self.known:
                return self.known[key]
            raise ValueError(f"There is no {self.model._meta.verbose_name} with {self.field} {key!r}.")
        try:
            return self.get_queryset(key, row).get(**{self.field: key})
        except self.model.DoesNotExist:
            raise ValueError(f"There is no {self.model._meta.verbose_name} with {self.field} {key!r}.") from None


class CreatingNaturalKeyWidget(NaturalKeyWidget):
    """Like ``NaturalKeyWidget``, but a name not seen before creates the row (a new category or family).

    The new row is validated like any other, and it is rolled back with the rest of the
    import when another row is bad.
    """

    def clean(self, value, row=None, **kwargs):
        key = _text(value)
        if not key:
            return None
        existing = self.get_queryset(key, row).filter(**{self.field: key}).first()
        if existing is not None:
            return existing
        created = self.model(**{self.field: key})
        try:
            created.full_clean()
        except ValidationError as error:
            raise ValueError(" ".join(error.messages)) from error
        created.save()
        return created


class ValidatedNumberWidget(widgets.IntegerWidget):
    """A whole-number column checked by one of the taxonomy's validators.

    Text such as "three" or "2.5" becomes the validator's message for the row, rather than a
    crash or a silently truncated 2.
    """

    def __init__(self, validator, **kwargs):
        self.validator = validator
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        if self.is_empty(value):
            return None
        try:
            return self.validator(value)
        except ValidationError as error:
            raise ValueError(" ".join(error.messages)) from error


class YesNoWidget(widgets.Widget):
    """Spreadsheet booleans (yes/no, true/false, 1/0), exported as yes/no."""

    def clean(self, value, row=None, **kwargs):
        try:
            return parse_bool(value)
        except ValidationError as error:
            raise ValueError(" ".join(error.messages)) from error

    def render(self, value, obj=None, **kwargs):
        return "yes" if value else "no"


class BlankIsNullWidget(widgets.CharWidget):
    """A text column stored as NULL when blank (so blank cells match rows without a value)."""

    def clean(self, value, row=None, **kwargs):
        return _text(value) or None


class NaturalKeyResource(resources.ModelResource):
    """Shared rules for every taxonomy (and business unit) spreadsheet."""

    class Meta:
        clean_model_instances = True  # full_clean: field validators, unique and check constraints
        skip_unchanged = True
        report_skipped = True
        use_transactions = True

    def get_instance(self, instance_loader, row):
        # An unknown name in a key column (a role title that does not exist, say) means the
        # row cannot match an existing one; import_instance then reports it against the column.
        try:
            return super().get_instance(instance_loader, row)
        except ValueError:
            return None

    def import_data(self, dataset, *args, rollback_on_validation_errors=True, **kwargs):
        # django-import-export rolls back on exceptions, but by default still saves the good
        # rows of a file with invalid ones; HR expects all or nothing.
        return super().import_data(
            dataset, *args, rollback_on_validation_errors=rollback_on_validation_errors, **kwargs
        )


def _level_field(attribute):
    return fields.Field(attribute=attribute, column_name=attribute, widget=ValidatedNumberWidget(validate_level))


class SkillCategoryResource(NaturalKeyResource):
    class Meta(NaturalKeyResource.Meta):
        model = SkillCategory
        fields = ["name", "description"]
        import_id_fields = ["name"]


class SkillResource(NaturalKeyResource):
    category = fields.Field(
        attribute="category", column_name="category", widget=CreatingNaturalKeyWidget(SkillCategory, "name")
    )
    external_id = fields.Field(attribute="external_id", column_name="external_id", widget=BlankIsNullWidget())

    class Meta(NaturalKeyResource.Meta):
        model = Skill
        # slug is derived from the name in Skill.save(), so it is not a column.
        fields = ["name", "category", "kind", "description", "aliases", "external_id"]
        import_id_fields = ["name"]

    def get_queryset(self):
        return super().get_queryset().select_related("category")


class BehaviouralAnchorResource(NaturalKeyResource):
    skill = fields.Field(attribute="skill", column_name="skill", widget=NaturalKeyWidget(Skill, "name"))
    level = _level_field("level")

    class Meta(NaturalKeyResource.Meta):
        model = BehaviouralAnchor
        fields = ["skill", "level", "description"]
        import_id_fields = ["skill", "level"]

    def get_queryset(self):
        return super().get_queryset().select_related("skill")


class JobFamilyResource(NaturalKeyResource):
    class Meta(NaturalKeyResource.Meta):
        model = JobFamily
        fields = ["name", "description"]
        import_id_fields = ["name"]


class RoleResource(NaturalKeyResource):
    family = fields.Field(attribute="family", column_name="family", widget=CreatingNaturalKeyWidget(JobFamily, "name"))
    grade = fields.Field(
        attribute="grade",
        column_name="grade",
        widget=ValidatedNumberWidget(partial(_whole_number, what="Grade")),
    )

    class Meta(NaturalKeyResource.Meta):
        model = Role
        # Requirements have their own sheet (RoleRequirementResource), so ``skills`` is not a column.
        fields = ["title", "family", "grade", "description"]
        import_id_fields = ["title"]

    def get_queryset(self):
        return super().get_queryset().select_related("family")


class RoleRequirementResource(NaturalKeyResource):
    role = fields.Field(attribute="role", column_name="role", widget=NaturalKeyWidget(Role, "title"))
    skill = fields.Field(attribute="skill", column_name="skill", widget=NaturalKeyWidget(Skill, "name"))
    target_level = _level_field("target_level")
    importance = fields.Field(
        attribute="importance", column_name="importance", widget=ValidatedNumberWidget(validate_importance)
    )
    core = fields.Field(attribute="core", column_name="core", widget=YesNoWidget())

    class Meta(NaturalKeyResource.Meta):
        model = RoleRequirement
        fields = ["role", "skill", "target_level", "importance", "core"]
        import_id_fields = ["role", "skill"]

    def get_queryset(self):
        return super().get_queryset().select_related("role", "skill")


class MobilityPathResource(NaturalKeyResource):
    from_role = fields.Field(attribute="from_role", column_name="from_role", widget=NaturalKeyWidget(Role, "title"))
    to_role = fields.Field(attribute="to_role", column_name="to_role", widget=NaturalKeyWidget(Role, "title"))

    class Meta(NaturalKeyResource.Meta):
        model = MobilityPath
        fields = ["from_role", "to_role", "kind"]
        import_id_fields = ["from_role", "to_role"]

    def get_queryset(self):
        return super().get_queryset().select_related("from_role", "to_role")
