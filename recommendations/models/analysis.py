"""Analysis runs and their results (gaps, career paths), the engine's settings, and HR's review
of what the engine produced.

Results are written per ``AnalysisRun``: a recompute writes a whole new generation of rows and
then moves each employee's pointer (``EmployeeAnalysis.run``) in one statement, so a failure
part-way leaves everyone's previous results in place. ``visible_run`` is the newest generation
HR let people see (pilot mode reviews everything; afterwards only low-confidence analyses).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from profiles.models import Employee
from taxonomy.models import Level, Role, Skill

from ..engine.settings import DEFAULT_SOURCE_WEIGHTS, EngineWeights


class EngineSettings(models.Model):
    """One row: HR's weights for the priority, how evidence counts, and the review policy."""

    urgency_weight = models.FloatField(default=EngineWeights.urgency, help_text="Current-role urgency in the priority.")
    leverage_weight = models.FloatField(default=EngineWeights.leverage, help_text="Progress toward the aspired role.")
    demand_weight = models.FloatField(default=EngineWeights.demand, help_text="Business-unit skill demand.")
    core_multiplier = models.FloatField(default=EngineWeights.core_multiplier)
    half_life_days = models.FloatField(default=EngineWeights.half_life_days, help_text="Evidence this old counts half.")
    weight_assessment = models.FloatField(default=DEFAULT_SOURCE_WEIGHTS["assessment"])
    weight_manager = models.FloatField(default=DEFAULT_SOURCE_WEIGHTS["manager"])
    weight_learning = models.FloatField(default=DEFAULT_SOURCE_WEIGHTS["learning"])
    weight_inferred = models.FloatField(default=DEFAULT_SOURCE_WEIGHTS["inferred"])
    weight_self = models.FloatField(default=DEFAULT_SOURCE_WEIGHTS["self"])
    weight_peer = models.FloatField(
        default=DEFAULT_SOURCE_WEIGHTS["peer"], help_text="A colleague's rating in a 360 feedback answer."
    )
    weight_review = models.FloatField(
        default=DEFAULT_SOURCE_WEIGHTS["review"], help_text="The manager's rating in a quarterly deep review."
    )
    review_every_months = models.PositiveSmallIntegerField(
        default=3,
        help_text="Deep reviews open for every employee every this many months (3: each quarter), "
        "on the first day of the period.",
    )
    review_self_days = models.PositiveSmallIntegerField(
        default=14, help_text="Days after a deep review opens that the employee's self-assessment is due."
    )
    review_manager_days = models.PositiveSmallIntegerField(
        default=28, help_text="Days after a deep review opens that the manager completes it."
    )
    pilot_mode = models.BooleanField(
        default=True,
        help_text="While on, every new gap analysis and learning pick waits for HR review before managers or employees see it.",
    )
    review_threshold = models.FloatField(
        default=0.55,
        help_text="After the pilot, analyses and learning picks whose confidence is below this wait for HR review.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "engine settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(urgency_weight__gte=0, leverage_weight__gte=0, demand_weight__gte=0),
                name="engine_weights_not_negative",
                violation_error_message="Priority weights cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(review_threshold__gte=0, review_threshold__lte=1),
                name="engine_threshold_0_to_1",
                violation_error_message="The review threshold is a confidence between 0 and 1.",
            ),
            models.CheckConstraint(
                condition=Q(half_life_days__gt=0),
                name="engine_half_life_positive",
                violation_error_message="The evidence half-life must be more than 0 days.",
            ),
            models.CheckConstraint(
                condition=Q(
                    weight_assessment__gte=0,
                    weight_manager__gte=0,
                    weight_learning__gte=0,
                    weight_inferred__gte=0,
                    weight_self__gte=0,
                    weight_peer__gte=0,
                    weight_review__gte=0,
                ),
                name="engine_source_weights_not_negative",
                violation_error_message="Evidence weights cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(review_every_months__gte=1, review_every_months__lte=12),
                name="engine_review_period_1_to_12_months",
                violation_error_message="Deep reviews open every 1 to 12 months.",
            ),
            models.CheckConstraint(
                condition=Q(review_manager_days__gte=models.F("review_self_days")),
                name="engine_review_manager_due_after_self",
                violation_error_message="The manager's part is due on or after the self-assessment.",
            ),
        ]

    def __str__(self):
        return "Engine settings"

    @classmethod
    def load(cls) -> "EngineSettings":
        return cls.objects.get_or_create(pk=1)[0]

    def as_weights(self) -> EngineWeights:
        return EngineWeights(
            urgency=self.urgency_weight,
            leverage=self.leverage_weight,
            demand=self.demand_weight,
            core_multiplier=self.core_multiplier,
            half_life_days=self.half_life_days,
            source_weights={
                "assessment": self.weight_assessment,
                "manager": self.weight_manager,
                "learning": self.weight_learning,
                "inferred": self.weight_inferred,
                "self": self.weight_self,
                "peer": self.weight_peer,
                "review": self.weight_review,
            },
        )


