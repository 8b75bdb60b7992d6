"""People and the org chart.

The reporting line is stored twice on purpose: ``manager`` (the edge the HR system sends) and
``org_path`` (the chain of ids from the top, ``/1/7/42/``), so "everyone below this manager" is
one indexed prefix query at any depth instead of a recursive walk. ``profiles.services`` keeps
the two in step; nothing else writes ``org_path``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from taxonomy.models import Level, Role, Skill
from taxonomy.validators import LEVEL_MAX, OBSERVED_LEVEL_MIN

REVIEW_SCORE_MIN, REVIEW_SCORE_MAX = 1, 5  # a performance review's overall rating


class BusinessUnit(models.Model):
    name = models.CharField(
        max_length=120, unique=True, error_messages={"unique": "A business unit with this name already exists."}
    )
    code = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class SkillDemand(models.Model):
    """Emerging demand for a skill in one business unit (the guide's step-4 third input)."""

    business_unit = models.ForeignKey(BusinessUnit, on_delete=models.CASCADE, related_name="skill_demand")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="demand")
    weight = models.FloatField(default=1.0, help_text="How strongly the unit needs this skill, 0 to 1.")
    as_of = models.DateField()
    note = models.CharField(max_length=300, blank=True)
    people_needed = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="How many people the unit needs at or above the level below (workforce planning; empty: not planned).",
    )
    level_needed = models.PositiveSmallIntegerField(
        choices=Level.choices, default=Level.APPLIED_EXPERTISE, help_text="The level those people need."
    )
    needed_by = models.DateField(null=True, blank=True, help_text="When they are needed (empty: within twelve months).")

    class Meta:
        ordering = ["business_unit", "-weight"]
        verbose_name_plural = "skill demand"
        constraints = [
            models.UniqueConstraint(
                fields=["business_unit", "skill"],
                name="demand_one_per_unit_skill",
                violation_error_message="This business unit already has a demand entry for that skill.",
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=0, weight__lte=1),
                name="demand_weight_0_to_1",
                violation_error_message="Demand weight must be between 0 and 1.",
            ),
        ]

    def __str__(self):
        return f"{self.business_unit}: {self.skill} ({self.weight:g})"


class EmployeeQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=Employee.Status.ACTIVE)

    def below(self, manager):
        """Everyone in ``manager``'s reporting line at any depth, not the manager (nobody while
        the manager has no place in the org chart yet: an empty prefix would match everyone)."""
        if not manager.org_path:
            return self.none()
        return self.filter(org_path__startswith=manager.org_path).exclude(pk=manager.pk)


class Employee(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        LEFT = "left", "Left"

    external_id = models.CharField(
        max_length=100,
        help_text="The id in the HR system (employee number).",
        error_messages={"unique": "Another employee already has this external id."},
    )  # unique: Meta.constraints (unique=True would add a pattern-ops index nothing uses)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="employee"
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(blank=True)
    role = models.ForeignKey(Role, null=True, blank=True, on_delete=models.SET_NULL, related_name="employees")
    business_unit = models.ForeignKey(
        BusinessUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="employees"
    )
    manager = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports")
    org_path = models.CharField(max_length=1000, editable=False, default="")
    hire_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    termination_date = models.DateField(null=True, blank=True)
    voluntary_exit = models.BooleanField(null=True, blank=True, help_text="For leavers: did they choose to leave?")
    cohort = models.CharField(max_length=40, blank=True, help_text="Pilot or comparison group for outcome metrics.")
    updated_at = models.DateTimeField(auto_now=True)

    objects = EmployeeQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        # Declared on purpose (docs/architecture.md, "Indexes"); profiles/tests/test_indexes.py
        # fails on any index of this table declared nowhere here.
        indexes = [
            # "Everyone below this manager" is a prefix (LIKE 'x%') lookup: pattern ops, and no
            # plain index beside it (a team is sorted by org_path in memory, a few thousand rows).
            models.Index(fields=["org_path"], name="employee_org_path_like", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["email"], name="employee_email"),  # imports match people by e-mail
        ]
        constraints = [
            models.UniqueConstraint(fields=["external_id"], name="employee_external_id_unique"),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}"


class RoleAssignment(models.Model):
    """Role history: every hire, promotion, lateral move and internal fill, never overwritten.

    Internal mobility is measured from it and the career-path engine learns how long moves take.
    """

    class Kind(models.TextChoices):
        HIRE = "hire", "Hire"
        PROMOTION = "promotion", "Promotion"
        LATERAL = "lateral", "Lateral move"
        INTERNAL_FILL = "internal_fill", "Internal fill of an open role"
        OTHER = "other", "Other change"

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="role_history")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="assignments")
    business_unit = models.ForeignKey(BusinessUnit, null=True, blank=True, on_delete=models.SET_NULL)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.HIRE)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=20, default="import")

    class Meta:
        ordering = ["employee", "start_date"]
        constraints = [
            models.UniqueConstraint(fields=["employee", "role", "start_date"], name="assignment_once_per_start"),
        ]

    def __str__(self):
        return f"{self.employee}: {self.role} from {self.start_date}"


