"""What the engine produces (gaps, career paths, opportunity matches), the knobs HR sets, and
the human review layer.

Results are written per ``AnalysisRun``: a recompute writes a whole new generation of rows and
then moves each employee's pointer (``EmployeeAnalysis.run``) in one statement, so a failure
part-way leaves everyone's previous results in place. ``visible_run`` is the newest generation
HR let people see (pilot mode reviews everything; afterwards only low-confidence analyses).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from profiles.models import BusinessUnit, Employee
from taxonomy.models import Level, Role, Skill

from .engine.settings import DEFAULT_SOURCE_WEIGHTS, EngineWeights


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
            },
        )


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


class Opportunity(models.Model):
    class Kind(models.TextChoices):
        ROLE = "role", "Open role"
        PROJECT = "project", "Project"
        STRETCH = "stretch", "Stretch assignment"
        MENTORSHIP = "mentorship", "Mentorship slot"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        FILLED = "filled", "Filled"
        CLOSED = "closed", "Closed"

    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    role = models.ForeignKey(
        Role,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opportunities",
        help_text="For an open role: its requirements are what the match is scored against.",
    )
    business_unit = models.ForeignKey(BusinessUnit, null=True, blank=True, on_delete=models.SET_NULL)
    description = models.TextField(blank=True)
    posted_by = models.ForeignKey(Employee, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    opens_on = models.DateField(null=True, blank=True)
    closes_on = models.DateField(null=True, blank=True)
    filled_by = models.ForeignKey(
        Employee,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opportunities_filled",
        help_text="Who took it (internal mobility is measured from this).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["status", "-created_at"]
        verbose_name_plural = "opportunities"
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="role") | Q(role__isnull=False),
                name="opportunity_role_needs_role",
                violation_error_message="An open-role opportunity must name the role.",
            ),
        ]

    def __str__(self):
        return self.title


class OpportunitySkill(models.Model):
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="skills")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="+")
    target_level = models.PositiveSmallIntegerField(choices=Level.choices, default=2)
    importance = models.PositiveSmallIntegerField(default=3)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "skill"],
                name="opportunity_skill_once",
                violation_error_message="This opportunity already lists that skill.",
            ),
        ]

    def __str__(self):
        return f"{self.opportunity}: {self.skill}"


class OpportunityMatch(models.Model):
    run = models.ForeignKey(AnalysisRun, related_name="+", **{**RESULT_FK, "db_index": True})
    employee = models.ForeignKey(Employee, related_name="opportunity_matches", **RESULT_FK)
    opportunity = models.ForeignKey(Opportunity, related_name="matches", **RESULT_FK)
    score = models.FloatField()
    fit = models.FloatField()
    aspiration = models.FloatField()
    growth = models.FloatField()
    rank_for_employee = models.PositiveSmallIntegerField(null=True, blank=True)
    rank_for_opportunity = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["employee", "-score"]
        indexes = [
            models.Index(fields=["employee", "run"], name="match_employee_run"),
            models.Index(fields=["opportunity", "run"], name="match_opportunity_run"),
        ]

    def __str__(self):
        return f"{self.employee} ~ {self.opportunity} ({self.score:.2f})"


class ReviewItem(models.Model):
    """Something waiting for HR before managers or the employee see it."""

    class Kind(models.TextChoices):
        GAP_ANALYSIS = "gap_analysis", "Gap analysis"
        RECOMMENDATION = "recommendation", "Learning recommendation"

    class Reason(models.TextChoices):
        PILOT = "pilot", "Pilot mode: everything is reviewed"
        LOW_CONFIDENCE = "low_confidence", "Confidence below the threshold"
        FLAGGED = "flagged", "Flagged as wrong by a manager or HR"

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

    class Meta:
        ordering = ["status", "confidence", "created_at"]
        indexes = [models.Index(fields=["status", "kind"], name="review_status_kind")]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "employee"],
                condition=Q(status="pending"),
                name="review_one_pending_per_employee",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.employee} ({self.get_status_display()})"


class LearningResource(models.Model):
    """One item of the learning catalogue HR curates: what it is, how it is delivered, what it raises."""

    class Kind(models.TextChoices):
        COURSE = "course", "Internal course"
        CERTIFICATION = "certification", "External certification"
        MENTORSHIP = "mentorship", "Mentorship pairing"
        STRETCH = "stretch", "Stretch assignment"
        PEER = "peer", "Peer learning"

    class Format(models.TextChoices):
        SELF_PACED = "self_paced", "Self-paced online"
        LIVE_VIRTUAL = "live_virtual", "Live virtual class"
        IN_PERSON = "in_person", "In-person workshop"
        ONE_TO_ONE = "one_to_one", "One-to-one"
        ON_THE_JOB = "on_the_job", "On the job"
        GROUP = "group", "Peer group"

    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    format = models.CharField(max_length=20, choices=Format.choices)
    description = models.TextField(blank=True)
    hours = models.FloatField(help_text="Expected effort in hours.")
    cost = models.DecimalField(max_digits=9, decimal_places=2, default=0)
    provider = models.CharField(max_length=120, blank=True)
    url = models.URLField(blank=True, max_length=500)
    activity_id = models.CharField(
        max_length=500,
        null=True,
        blank=True,
        unique=True,
        help_text="The LMS/xAPI activity id, so completions from the LMS are matched to this item.",
        error_messages={"unique": "Another catalogue item already has this activity id."},
    )
    mentor = models.ForeignKey(
        Employee,
        null=True,
        blank=True,
        on_delete=models.PROTECT,  # a pairing without its mentor breaks a constraint: retire the pairing first
        related_name="mentoring",
        help_text="For a mentorship pairing: the mentor (their level in the skill must be high enough).",
    )
    opportunity = models.ForeignKey(
        Opportunity,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resources",
        help_text="For a stretch assignment: the open opportunity it comes from.",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0),
                name="resource_hours_positive",
                violation_error_message="Hours must be more than 0.",
            ),
            models.CheckConstraint(
                condition=Q(cost__gte=0),
                name="resource_cost_not_negative",
                violation_error_message="Cost cannot be negative.",
            ),
            models.CheckConstraint(
                condition=~Q(kind="mentorship") | Q(mentor__isnull=False),
                name="resource_mentorship_names_mentor",
                violation_error_message="A mentorship pairing must name the mentor.",
            ),
        ]

    RECORD_KEY_PREFIX = "catalogue:"

    def __str__(self):
        return self.title

    @property
    def record_key(self) -> str:
        """The activity id learning records of this item carry: its LMS id, or ``catalogue:<pk>``
        for an item the LMS does not know (a mentorship, a stretch assignment ...)."""
        return self.activity_id or f"{self.RECORD_KEY_PREFIX}{self.pk}"


class ResourceSkill(models.Model):
    """A skill the resource raises, from one level to another."""

    resource = models.ForeignKey(LearningResource, on_delete=models.CASCADE, related_name="skills")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="resources")
    from_level = models.PositiveSmallIntegerField(default=0, help_text="The level it starts from (0 = none).")
    to_level = models.PositiveSmallIntegerField(choices=Level.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["resource", "skill"],
                name="resource_skill_once",
                violation_error_message="This resource already lists that skill.",
            ),
            models.CheckConstraint(
                condition=Q(from_level__gte=0, from_level__lte=3, to_level__gte=1, to_level__lte=4)
                & Q(to_level__gt=F("from_level")),
                name="resource_levels_rise",
                violation_error_message="A resource must raise the level: from 0-3 to a higher level 1-4.",
            ),
        ]

    def __str__(self):
        return f"{self.resource}: {self.skill} {self.from_level}→{self.to_level}"


class Recommendation(models.Model):
    """A learning resource put to one employee for one gap, with why, and what became of it."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        IN_REVIEW = "in_review", "Waiting for HR review"
        DELIVERED = "delivered", "Delivered"
        ACCEPTED = "accepted", "Accepted"
        COMPLETED = "completed", "Completed"
        DISMISSED = "dismissed", "Dismissed"
        WITHDRAWN = "withdrawn", "Withdrawn (replaced by newer picks)"
        REJECTED = "rejected", "Rejected in HR review (never recommended to them again)"

    # The status groups every reader and writer uses, each stated once here.
    UNSEEN = (Status.PROPOSED, Status.IN_REVIEW)
    """Not yet seen by the employee: staged by a recompute (proposed) or held for HR (in review)."""
    LIVE = (Status.IN_REVIEW, Status.DELIVERED)
    """Picked and not yet acted on: a recompute may update or withdraw them."""
    OPEN = (Status.DELIVERED, Status.ACCEPTED)
    """Delivered and not finished: the employee may still act on it (accept, dismiss, complete)."""
    TAKEN_UP = (Status.ACCEPTED, Status.COMPLETED)
    """The employee took it up: what engagement and enrolment count."""
    DECIDED = (Status.ACCEPTED, Status.COMPLETED, Status.DISMISSED, Status.REJECTED)
    """The employee's own decisions and HR's rejections: never touched, never recommended again."""

    class Goal(models.TextChoices):
        CURRENT = "current", "Current role"
        ASPIRED = "aspired", "Aspired role"
        BOTH = "both", "Current and aspired role"
        DEMAND = "demand", "Business-unit demand"

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="recommendations")
    resource = models.ForeignKey(LearningResource, on_delete=models.CASCADE, related_name="recommendations")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="+")
    goal = models.CharField(max_length=10, choices=Goal.choices)
    current_level = models.FloatField()
    reaches_level = models.PositiveSmallIntegerField()
    gap_priority = models.FloatField()
    score = models.FloatField()
    confidence = models.FloatField()
    rank = models.PositiveSmallIntegerField()
    shown = models.BooleanField(default=False, help_text="Among the few shown first (specificity over volume).")
    reason = models.TextField(help_text="The sentence that says why: the gap, the level it reaches, the goal.")
    scorer = models.CharField(max_length=40, help_text="heuristic, popularity or model-<version>.")
    features = models.JSONField(
        default=dict, help_text="The feature values when it was made: what the model learns from, with no look-ahead."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PROPOSED)
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    acted_at = models.DateTimeField(null=True, blank=True, help_text="First accept, dismiss or completion.")
    completed_at = models.DateTimeField(null=True, blank=True)
    dismissed_reason = models.TextField(blank=True)
    emailed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the e-mail telling the employee about it went out."
    )

    class Meta:
        ordering = ["employee", "rank"]
        indexes = [
            models.Index(fields=["employee", "status"], name="rec_employee_status"),
            models.Index(fields=["created_at"], name="rec_created"),
            # the daily e-mail's work list: delivered, not yet e-mailed (small, whatever the history)
            models.Index(
                fields=["delivered_at"],
                condition=Q(status="delivered", emailed_at__isnull=True),
                name="rec_to_email",
            ),
        ]

    def __str__(self):
        return f"{self.resource} for {self.employee} ({self.get_status_display()})"


