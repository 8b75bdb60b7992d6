from django.contrib import admin, messages

from .models import CheckIn, DeepReview, ReviewCycle, Signal, SkillContest
from .reviews import review_cycle_open


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


@admin.register(ReviewCycle)
class ReviewCycleAdmin(admin.ModelAdmin):
    """HR configures a quarterly review cycle here, then opens it (the action) for everyone in it."""

    list_display = ["name", "period_start", "period_end", "self_due_on", "manager_due_on", "opened_at"]
    filter_horizontal = ["business_units"]
    autocomplete_fields = ["skills"]
    readonly_fields = ["opened_at", "created_at"]
    actions = ["open_reviews"]
    fieldsets = [
        (None, {"fields": ["name", ("period_start", "period_end"), ("self_due_on", "manager_due_on")]}),
        ("Who is in it", {"fields": ["business_units", "cohort"]}),
        ("What is asked", {"fields": ["questions", "include_target_role", "skills"]}),
        ("Opened", {"fields": ["opened_at", "created_at"]}),
    ]

    @admin.action(description="Open the reviews of the selected cycles (adds only people without one)")
    def open_reviews(self, request, queryset):
        for cycle in queryset:
            opened = review_cycle_open(cycle=cycle)
            self.message_user(request, f"{cycle}: {opened} review(s) opened.", messages.SUCCESS)


@admin.register(DeepReview)
class DeepReviewAdmin(admin.ModelAdmin):
    """Read-only: the employee and their manager fill reviews in on the portal."""

    list_display = ["employee", "cycle", "manager", "status", "self_submitted_at", "completed_at"]
    list_filter = ["cycle", "status"]
    search_fields = ["employee__first_name", "employee__last_name"]
    list_select_related = ["employee", "cycle", "manager"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in DeepReview._meta.fields]

    def has_add_permission(self, request):
        return False
