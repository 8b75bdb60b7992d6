from django.contrib import admin

from .models import CheckIn, Signal, SkillContest


@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin):
    list_display = ["employee", "manager", "held_on", "manager_prep_saved", "employee_relevance", "created_at"]
    list_filter = ["held_on"]
    search_fields = ["employee__first_name", "employee__last_name", "manager__first_name", "manager__last_name"]
    raw_id_fields = ["employee", "manager", "recorded_by"]
    readonly_fields = ["agenda", "gaps_snapshot", "created_at", "employee_answered_at"]
    date_hierarchy = "held_on"


@admin.register(Signal)
class SignalAdmin(admin.ModelAdmin):
    list_display = ["employee", "kind", "author", "created_at"]
    list_filter = ["kind"]
    search_fields = ["employee__first_name", "employee__last_name", "text"]
    raw_id_fields = ["employee", "author"]


@admin.register(SkillContest)
class SkillContestAdmin(admin.ModelAdmin):
    """Read-only here: decisions go through the portal so they are recorded as evidence."""

    list_display = [
        "employee",
        "skill",
        "level_on_record",
        "claimed_level",
        "status",
        "decided_level",
        "decided_by",
        "created_at",
    ]
    list_filter = ["status"]
    search_fields = ["employee__first_name", "employee__last_name", "skill__name"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in SkillContest._meta.fields]

    def has_add_permission(self, request):
        return False