class Flag(models.Model):
    """A manager or HR says a gap or a recommendation is wrong, and why. It goes to HR review and
    into the next training run as a negative label."""

    class Target(models.TextChoices):
        GAP = "gap", "Skill gap"
        RECOMMENDATION = "recommendation", "Recommendation"

    target = models.CharField(max_length=20, choices=Target.choices)
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="+")
    skill = models.ForeignKey(Skill, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recommendation = models.ForeignKey(
        Recommendation, null=True, blank=True, on_delete=models.CASCADE, related_name="flags"
    )
    reason = models.TextField()
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(target="gap", skill__isnull=False)
                | Q(target="recommendation", recommendation__isnull=False),
                name="flag_names_its_target",
                violation_error_message="A flag must name the gap's skill or the recommendation it is about.",
            ),
        ]

    def __str__(self):
        return f"Flag on {self.get_target_display().lower()} for {self.employee}"


class ModelRun(models.Model):
    """One training run of the recommendation ranking model, with its holdout evaluation."""

    trained_at = models.DateTimeField(auto_now_add=True)
    version = models.CharField(max_length=40, unique=True)
    algorithm = models.CharField(max_length=120)
    rows = models.PositiveIntegerField()
    positives = models.PositiveIntegerField()
    features = models.JSONField(default=list)
    split_at = models.DateTimeField(help_text="Training rows before this, holdout rows after (time split).")
    metrics = models.JSONField(default=dict, help_text="precision@3, recall@3, NDCG@3 of model, heuristic, popularity.")
    beats_heuristic = models.BooleanField(default=False)
    serving = models.BooleanField(
        default=False, help_text="The model ranks recommendations only while it beats the heuristic."
    )
    file = models.CharField(max_length=300, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-trained_at"]

    def __str__(self):
        return f"Model {self.version} ({'serving' if self.serving else 'not serving'})"