class EvidenceSource(models.TextChoices):
    SELF = "self", "Self-assessment"
    MANAGER = "manager", "Manager assessment"
    ASSESSMENT = "assessment", "Skills assessment"
    LEARNING = "learning", "Learning completion"
    INFERRED = "inferred", "Inferred"
    PEER = "peer", "Peer (360 feedback)"
    REVIEW = "review", "Quarterly review (manager)"


class SkillEvidence(models.Model):
    """One observation of an employee's level in a skill. Append-only: history is skill velocity."""

    # employee_id: evidence_emp_skill_time leads with it, a second index would only cost writes
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="evidence", db_index=False)
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="evidence")
    level = models.PositiveSmallIntegerField(help_text="0 none, 1 awareness … 4 mastery.")
    source = models.CharField(max_length=20, choices=EvidenceSource.choices)
    observed_at = models.DateTimeField()
    confidence = models.FloatField(default=1.0, help_text="How sure the source is, 0 to 1.")
    note = models.TextField(blank=True)
    evidence_url = models.URLField(blank=True, max_length=500)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    external_id = models.CharField(max_length=200, null=True, blank=True)  # unique: Meta.constraints
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["employee", "skill", "observed_at"]
        verbose_name_plural = "skill evidence"
        indexes = [models.Index(fields=["employee", "skill", "observed_at"], name="evidence_emp_skill_time")]
        constraints = [
            models.UniqueConstraint(fields=["external_id"], name="evidence_external_id_unique"),
            models.CheckConstraint(
                condition=Q(level__gte=OBSERVED_LEVEL_MIN, level__lte=LEVEL_MAX),
                name="evidence_level_0_to_4",
                violation_error_message=f"An evidence level must be between {OBSERVED_LEVEL_MIN} (none) and {LEVEL_MAX} (mastery).",
            ),
            models.CheckConstraint(
                condition=Q(confidence__gte=0, confidence__lte=1),
                name="evidence_confidence_0_to_1",
                violation_error_message="Confidence must be between 0 and 1.",
            ),
        ]

    def __str__(self):
        return f"{self.employee} · {self.skill} = {self.level} ({self.get_source_display()})"


class PerformanceReview(models.Model):
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="reviews")
    period = models.CharField(max_length=20, help_text="The review period, e.g. 2026-H1 or 2026-Q3.")
    reviewer = models.ForeignKey(Employee, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    score = models.DecimalField(max_digits=3, decimal_places=1, help_text="Overall rating, 1 to 5.")
    goal_attainment = models.FloatField(null=True, blank=True, help_text="Share of goals met, 0 to 1.")
    commentary = models.TextField(blank=True)
    submitted_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=20, default="import")

    class Meta:
        ordering = ["employee", "-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["employee", "period"],
                name="review_one_per_period",
                violation_error_message="This employee already has a review for that period.",
            ),
            models.CheckConstraint(
                condition=Q(score__gte=REVIEW_SCORE_MIN, score__lte=REVIEW_SCORE_MAX),
                name="review_score_1_to_5",
                violation_error_message=f"A review score must be between {REVIEW_SCORE_MIN} and {REVIEW_SCORE_MAX}.",
            ),
            models.CheckConstraint(
                condition=Q(goal_attainment__isnull=True) | Q(goal_attainment__gte=0, goal_attainment__lte=1.5),
                name="review_goal_attainment_range",
                violation_error_message="Goal attainment is a share of goals met, between 0 and 1.5.",
            ),
        ]

    def __str__(self):
        return f"{self.employee} · {self.period}: {self.score}"


