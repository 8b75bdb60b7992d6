"""Where HR builds the skills taxonomy: skills with their behavioural anchors, roles with their
requirements and onward paths, and spreadsheet import/export of every table."""

from django.contrib import admin, messages
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.urls import reverse
from import_export.admin import ImportExportModelAdmin

from core.readers import UnreadableFile
from core.spreadsheets import FORMATS

from .models import BehaviouralAnchor, JobFamily, Level, MobilityPath, Role, RoleRequirement, Skill, SkillCategory
from .resources import (
    BehaviouralAnchorResource,
    JobFamilyResource,
    MobilityPathResource,
    RoleRequirementResource,
    RoleResource,
    SkillCategoryResource,
    SkillResource,
)


class SpreadsheetAdmin(ImportExportModelAdmin):
    """Import/export as CSV or Excel, allowed to those who may add and change the rows."""

    formats = import_formats = export_formats = FORMATS

    def has_import_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def add_data_read_fail_error_to_form(self, form, e):
        # A file the reader refuses says why (e.g. a workbook that unpacks to too much); for
        # anything else django-import-export names only the exception's class.
        if isinstance(e, UnreadableFile):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def process_result(self, result, request):
        # The confirm step imports the file again; if the data changed since the preview (say a
        # clashing row was added meanwhile) the import is rolled back, so say so instead of
        # reporting (and logging) rows that were not saved.
        if result.has_errors() or result.has_validation_errors():
            messages.error(
                request,
                "Nothing was imported: the file no longer passes the checks. Upload it again to see the problems.",
            )
            opts = self.model._meta
            return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_import"))
        return super().process_result(result, request)


@admin.register(SkillCategory)
class SkillCategoryAdmin(SpreadsheetAdmin):
    resource_classes = [SkillCategoryResource]
    list_display = ["name", "skill_count"]
    search_fields = ["name", "description"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(skill_count=Count("skills"))

    @admin.display(description="skills", ordering="skill_count")
    def skill_count(self, category):
        return category.skill_count


class BehaviouralAnchorInline(admin.TabularInline):
    """One row per level; the levels not yet described are offered pre-filled (1 to 4)."""

    model = BehaviouralAnchor
    fields = ["level", "description"]
    max_num = len(Level)

    def get_extra(self, request, obj=None, **kwargs):
        return len(_levels_without_anchor(obj))


def _levels_without_anchor(skill):
    taken = set(skill.anchors.values_list("level", flat=True)) if skill is not None and skill.pk else set()
    return [level for level in Level.values if level not in taken]


@admin.register(Skill)
class SkillAdmin(SpreadsheetAdmin):
    resource_classes = [SkillResource]
    list_display = ["name", "category", "kind", "external_id"]
    list_filter = ["kind", "category"]
    list_select_related = ["category"]
    search_fields = ["name", "aliases", "external_id", "category__name"]
    autocomplete_fields = ["category"]
    readonly_fields = ["slug"]
    inlines = [BehaviouralAnchorInline]

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, BehaviouralAnchorInline):
            # Untouched pre-filled rows equal their initial data, so they are not saved.
            kwargs["initial"] = [{"level": level} for level in _levels_without_anchor(obj)]
        return kwargs


@admin.register(BehaviouralAnchor)
class BehaviouralAnchorAdmin(SpreadsheetAdmin):
    resource_classes = [BehaviouralAnchorResource]
    list_display = ["skill", "level", "description"]
    list_filter = ["level", "skill__category"]
    list_select_related = ["skill"]
    search_fields = ["skill__name", "description"]
    autocomplete_fields = ["skill"]


@admin.register(JobFamily)
class JobFamilyAdmin(SpreadsheetAdmin):
    resource_classes = [JobFamilyResource]
    list_display = ["name", "role_count"]
    search_fields = ["name", "description"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(role_count=Count("roles"))

    @admin.display(description="roles", ordering="role_count")
    def role_count(self, family):
        return family.role_count


class RoleRequirementInline(admin.TabularInline):
    model = RoleRequirement
    fields = ["skill", "target_level", "importance", "core"]
    autocomplete_fields = ["skill"]
    extra = 1

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("skill")


class MobilityPathOutgoingInline(admin.TabularInline):
    model = MobilityPath
    fk_name = "from_role"
    fields = ["to_role", "kind"]
    autocomplete_fields = ["to_role"]
    extra = 0
    verbose_name = "path to another role"
    verbose_name_plural = "where this role leads"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("to_role")


@admin.register(Role)
class RoleAdmin(SpreadsheetAdmin):
    resource_classes = [RoleResource]
    list_display = ["title", "family", "grade", "requirement_count"]
    list_filter = ["family", "grade"]
    list_select_related = ["family"]
    search_fields = ["title", "family__name"]
    autocomplete_fields = ["family"]
    inlines = [RoleRequirementInline, MobilityPathOutgoingInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(requirement_count=Count("requirements"))

    @admin.display(description="requirements", ordering="requirement_count")
    def requirement_count(self, role):
        return role.requirement_count


@admin.register(RoleRequirement)
class RoleRequirementAdmin(SpreadsheetAdmin):
    resource_classes = [RoleRequirementResource]
    list_display = ["role", "skill", "target_level", "importance", "core"]
    list_filter = ["core", "importance", "target_level", "role__family", "skill__category"]
    list_select_related = ["role", "skill"]
    search_fields = ["role__title", "skill__name"]
    autocomplete_fields = ["role", "skill"]


@admin.register(MobilityPath)
class MobilityPathAdmin(SpreadsheetAdmin):
    resource_classes = [MobilityPathResource]
    list_display = ["from_role", "to_role", "kind"]
    list_filter = ["kind", "from_role__family"]
    list_select_related = ["from_role", "to_role"]
    search_fields = ["from_role__title", "to_role__title"]
    autocomplete_fields = ["from_role", "to_role"]