GAP_WEIGHT_MIN, GAP_WEIGHT_MAX = 0.25, 4.0


class GapWeight(models.Model):
    """One person's own weight on one of their gaps, agreed in a quarterly deep review.

    The engine multiplies the gap's priority by it (``engine.gaps.compute_gaps``, ``gap_weights``):
    above 1 the person and their manager raised it, below 1 they lowered it. Each review
    multiplies the weight again (a gap raised twice counts more), within 0.25 to 4.
    """

    # employee_id: gap_weight_once_per_skill leads with it
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="gap_weights", db_index=False)
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="+")
    weight = models.FloatField()
    reason = models.CharField(max_length=200, help_text="Where it was agreed, e.g. raised in the 2026 Q4 review.")
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["employee", "skill"]
        constraints = [
            models.UniqueConstraint(fields=["employee", "skill"], name="gap_weight_once_per_skill"),
            models.CheckConstraint(
                condition=Q(weight__gte=GAP_WEIGHT_MIN, weight__lte=GAP_WEIGHT_MAX),
                name="gap_weight_in_range",
                violation_error_message=f"A gap's weight is between {GAP_WEIGHT_MIN} and {GAP_WEIGHT_MAX}.",
            ),
        ]

    def __str__(self):
        return f"{self.employee} · {self.skill} x{self.weight:g}"


class AnalysisRun(models.Model):
    class Scope(models.TextChoices):
        FULL = "full", "Whole organisation"
        BUSINESS_UNIT = "business_unit", "One business unit"
        EMPLOYEES = "employees", "Some employees"

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed: previous results kept"

    scope = models.CharField(max_length=20, choices=Scope.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RUNNING)
    trigger = models.CharField(max_length=60, blank=True, help_text="What asked for it: nightly, a command, an event.")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    employees = models.PositiveIntegerField(default=0)
    gaps = models.PositiveIntegerField(default=0)
    paths = models.PositiveIntegerField(default=0)
    matches = models.PositiveIntegerField(default=0)
    progress = models.FloatField(default=0.0, help_text="Share done, 0 to 1 (for long runs).")
    chunks_total = models.PositiveIntegerField(default=1)
    chunks_done = models.PositiveIntegerField(default=0)
    read_seconds = models.FloatField(null=True, blank=True)
    compute_seconds = models.FloatField(null=True, blank=True)
    write_seconds = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of life (start, each chunk, finish); a run silent too long died."
    )

    class Meta:
        ordering = ["-started_at"]

    def __str__(self):
        return f"Analysis #{self.pk} ({self.get_scope_display()}, {self.get_status_display()})"


class RunSummary(models.Model):
    """Scratch rows: each chunk's per-employee summary, waiting for its run to finish."""

    run = models.ForeignKey(AnalysisRun, related_name="+", on_delete=models.CASCADE, db_constraint=False)
    employee_id = models.BigIntegerField()
    aspired_role_id = models.BigIntegerField(null=True)
    readiness_current = models.FloatField(null=True)
    readiness_aspired = models.FloatField(null=True)
    gap_count = models.PositiveIntegerField()
    top_skill_id = models.BigIntegerField(null=True)
    confidence = models.FloatField()

    def __str__(self):
        return f"Summary of employee {self.employee_id} in run {self.run_id}"


class ReviewStatus(models.TextChoices):
    PENDING = "pending", "Waiting for HR review"
    APPROVED = "approved", "Approved by HR"
    EDITED = "edited", "Edited by HR"
    REJECTED = "rejected", "Rejected by HR"
    AUTO = "auto", "Released without review (confident)"


class EmployeeAnalysisQuerySet(models.QuerySet):
    def older_than(self, when):
        return self.filter(computed_at__lt=when)