class LearningRecord(models.Model):
    """What an employee did in the LMS (or elsewhere).

    ``activity_id`` is the LMS/xAPI activity id; the learning catalogue (recommendations app)
    maps its resources onto these ids, so a record for an unknown id is simply an external course.
    """

    class Status(models.TextChoices):
        ENROLLED = "enrolled", "Enrolled"
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"
        PASSED = "passed", "Passed"
        FAILED = "failed", "Failed"
        ABANDONED = "abandoned", "Abandoned"

    # employee_id: learning_emp_completed leads with it. activity_id is only ever looked up
    # within one person's records (that index again), so it has none of its own.
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="learning", db_index=False)
    activity_id = models.CharField(max_length=500)
    title = models.CharField(max_length=300)
    provider = models.CharField(max_length=120, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True, help_text="Scaled score, 0 to 1.")
    minutes = models.PositiveIntegerField(default=0, help_text="Minutes of engagement.")
    source = models.CharField(max_length=20, default="import")
    external_id = models.CharField(max_length=200, null=True, blank=True)  # unique: Meta.constraints
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["employee", "-completed_at"]
        indexes = [models.Index(fields=["employee", "completed_at"], name="learning_emp_completed")]
        constraints = [
            models.UniqueConstraint(fields=["external_id"], name="learning_external_id_unique"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=1),
                name="learning_score_0_to_1",
                violation_error_message="A learning score is scaled between 0 and 1.",
            ),
        ]

    def __str__(self):
        return f"{self.employee} · {self.title} ({self.get_status_display()})"


class CareerAspiration(models.Model):
    """A stated career goal. Kept as history: the newest one is the current goal."""

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="aspirations")
    target_role = models.ForeignKey(Role, null=True, blank=True, on_delete=models.SET_NULL, related_name="aspirants")
    interests = models.TextField(blank=True)
    not_wanted_roles = models.ManyToManyField(
        Role,
        blank=True,
        related_name="+",
        help_text="Roles the person said they do not want: never proposed for their succession bench.",
    )
    stated_at = models.DateTimeField()
    source = models.CharField(max_length=20, default="self")

    class Meta:
        ordering = ["employee", "-stated_at"]
        constraints = [
            models.UniqueConstraint(fields=["employee", "stated_at"], name="aspiration_once_per_time"),
        ]

    def __str__(self):
        return f"{self.employee} → {self.target_role or self.interests[:40]}"


class Demographics(models.Model):
    """HR-only; read by the bias audit and nowhere else."""

    employee = models.OneToOneField(Employee, on_delete=models.CASCADE, related_name="demographics")
    gender = models.CharField(max_length=40, blank=True)
    ethnicity = models.CharField(max_length=80, blank=True)
    age_band = models.CharField(max_length=20, blank=True)
    disability = models.CharField(max_length=20, blank=True)

    class Meta:
        verbose_name_plural = "demographics"

    def __str__(self):
        return f"Demographics of {self.employee}"


