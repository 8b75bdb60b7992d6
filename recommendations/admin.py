from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from import_export.forms import ExportForm

from profiles.admin import ReadOnlyAdmin
from taxonomy.admin import SpreadsheetAdmin

from .models import (
    AnalysisRun,
    Candidacy,
    CriticalRole,
    EmployeeAnalysis,
    EngineSettings,
    Flag,
    GapWeight,
    LearningResource,
    ModelRun,
    Opportunity,
    OpportunitySkill,
    Placement,
    PlannedMove,
    Recommendation,
    ResourceSkill,
    ReviewItem,
    SuccessionCandidate,
)
from .resources import CatalogueResource, validate_mentor_level
from .scoring import fallback_note


class EngineSettingsForm(forms.ModelForm):
    """The review threshold as a percentage, as every page shows a confidence (stored 0 to 1)."""

    review_threshold = forms.FloatField(
        label="Review threshold (%)",
        min_value=0,
        max_value=100,
        help_text="After the pilot, analyses and learning picks whose confidence is below this percentage "
        "wait for HR review. Confidences are shown as percentages everywhere: 29 here is the 29% of the queue.",
    )

    class Meta:
        model = EngineSettings
        fields = [
            "pilot_mode",
            "review_threshold",
            "urgency_weight",
            "leverage_weight",
            "demand_weight",
            "core_multiplier",
            "half_life_days",
            "weight_assessment",
            "weight_manager",
            "weight_learning",
            "weight_inferred",
            "weight_self",
            "weight_peer",
            "weight_review",
            "review_every_months",
            "review_self_days",
            "review_manager_days",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial["review_threshold"] = round(self.instance.review_threshold * 100, 1)

    def clean_review_threshold(self):
        return self.cleaned_data["review_threshold"] / 100


@admin.register(EngineSettings)
class EngineSettingsAdmin(admin.ModelAdmin):
    form = EngineSettingsForm
    fieldsets = [
        ("Review policy", {"fields": ["pilot_mode", "review_threshold"]}),
        (
            "How gaps are prioritised",
            {"fields": ["urgency_weight", "leverage_weight", "demand_weight", "core_multiplier"]},
        ),
        (
            "How evidence counts",
            {
                "fields": [
                    "half_life_days",
                    "weight_assessment",
                    "weight_manager",
                    "weight_learning",
                    "weight_inferred",
                    "weight_self",
                    "weight_peer",
                    "weight_review",
                ]
            },
        ),
        (
            "Quarterly deep reviews",
            {"fields": ["review_every_months", "review_self_days", "review_manager_days"]},
        ),
    ]

    def has_add_permission(self, request):
        return not EngineSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(GapWeight)
class GapWeightAdmin(ReadOnlyAdmin):
    """People's own weights on their gaps, agreed in quarterly deep reviews (read-only here:
    the review sets them; delete one to rank that gap by the rules alone again)."""

    list_display = ["employee", "skill", "weight", "reason", "updated_at"]
    list_select_related = ["employee", "skill"]
    search_fields = ["employee__last_name", "employee__external_id", "skill__name"]


@admin.register(AnalysisRun)
class AnalysisRunAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "scope",
        "status",
        "progress_shown",
        "trigger",
        "started_at",
        "finished_at",
        "employees",
        "gaps",
    ]
    list_filter = ["status", "scope"]
    readonly_fields = [field.name for field in AnalysisRun._meta.fields]

    @admin.display(description="progress")
    def progress_shown(self, run):
        return f"{run.progress:.0%} ({run.chunks_done}/{run.chunks_total} chunks)"

    def has_add_permission(self, request):
        return False


@admin.register(EmployeeAnalysis)
class EmployeeAnalysisAdmin(admin.ModelAdmin):
    list_display = [
        "employee",
        "computed_at",
        "review_status",
        "gap_count",
        "top_skill",
        "confidence",
        "readiness_aspired",
    ]
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


# --- The learning catalogue ------------------------------------------------------------------