class EmployeeAnalysis(models.Model):
    """The pointer to one employee's current results, and a summary for list pages."""

    employee = models.OneToOneField(Employee, primary_key=True, on_delete=models.CASCADE, related_name="analysis")
    run = models.ForeignKey(AnalysisRun, on_delete=models.PROTECT, related_name="+")
    visible_run = models.ForeignKey(
        AnalysisRun,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The newest results managers and the employee may see.",
    )
    computed_at = models.DateTimeField()
    aspired_role = models.ForeignKey(Role, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    readiness_current = models.FloatField(null=True, blank=True)
    readiness_aspired = models.FloatField(null=True, blank=True)
    gap_count = models.PositiveIntegerField(default=0)
    top_skill = models.ForeignKey(Skill, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    confidence = models.FloatField(default=0.0, help_text="Mean confidence of the top three gaps.")
    review_status = models.CharField(max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.PENDING)

    objects = EmployeeAnalysisQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "employee analyses"

    def __str__(self):
        return f"Analysis of {self.employee}"


# The three result tables below are derived data rewritten in bulk (800,000 rows a night at
# 100,000 employees), so they carry no database-level foreign keys and no per-column indexes:
# each would cost a lookup per row on every COPY. Django still cascades deletes, and the
# recompute cleans rows of runs nobody points at any more.
RESULT_FK = {"on_delete": models.CASCADE, "db_constraint": False, "db_index": False}


class SkillGap(models.Model):
    run = models.ForeignKey(AnalysisRun, related_name="+", **{**RESULT_FK, "db_index": True})
    employee = models.ForeignKey(Employee, related_name="gaps", **RESULT_FK)
    skill = models.ForeignKey(Skill, related_name="+", **RESULT_FK)
    current = models.FloatField()
    confidence = models.FloatField()
    target_current = models.PositiveSmallIntegerField(null=True, blank=True, choices=Level.choices)
    importance_current = models.PositiveSmallIntegerField(null=True, blank=True)
    core = models.BooleanField(default=False)
    target_aspired = models.PositiveSmallIntegerField(null=True, blank=True, choices=Level.choices)
    importance_aspired = models.PositiveSmallIntegerField(null=True, blank=True)
    demand_weight = models.FloatField(null=True, blank=True)
    shortfall_current = models.FloatField()
    shortfall_aspired = models.FloatField()
    urgency = models.FloatField()
    leverage = models.FloatField()
    demand = models.FloatField()
    priority = models.FloatField()
    rank = models.PositiveSmallIntegerField()
    aspired_gaps_left = models.PositiveSmallIntegerField(default=0)
    hr_rationale = models.TextField(blank=True, help_text="HR's wording, when HR edited the generated rationale.")

    class Meta:
        ordering = ["employee", "rank"]
        indexes = [models.Index(fields=["employee", "run", "rank"], name="gap_employee_run_rank")]

    def __str__(self):
        return f"{self.employee} · {self.skill} (#{self.rank})"


class CareerPath(models.Model):
    class Kind(models.TextChoices):
        PROMOTION = "promotion", "Promotion"
        LATERAL = "lateral", "Lateral move"
        ADJACENT = "adjacent", "Adjacent role"
        OBSERVED = "observed", "A move others made"
        ASPIRATION = "aspiration", "Your stated goal"

    run = models.ForeignKey(AnalysisRun, related_name="+", **{**RESULT_FK, "db_index": True})
    employee = models.ForeignKey(Employee, related_name="career_paths", **RESULT_FK)
    role = models.ForeignKey(Role, related_name="+", **RESULT_FK)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    via_taxonomy = models.BooleanField(default=False)
    moves_observed = models.PositiveIntegerField(default=0)
    typical_months = models.FloatField()
    readiness = models.FloatField()
    missing = models.PositiveSmallIntegerField(default=0)
    months_estimate = models.FloatField()
    is_aspiration = models.BooleanField(default=False)

    class Meta:
        ordering = ["employee", "-is_aspiration", "-readiness"]
        indexes = [models.Index(fields=["employee", "run"], name="path_employee_run")]

    def __str__(self):
        return f"{self.employee} → {self.role} ({self.readiness:.0%})"


class ReviewItem(models.Model):
    """Something waiting for HR before managers or the employee see it."""

    class Kind(models.TextChoices):
        GAP_ANALYSIS = "gap_analysis", "Gap analysis"
        RECOMMENDATION = "recommendation", "Learning recommendation"
        SUCCESSION = "succession", "Succession proposal"

    class Reason(models.TextChoices):
        PILOT = "pilot", "Pilot mode: everything is reviewed"
        LOW_CONFIDENCE = "low_confidence", "Confidence below the threshold"
        FLAGGED = "flagged", "Flagged as wrong by a manager or HR"
        SUCCESSION = "succession", "Nobody enters a succession pool without a human decision"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="review_items")
    run = models.ForeignKey(AnalysisRun, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    confidence = models.FloatField(default=0.0)
    status = models.CharField(max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True, help_text="Why HR decided as it did (required for edits and rejections).")
    succession = models.ForeignKey(
        "SuccessionCandidate", null=True, blank=True, on_delete=models.CASCADE, related_name="review_items"
    )

    class Meta:
        ordering = ["status", "confidence", "created_at"]
        indexes = [models.Index(fields=["status", "kind"], name="review_status_kind")]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "employee"],
                condition=Q(status="pending") & ~Q(kind="succession"),
                name="review_one_pending_per_employee",
            ),
            # one person may be proposed for several critical roles: one item per proposal
            models.UniqueConstraint(
                fields=["succession"], condition=Q(status="pending"), name="review_one_pending_per_proposal"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.employee} ({self.get_status_display()})"
