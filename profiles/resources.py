"""Spreadsheet import/export of business units and skill demand, keyed by names, not ids.

Employees are not here: they come from the HR system, and ``org_path`` must be kept by
``profiles.services``.
"""

from import_export import fields

from taxonomy.models import Skill
from taxonomy.resources import NaturalKeyResource, NaturalKeyWidget

from .models import BusinessUnit, SkillDemand


class BusinessUnitResource(NaturalKeyResource):
    class Meta(NaturalKeyResource.Meta):
        model = BusinessUnit
        fields = ["name", "code"]
        import_id_fields = ["name"]


class SkillDemandResource(NaturalKeyResource):
    business_unit = fields.Field(
        attribute="business_unit", column_name="business_unit", widget=NaturalKeyWidget(BusinessUnit, "name")
    )
    skill = fields.Field(attribute="skill", column_name="skill", widget=NaturalKeyWidget(Skill, "name"))

    class Meta(NaturalKeyResource.Meta):
        model = SkillDemand
        fields = ["business_unit", "skill", "weight", "as_of", "note", "people_needed", "level_needed", "needed_by"]
        import_id_fields = ["business_unit", "skill"]

    def get_queryset(self):
        return super().get_queryset().select_related("business_unit", "skill")