class ResourceSkillFormSet(forms.BaseInlineFormSet):
    """A mentorship's mentor must reach each skill's ``to_level`` (the importer's rule, same message)."""

    def clean(self):
        super().clean()
        item = self.instance
        if item.kind != LearningResource.Kind.MENTORSHIP or item.mentor_id is None:
            return
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if data.get("DELETE") or not data.get("skill") or not data.get("to_level"):
                continue
            try:
                validate_mentor_level(mentor=item.mentor, skill=data["skill"], to_level=data["to_level"])
            except ValidationError as error:
                form.add_error("to_level", error)


class ResourceSkillInline(admin.TabularInline):
    model = ResourceSkill
    formset = ResourceSkillFormSet
    fields = ["skill", "from_level", "to_level"]
    autocomplete_fields = ["skill"]
    extra = 1

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("skill")


@admin.register(LearningResource)
class LearningResourceAdmin(SpreadsheetAdmin):
    """The catalogue; its spreadsheet has one row per item and skill (``CatalogueResource``)."""

    resource_classes = [CatalogueResource]
    # Every column, always: a file missing one would not import back. (The selectable-fields form
    # also cannot select a column named "format": it clashes with the form's file-format field.)
    export_form_class = ExportForm
    list_display = ["title", "kind", "format", "hours", "cost", "provider", "skill_count", "active"]
    list_filter = ["kind", "format", "active", "provider"]
    search_fields = ["title", "description", "provider", "activity_id", "skills__skill__name"]
    autocomplete_fields = ["mentor", "opportunity"]
    readonly_fields = ["created_at"]
    fieldsets = [
        (None, {"fields": ["title", "kind", "format", "description", "active"]}),
        ("Effort and cost", {"fields": ["hours", "cost", "provider"]}),
        ("Where it lives", {"fields": ["url", "activity_id"]}),
        ("Mentorship and stretch assignments", {"fields": ["mentor", "opportunity"]}),
        (None, {"fields": ["created_at"]}),
    ]
    inlines = [ResourceSkillInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(skill_count=Count("skills"))

    @admin.display(description="skills", ordering="skill_count")
    def skill_count(self, item):
        return item.skill_count


class FlagForm(forms.ModelForm):
    class Meta:
        model = Flag
        fields = ["resolution"]

    def clean_resolution(self):
        resolution = self.cleaned_data["resolution"].strip()
        if not resolution:
            raise ValidationError("Say how the flag was resolved, so whoever raised it can follow.")
        return resolution


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    """Gaps and recommendations a manager or HR called wrong. HR resolves them with a note;
    the rest is what was raised, and stays as it was."""

    form = FlagForm
    list_display = ["created_at", "target", "employee", "about", "short_reason", "raised_by", "resolved"]
    list_filter = ["target", ("resolved_at", admin.EmptyFieldListFilter)]
    search_fields = ["employee__first_name", "employee__last_name", "employee__external_id", "reason", "skill__name"]
    list_select_related = ["employee", "skill", "recommendation__resource", "raised_by"]
    readonly_fields = [
        "target",
        "employee",
        "skill",
        "recommendation",
        "reason",
        "raised_by",
        "created_at",
        "resolved_at",
    ]
    fields = [*readonly_fields, "resolution"]

    def has_add_permission(self, request):
        return False  # flags are raised where the gap or recommendation is shown

    @admin.display(description="about")
    def about(self, flag):
        return flag.recommendation.resource if flag.recommendation_id else flag.skill

    @admin.display(description="reason")
    def short_reason(self, flag):
        return flag.reason if len(flag.reason) <= 80 else f"{flag.reason[:79]}…"

    @admin.display(description="resolved", boolean=True, ordering="resolved_at")
    def resolved(self, flag):
        return flag.resolved_at is not None

    def save_model(self, request, obj, form, change):
        if obj.resolved_at is None:
            obj.resolved_at = timezone.now()
        super().save_model(request, obj, form, change)


@admin.register(Recommendation)
class RecommendationAdmin(ReadOnlyAdmin):
    """What the engine put to whom and why, and what became of it: read-only."""

    list_display = [
        "employee",
        "resource",
        "skill",
        "goal",
        "rank",
        "shown",
        "status",
        "score",
        "scorer",
        "created_at",
        "delivered_at",
        "acted_at",
    ]
    list_filter = ["status", "goal", "shown", "scorer", "resource__kind"]
    search_fields = [
        "employee__first_name",
        "employee__last_name",
        "employee__external_id",
        "resource__title",
        "skill__name",
    ]
    list_select_related = ["employee", "resource", "skill"]
    date_hierarchy = "created_at"


@admin.register(ModelRun)
class ModelRunAdmin(ReadOnlyAdmin):
    """Training runs of the ranking model: the holdout metrics of model, heuristic and popularity
    side by side, how sure the gain is, and what the model leans on; never the raw JSON."""

    list_display = [
        "version",
        "trained_at",
        "algorithm",
        "rows",
        "positives",
        "ndcg_shown",
        "beats_heuristic",
        "serving",
        "fallback",
    ]
    list_filter = ["serving", "beats_heuristic", "fallback"]
    search_fields = ["version", "algorithm", "notes"]
    fields = [
        "version",
        "trained_at",
        "scorer_ranking",
        "algorithm",
        "rows",
        "positives",
        "split_at",
        "metrics_table",
        "gain_shown",
        "importances_shown",
        "reliability_table",
        "beats_heuristic",
        "serving",
        "fallback",
        "file",
        "notes",
    ]

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    @admin.display(description="which scorer ranks now, and why")
    def scorer_ranking(self, run):
        """What ranks people's picks today, as decided by this run and the others."""
        metrics = run.metrics if isinstance(run.metrics, dict) else {}
        gain = metrics.get("ndcg_gain_over_heuristic") or {}
        figures = (
            f" (NDCG@3 {gain['mean']:+.3f} over the fixed heuristic held out, bootstrap 5th percentile "
            f"{gain.get('low', 0):+.3f})"
            if gain.get("mean") is not None
            else ""
        )
        if run.serving:
            return (
                f"This run's model ranks: it beats the fixed heuristic with enough history{figures}. "
                + fallback_note(metrics)
            )
        serving = ModelRun.objects.filter(serving=True).order_by("-trained_at", "-pk").first()
        latest = ModelRun.objects.order_by("-trained_at", "-pk").first()
        why = "it does not beat the fixed heuristic" if not run.beats_heuristic else "there is not enough history"
        verdict = f"This run's model does not serve: {why}{figures}. "
        if serving is not None:
            return verdict + f"Model {serving.version}, from an earlier run, ranks."
        if latest is not None and latest.pk != run.pk:
            return verdict + f"The newest run ({latest.version}) decides which heuristic ranks: the {latest.fallback}."
        return verdict + fallback_note(metrics)

    @admin.display(description="NDCG@3 on the holdout")
    def ndcg_shown(self, run):
        scores = dict(_metric_rows(run.metrics))
        model, heuristic = scores.get("model", {}).get("ndcg@3"), scores.get("heuristic", {}).get("ndcg@3")
        if model is None:
            return "-"
        return f"{model:.3f}" + (f" (heuristic {heuristic:.3f})" if heuristic is not None else "")

    @admin.display(description="holdout metrics by scorer")
    def metrics_table(self, run):
        rows = _metric_rows(run.metrics)
        if not rows:
            return "-"
        names = [name for name in METRIC_NAMES if any(name in values for _, values in rows)]
        header = format_html_join("", "<th>{}</th>", ((METRIC_NAMES[name],) for name in names))
        body = format_html_join(
            "",
            "<tr><th>{}</th>{}</tr>",
            (
                (scorer, format_html_join("", "<td>{}</td>", ((_number(values.get(name)),) for name in names)))
                for scorer, values in rows
            ),
        )
        return format_html("<table><thead><tr><th>scorer</th>{}</tr></thead><tbody>{}</tbody></table>", header, body)

    @admin.display(description="gain over the heuristic")
    def gain_shown(self, run):
        gain = run.metrics.get("ndcg_gain_over_heuristic") if isinstance(run.metrics, dict) else None
        if not isinstance(gain, dict) or gain.get("mean") is None:
            return "-"
        return (
            f"NDCG@3 {gain['mean']:+.3f} (90% interval {gain.get('low', 0):+.3f} to {gain.get('high', 0):+.3f}); "
            "the model serves only while it beats the heuristic"
        )

    @admin.display(description="what the model leans on most")
    def importances_shown(self, run):
        rows = run.metrics.get("importances") if isinstance(run.metrics, dict) else None
        if not rows:
            return "-"
        return format_html_join(
            "",
            "<div>{}: {}</div>",
            (
                (row.get("feature", "?").replace("_", " "), f"{row.get('auc_drop', 0):.3f} AUC lost without it")
                for row in rows[:6]
            ),
        )

    @admin.display(description="reliability (holdout, per decile of the predicted chance of a good outcome)")
    def reliability_table(self, run):
        rows = run.metrics.get("reliability") if isinstance(run.metrics, dict) else None
        if not rows:
            return "-"
        columns = ["decile", "rows", "predicted", "observed", "taken_up"]
        header = format_html_join("", "<th>{}</th>", ((name.replace("_", " "),) for name in columns))
        body = format_html_join(
            "",
            "<tr>{}</tr>",
            ((format_html_join("", "<td>{}</td>", ((_number(row.get(name)),) for name in columns)),) for row in rows),
        )
        return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", header, body)


METRIC_NAMES = {"precision@3": "precision@3", "recall@3": "recall@3", "ndcg@3": "NDCG@3", "groups": "lists"}


def _metric_rows(metrics) -> list[tuple[str, dict]]:
    """[(scorer, {metric: value})] from a training run's metrics (``{"metrics": {"model": {...}, ...}, ...}``),
    a bare ``{"model": {...}, ...}`` or a flat ``{metric: value}``."""
    if not isinstance(metrics, dict) or not metrics:
        return []
    if isinstance(metrics.get("metrics"), dict):
        metrics = metrics["metrics"]
    if all(isinstance(value, dict) for value in metrics.values()):
        return [(str(scorer), values) for scorer, values in metrics.items()]
    return [("model", {k: v for k, v in metrics.items() if not isinstance(v, (dict, list))})]


def _number(value):
    return f"{value:.3f}" if isinstance(value, float) else ("-" if value is None else value)


@admin.register(CriticalRole)
class CriticalRoleAdmin(admin.ModelAdmin):
    """HR marks critical roles here or on /hr/succession/; the engine proposes each bench."""

    list_display = ["role", "owner", "marked_at", "marked_by"]
    autocomplete_fields = ["owner"]
    readonly_fields = ["marked_at", "marked_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.marked_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(PlannedMove)
class PlannedMoveAdmin(admin.ModelAdmin):
    """HR records moves it expects (or an opportunity's owner plans one from its candidates): the
    supply and demand projections at 6 and 12 months count each at its date and likelihood."""

    list_display = ["employee", "role", "business_unit", "expected_on", "likelihood", "opportunity", "recorded_by"]
    list_filter = ["business_unit"]
    autocomplete_fields = ["employee", "opportunity"]
    readonly_fields = ["recorded_at", "recorded_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(SuccessionCandidate)
class SuccessionCandidateAdmin(ReadOnlyAdmin):
    """Proposals are decided in the review queue (with the audit log), never edited here."""

    list_display = ["employee", "critical_role", "horizon", "readiness", "confidence", "status"]
    list_filter = ["status", "horizon", "critical_role"]


@admin.register(Candidacy)
class CandidacyAdmin(ReadOnlyAdmin):
    list_display = ["employee", "opportunity", "origin", "status", "tell_manager", "created_at"]
    list_filter = ["status", "origin"]


@admin.register(Placement)
class PlacementAdmin(ReadOnlyAdmin):
    list_display = ["employee", "opportunity", "placed_on", "placed_by"]
