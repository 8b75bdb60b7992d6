"""The learning catalogue, the recommendations made from it and what became of them, flags on the
engine's output, and the ranking model's runs."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from profiles.models import Employee
from taxonomy.models import Level, Skill

from .opportunities import Opportunity


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

    # employee_id: rec_employee_status leads with it
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="recommendations", db_index=False)
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
    scorer = models.CharField(
        max_length=40, help_text="heuristic, tuned-heuristic-<version>, popularity or model-<version>."
    )
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
    outcome = models.CharField(
        max_length=30,
        blank=True,
        default="",
        db_default="",  # the recompute writes picks in bulk without naming this column
        help_text="Its labelled outcome once its outcome window closed (ranking.outcomes_label): what the "
        "learned completion and uplift rates count; blank before.",
    )

    class Meta:
        ordering = ["employee", "rank"]
        indexes = [
            models.Index(fields=["outcome", "delivered_at"], name="rec_outcome", condition=~Q(outcome="")),
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

    class Fallback(models.TextChoices):
        FIXED = "heuristic", "Fixed heuristic"
        TUNED = "tuned heuristic", "Tuned heuristic"

    fallback = models.CharField(
        max_length=20,
        choices=Fallback.choices,
        default=Fallback.FIXED,
        help_text="The heuristic that ranks while no model serves (decided by the newest run): the tuned "
        "weights when they beat the fixed ones on the validation months and do no worse held out.",
    )
    file = models.CharField(max_length=300, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-trained_at"]

    def __str__(self):
        return f"Model {self.version} ({'serving' if self.serving else 'not serving'})"
