"""Business units, skill demand and people in the admin.

A change of manager goes through ``profiles.services`` so ``org_path`` (and everyone below the
person moved) stays right; the form refuses a manager who reports to the employee.
"""

from django import forms
from django.contrib import admin, messages

from taxonomy.admin import SpreadsheetAdmin

from .credentials import credential_issue, credential_revoke
from .models import (
    BusinessUnit,
    CareerAspiration,
    Credential,
    DataQualityFlag,
    Demographics,
    Employee,
    LearningRecord,
    PerformanceReview,
    RoleAssignment,
    SkillDemand,
    SkillEvidence,
    SyncRejection,
    SyncRun,
)
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
    list_display = ["business_unit", "skill", "weight", "people_needed", "level_needed", "needed_by", "as_of", "note"]
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
    actions = ["export_data", "erase_data"]

    @admin.action(description="Export their data (JSON)")
    def export_data(self, request, queryset):
        """One person's data as a JSON download (GDPR art. 15 and 20); also /hr/data/people/<id>/."""
        import json

        from django.http import HttpResponse

        from .privacy import employee_export

        if queryset.count() != 1:
            self.message_user(request, "Select one person to export.", level="error")
            return None
        employee = queryset.get()
        body = json.dumps(employee_export(employee=employee, by=request.user), indent=2, default=str)
        response = HttpResponse(body, content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="employee-{employee.pk}.json"'
        return response

    @admin.action(description="Erase their personal data (cannot be undone)", permissions=["delete"])
    def erase_data(self, request, queryset):
        """GDPR art. 17, one person at a time, after the admin's own confirmation of the selection."""
        from .privacy import employee_erase

        if queryset.count() != 1:
            self.message_user(request, "Select one person to erase.", level="error")
            return
        erased = employee_erase(employee=queryset.get(), by=request.user)
        self.message_user(request, f"Erased: the record is now {erased.full_name} ({erased.external_id}).")

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


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that arrive from other systems: HR reads and searches them, the routes in write them."""

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class SyncRejectionInline(admin.TabularInline):
    model = SyncRejection
    fields = ["line", "reason", "raw"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    max_num = 0


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = [
        "started_at",
        "source",
        "kind",
        "name",
        "status",
        "received",
        "created",
        "updated",
        "unchanged",
        "rejected",
        "max_delay_seconds",
    ]
    list_filter = ["source", "kind", "status"]
    search_fields = ["name", "error"]
    inlines = [SyncRejectionInline]


@admin.register(DataQualityFlag)
class DataQualityFlagAdmin(ReadOnlyAdmin):
    list_display = ["kind", "employee", "subject", "opened_at", "resolved_at"]
    list_filter = ["kind", ("resolved_at", admin.EmptyFieldListFilter)]
    search_fields = ["employee__first_name", "employee__last_name", "subject", "detail"]
    list_select_related = ["employee"]


class EmployeeRecordAdmin(ReadOnlyAdmin):
    list_select_related = ["employee"]
    search_fields = ["employee__first_name", "employee__last_name", "employee__external_id"]


@admin.register(SkillEvidence)
class SkillEvidenceAdmin(EmployeeRecordAdmin):
    list_display = ["employee", "skill", "level", "source", "observed_at", "confidence"]
    list_filter = ["source", "level"]
    list_select_related = ["employee", "skill"]


@admin.register(PerformanceReview)
class PerformanceReviewAdmin(EmployeeRecordAdmin):
    list_display = ["employee", "period", "score", "goal_attainment", "reviewer", "submitted_at"]
    list_filter = ["period"]


@admin.register(LearningRecord)
class LearningRecordAdmin(EmployeeRecordAdmin):
    list_display = ["employee", "title", "status", "completed_at", "minutes", "score", "source"]
    list_filter = ["status", "source"]


@admin.register(CareerAspiration)
class CareerAspirationAdmin(EmployeeRecordAdmin):
    list_display = ["employee", "target_role", "stated_at", "source"]
    list_select_related = ["employee", "target_role"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(EmployeeRecordAdmin):
    list_display = ["employee", "role", "kind", "start_date", "end_date"]
    list_filter = ["kind"]
    list_select_related = ["employee", "role"]


@admin.register(Demographics)
class DemographicsAdmin(EmployeeRecordAdmin):
    """HR only (the HR group's permissions); used by the bias audit and nowhere else."""

    list_display = ["employee", "gender", "age_band"]

    def changelist_view(self, request, extra_context=None):
        from .audit import demographics_read_record

        demographics_read_record(reason="admin list", actor=request.user, count=self.model.objects.count())
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        from .audit import demographics_read_record

        row = self.model.objects.filter(pk=object_id).values_list("employee_id", flat=True).first()
        demographics_read_record(reason="admin record", actor=request.user, employee_ids=[row] if row else [])
        return super().change_view(request, object_id, form_url, extra_context)


class CredentialForm(forms.ModelForm):
    class Meta:
        model = Credential
        fields = ["kind", "name", "user"]


@admin.register(Credential)
class CredentialAdmin(admin.ModelAdmin):
    """HR issues credentials for the HR system (SCIM), the LMS (xAPI) and API clients, and revokes them.

    The secret is shown once, on the page after "Save"; only its hash is kept.
    """

    form = CredentialForm
    list_display = ["name", "kind", "key", "user", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["kind", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "key"]
    raw_id_fields = ["user"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        return ["kind", "name", "user", "key", "created_at", "last_used_at", "revoked_at"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            return
        credential, secret = credential_issue(kind=obj.kind, name=obj.name, user=obj.user)
        obj.pk = credential.pk
        shown = f"user name {credential.key}, password {secret}" if obj.kind == Credential.Kind.XAPI else secret
        messages.warning(request, f"Copy this now, it is not shown again: {shown}")

    @admin.action(description="Revoke the selected credentials")
    def revoke(self, request, queryset):
        for credential in queryset.filter(revoked_at__isnull=True):
            credential_revoke(credential=credential)
        messages.success(request, "Revoked. Systems using them are refused from now on.")
