from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from .models import AnalysisRun, EmployeeAnalysis, EngineSettings, Opportunity, OpportunitySkill, ReviewItem


@admin.register(EngineSettings)
class EngineSettingsAdmin(admin.ModelAdmin):
    fieldsets = [
        ("Review policy", {"fields": ["pilot_mode", "review_threshold"]}),
        ("How gaps are prioritised", {"fields": ["urgency_weight", "leverage_weight", "demand_weight", "core_multiplier"]}),
        (
            "How evidence counts",
            {"fields": ["half_life_days", "weight_assessment", "weight_manager", "weight_learning", "weight_inferred", "weight_self"]},
        ),
    ]

    def has_add_permission(self, request):
        return not EngineSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AnalysisRun)
class AnalysisRunAdmin(admin.ModelAdmin):
    list_display = ["id", "scope", "status", "progress_shown", "trigger", "started_at", "finished_at", "employees", "gaps"]
    list_filter = ["status", "scope"]
    readonly_fields = [field.name for field in AnalysisRun._meta.fields]

    @admin.display(description="progress")
    def progress_shown(self, run):
        return f"{run.progress:.0%} ({run.chunks_done}/{run.chunks_total} chunks)"

    def has_add_permission(self, request):
        return False


@admin.register(EmployeeAnalysis)
class EmployeeAnalysisAdmin(admin.ModelAdmin):
    list_display = ["employee", "computed_at", "review_status", "gap_count", "top_skill", "confidence", "readiness_aspired"]
    list_filter = ["review_status"]
    search_fields = ["employee__first_name", "employee__last_name", "employee__external_id"]
    list_select_related = ["employee", "top_skill"]
    readonly_fields = [field.name for field in EmployeeAnalysis._meta.fields]

    def has_add_permission(self, request):
        return False


class OpportunitySkillInline(admin.TabularInline):
    model = OpportunitySkill
    extra = 2
    autocomplete_fields = ["skill"]


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "role", "business_unit", "status", "closes_on", "filled_by"]
    list_filter = ["kind", "status", "business_unit"]
    search_fields = ["title", "description"]
    autocomplete_fields = ["role", "posted_by", "filled_by"]
    list_select_related = ["role", "business_unit", "filled_by"]
    inlines = [OpportunitySkillInline]


@admin.register(ReviewItem)
class ReviewItemAdmin(admin.ModelAdmin):
    list_display = ["employee", "kind", "reason", "confidence", "status", "created_at", "open_in_queue"]
    list_filter = ["status", "kind", "reason"]
    search_fields = ["employee__first_name", "employee__last_name"]
    list_select_related = ["employee"]
    readonly_fields = ["kind", "employee", "run", "reason", "confidence", "created_at", "decided_at", "decided_by"]

    @admin.display(description="")
    def open_in_queue(self, item):
        return format_html('<a href="{}">Review</a>', reverse("recommendations:review_item", args=[item.pk]))
