"""Business units, skill demand and people in the admin.

A change of manager goes through ``profiles.services`` so ``org_path`` (and everyone below the
person moved) stays right; the form refuses a manager who reports to the employee.
"""

from django import forms
from django.contrib import admin

from taxonomy.admin import SpreadsheetAdmin

from .models import BusinessUnit, Employee, SkillDemand
from .resources import BusinessUnitResource, SkillDemandResource
from .services import employee_set_manager, org_paths_rebuild
from .signals import profile_changed_on_commit


@admin.register(BusinessUnit)
class BusinessUnitAdmin(SpreadsheetAdmin):
    resource_classes = [BusinessUnitResource]
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(SkillDemand)
class SkillDemandAdmin(SpreadsheetAdmin):
    resource_classes = [SkillDemandResource]
    list_display = ["business_unit", "skill", "weight", "as_of", "note"]
    list_filter = ["business_unit", "skill__category", "as_of"]
    list_select_related = ["business_unit", "skill"]
    search_fields = ["business_unit__name", "skill__name", "note"]
    autocomplete_fields = ["business_unit", "skill"]
    date_hierarchy = "as_of"


class EmployeeAdminForm(forms.ModelForm):
    class Meta:
        model = Employee
        fields = [
            "external_id",
            "first_name",
            "last_name",
            "email",
            "user",
            "role",
            "business_unit",
            "manager",
            "hire_date",
            "status",
            "termination_date",
            "voluntary_exit",
            "cohort",
        ]

    def clean_manager(self):
        manager = self.cleaned_data.get("manager")
        employee = self.instance
        if manager is None or employee.pk is None:
            return manager
        if manager.pk == employee.pk:
            raise forms.ValidationError(f"{employee} cannot be their own manager.", code="own_manager")
        # org_path is not a form field, so the instance still holds the stored path. An empty
        # path (never placed in the chart) would match everyone, so there is nothing below it.
        if employee.org_path and Employee.objects.below(employee).filter(pk=manager.pk).exists():
            raise forms.ValidationError(
                f"{manager} reports to {employee}, so cannot also be their manager (that would make a loop).",
                code="manager_loop",
            )
        return manager


@admin.register(Employee)
class EmployeeAdmin(admin.ModelAdmin):
    form = EmployeeAdminForm
    list_display = ["full_name", "external_id", "email", "role", "business_unit", "manager", "status"]
    list_filter = ["status", "business_unit", "role__family"]
    list_select_related = ["role", "business_unit", "manager"]
    search_fields = ["first_name", "last_name", "email", "external_id"]
    autocomplete_fields = ["manager", "role", "business_unit"]
    # HR has no admin rights on user accounts, so an id box rather than an autocomplete.
    raw_id_fields = ["user"]
    readonly_fields = ["org_path", "updated_at"]

    @admin.display(description="name", ordering="last_name")
    def full_name(self, employee):
        return employee.full_name

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Re-derives org_path from the (new) manager and moves everyone below the employee too.
        employee_set_manager(employee=obj, manager=obj.manager)
        if form.changed_data:
            what = "role" if "role" in form.changed_data else "person"
            profile_changed_on_commit(employee_ids=[obj.pk], what=what, source="portal")

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        org_paths_rebuild()  # their reports now have no manager: they become tops of tree

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        org_paths_rebuild()