class SyncRun(models.Model):
    """One delivery from one source (a file, a SCIM call, an xAPI batch, an API call), with its counts.

    ``max_delay_seconds`` is the step-3 SLA figure: from the event's own timestamp (review
    submitted, course completed) to the moment it landed in the profile.
    """

    class Source(models.TextChoices):
        FILE = "file", "File import"
        DROP_FOLDER = "drop_folder", "Drop-folder sync"
        SCIM = "scim", "HR system (SCIM)"
        XAPI = "xapi", "LMS (xAPI)"
        API = "api", "REST API"

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for the task worker"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        PARTIAL = "partial", "Succeeded with rejected rows"
        FAILED = "failed", "Failed: nothing changed"

    source = models.CharField(max_length=20, choices=Source.choices)
    kind = models.CharField(max_length=40, help_text="What was synced: people, reviews, learning, …")
    name = models.CharField(max_length=300, blank=True, help_text="File name or client name.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    received = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    max_delay_seconds = models.FloatField(null=True, blank=True)
    median_delay_seconds = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True, help_text="Why the whole delivery was refused, if it was.")
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    heartbeat_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="A file import's last sign of life (start, each chunk, finish); empty while an upload is queued "
        "for the task worker. A running import silent too long died (core.heartbeat).",
    )

    class Meta:
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.get_source_display()} {self.kind} at {self.started_at:%Y-%m-%d %H:%M}"


class SyncRejection(models.Model):
    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="rejections")
    line = models.PositiveIntegerField(null=True, blank=True)
    reason = models.TextField()
    raw = models.TextField(blank=True)

    class Meta:
        ordering = ["run", "line"]

    def __str__(self):
        return f"line {self.line}: {self.reason}"


class DataQualityFlag(models.Model):
    """Something about a profile HR should follow up; it resolves itself when the data arrives."""

    class Kind(models.TextChoices):
        NO_ASPIRATION = "no_aspiration", "No career aspiration"
        NO_RECENT_LEARNING = "no_recent_learning", "No learning activity in 90+ days"
        NO_MANAGER = "no_manager", "No manager"
        ROLE_NOT_IN_TAXONOMY = "role_not_in_taxonomy", "Role not in the taxonomy"
        STALE_EVIDENCE = "stale_evidence", "Skill evidence is old"
        DUPLICATE_PERSON = "duplicate_person", "Suspected duplicate person"
        DUPLICATE_COURSE = "duplicate_course", "Same course under different names"
        STALE_ANALYSIS = "stale_analysis", "Gap analysis older than 30 days"

    kind = models.CharField(max_length=40, choices=Kind.choices)
    employee = models.ForeignKey(Employee, null=True, blank=True, on_delete=models.CASCADE, related_name="flags")
    subject = models.CharField(max_length=300, blank=True, help_text="What the flag is about when not one person.")
    detail = models.TextField()
    opened_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        indexes = [models.Index(fields=["kind", "resolved_at"], name="flag_kind_open")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.employee or self.subject}"


class Credential(models.Model):
    """A secret another system uses to push data in: SCIM bearer token, xAPI basic auth, API token.

    Only a hash is stored; the secret is shown once when issued.
    """

    class Kind(models.TextChoices):
        SCIM = "scim", "SCIM bearer token (HR system)"
        XAPI = "xapi", "xAPI basic-auth credential (LMS)"
        API = "api", "REST API token"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=120, help_text="Who uses it, e.g. 'Workday production'.")
    key = models.CharField(max_length=24, unique=True, help_text="Public part: the xAPI username, the token prefix.")
    secret_hash = models.CharField(max_length=200)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="credentials",
        help_text="For API tokens: whose permissions the token carries.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.name}"


class XapiStatement(models.Model):
    """A raw xAPI statement as an LMS sent it, kept so the LRS can return it and spot resends.

    ``statement`` holds the statement as received (with its ``id`` filled in); ``stored`` and
    ``authority`` are added when it is read back. ``learning_record`` is set when the verb made one.
    """

    id = models.UUIDField(primary_key=True)
    statement = models.JSONField()
    stored_at = models.DateTimeField(auto_now_add=True, db_index=True)
    credential = models.ForeignKey(
        Credential, null=True, blank=True, on_delete=models.SET_NULL, related_name="xapi_statements"
    )
    learning_record = models.ForeignKey(
        LearningRecord, null=True, blank=True, on_delete=models.SET_NULL, related_name="xapi_statements"
    )

    class Meta:
        ordering = ["-stored_at"]
        verbose_name = "xAPI statement"

    def __str__(self):
        return f"xAPI statement {self.id}"
