"""The continuous feedback loop (the guide's step 6 and 7): weekly micro-signals, monthly
check-ins with a generated agenda, and an employee's say on their own skill levels.

Nothing here rewrites a skill level. A contested level is decided by a manager or HR, and the
decision is *added* as ``SkillEvidence`` with who decided and why; the original evidence stays.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from profiles.models import Employee
from taxonomy.models import Skill
from taxonomy.validators import LEVEL_MAX, OBSERVED_LEVEL_MIN

SURVEY_SCALE = [(1, "1 - not at all"), (2, "2"), (3, "3"), (4, "4"), (5, "5 - very much")]
LEVEL_SCALE = [
    (0, "0 - none"),
    (1, "1 - awareness"),
    (2, "2 - working knowledge"),
    (3, "3 - applied expertise"),
    (4, "4 - mastery"),
]


def _survey_field(help_text):
    return models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        choices=SURVEY_SCALE,
        help_text=help_text,
        validators=[
            MinValueValidator(1, "Answer on a scale of 1 to 5."),
            MaxValueValidator(5, "Answer on a scale of 1 to 5."),
        ],
    )


class CheckIn(models.Model):
    """A monthly 15-20 minute development conversation between a manager and a report.

    ``agenda`` and ``gaps_snapshot`` are what the briefing showed when the check-in was logged:
    the next briefing compares the ranked gaps against the snapshot ("what changed since"),
    because old analysis runs are cleaned away.
    """

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="checkins")
    manager = models.ForeignKey(
        Employee, null=True, blank=True, on_delete=models.SET_NULL, related_name="checkins_held"
    )
    held_on = models.DateField()
    agenda = models.JSONField(default=list, blank=True, help_text="The agenda generated from the profile.")
    gaps_snapshot = models.JSONField(default=list, blank=True, help_text="The ranked gaps the briefing showed.")
    notes = models.TextField(blank=True)
    agreed_actions = models.TextField(blank=True, help_text="One action per line.")
    manager_prep_saved = _survey_field("Manager: the briefing saved me preparation time (1-5).")
    employee_relevance = _survey_field("Employee: the conversation was relevant to my goals (1-5).")
    employee_answered_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["employee", "-held_on", "-created_at"]
        verbose_name = "check-in"
        indexes = [models.Index(fields=["employee", "held_on"], name="checkin_employee_held")]

    def __str__(self):
        return f"Check-in with {self.employee} on {self.held_on:%d %b %Y}"

    @property
    def actions(self) -> list[str]:
        return [line.strip(" -•\t") for line in self.agreed_actions.splitlines() if line.strip(" -•\t")]


class Signal(models.Model):
    """A weekly micro-signal: lightweight, low-friction, not a formal review."""

    class Kind(models.TextChoices):
        PROJECT_CHECKIN = "project_checkin", "Project check-in"
        PEER_ACKNOWLEDGMENT = "peer_acknowledgment", "Peer acknowledgment"
        MANAGER_NOTE = "manager_note", "Manager note"
        SELF_REFLECTION = "self_reflection", "Self-reflection"

    kind = models.CharField(max_length=30, choices=Kind.choices)
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="signals")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["employee", "-created_at"]
        indexes = [models.Index(fields=["employee", "created_at"], name="signal_employee_created")]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.employee}"


class SkillContest(models.Model):
    """An employee says a skill level is wrong; a manager in their line, or HR, decides.

    Upheld: the claimed level is recorded. Adjusted: the decider records another level.
    Declined: the level on record stands, and the decider's confirmation of it is recorded.
    Either way the decision becomes new evidence (``decision_evidence``) and the old stays.
    """

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for a decision"
        UPHELD = "upheld", "Upheld: the claimed level stands"
        ADJUSTED = "adjusted", "Adjusted to another level"
        DECLINED = "declined", "Declined: the earlier level stands"

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="skill_contests")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="+")
    level_on_record = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="The level the platform showed when the contest was opened (none if not assessed).",
    )
    claimed_level = models.PositiveSmallIntegerField(choices=LEVEL_SCALE)
    reason = models.TextField()
    evidence_url = models.URLField(
        blank=True, max_length=500, help_text="A link to a certificate, a piece of work, a review."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_level = models.PositiveSmallIntegerField(null=True, blank=True, choices=LEVEL_SCALE)
    decision_note = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_evidence = models.ForeignKey(
        "profiles.SkillEvidence",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The evidence the decision was recorded as.",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["employee", "skill"],
                condition=Q(status="open"),
                name="contest_one_open_per_skill",
                violation_error_message="There is already an open contest for this skill; wait for its decision.",
            ),
            models.CheckConstraint(
                condition=Q(claimed_level__gte=OBSERVED_LEVEL_MIN, claimed_level__lte=LEVEL_MAX),
                name="contest_claimed_level_0_to_4",
                violation_error_message=f"A level must be between {OBSERVED_LEVEL_MIN} (none) and {LEVEL_MAX} (mastery).",
            ),
            models.CheckConstraint(
                condition=Q(decided_level__isnull=True)
                | Q(decided_level__gte=OBSERVED_LEVEL_MIN, decided_level__lte=LEVEL_MAX),
                name="contest_decided_level_0_to_4",
                violation_error_message=f"A level must be between {OBSERVED_LEVEL_MIN} (none) and {LEVEL_MAX} (mastery).",
            ),
        ]

    def __str__(self):
        return f"{self.employee} contests {self.skill} (claims {self.claimed_level})"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


# --- what the free text says ------------------------------------------------------------------


class TextSource(models.TextChoices):
    SIGNAL = "signal", "Note or reflection"
    CHECKIN = "checkin", "Check-in notes"
    PEER_FEEDBACK = "peer_feedback", "Feedback from a colleague"
    FEEDBACK_ANSWER = "feedback_answer", "360 answer"
    REVIEW = "review", "Review comment"
    REVIEW_SELF = "review_self", "Quarterly review: self-assessment"
    REVIEW_MANAGER = "review_manager", "Quarterly review: manager"
    API = "api", "Posted by another system"


class Text(models.Model):
    """One piece of free text about an employee, from whichever touchpoint it came.

    The text is kept here as it was written (``body``) so mentions and themes read one table; it
    is personal data: it goes with the employee (cascade), in their export and erasure, and never
    into the bias audit. ``source`` and ``source_id`` name the row it came from (a signal, a
    check-in...), which keeps its own copy; writing the same source row again updates this one.
    """

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="texts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=20, choices=TextSource.choices)
    source_id = models.PositiveBigIntegerField()
    body = models.TextField()
    written_at = models.DateTimeField()
    tagged_at = models.DateTimeField(null=True, blank=True)
    truncated = models.BooleanField(default=False, help_text="Tagged on its first characters only.")
    language_supported = models.BooleanField(
        default=True, help_text="False when nothing matched and the text does not read as English."
    )

    class Meta:
        ordering = ["employee", "-written_at"]
        constraints = [models.UniqueConstraint(fields=["source", "source_id"], name="text_one_per_source_row")]
        indexes = [models.Index(fields=["employee", "written_at"], name="text_employee_written")]

    def __str__(self):
        return f"{self.get_source_display()} about {self.employee} ({self.written_at:%d %b %Y})"


class SkillMention(models.Model):
    """A taxonomy skill a text speaks of, found by the tagger (``feedback.text.tagger``).

    A mention never changes a level by itself: the employee, a manager in their line or HR turns
    it into evidence (``mention_to_evidence``), which records the text as its provenance.
    """

    text = models.ForeignKey(Text, on_delete=models.CASCADE, related_name="mentions")
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="skill_mentions")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    matched_words = models.JSONField(default=list, blank=True, help_text="The text's own words that matched.")
    evidence = models.ForeignKey(
        "profiles.SkillEvidence",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The evidence this mention was turned into, if it was.",
    )

    class Meta:
        ordering = ["text", "-score"]
        constraints = [models.UniqueConstraint(fields=["text", "skill"], name="mention_one_per_text_skill")]
        indexes = [models.Index(fields=["employee", "skill"], name="mention_employee_skill")]

    def __str__(self):
        return f"{self.skill} in {self.text}"


class Theme(models.Model):
    """A theme that recurs in the texts about one employee (``employee``) or across the team
    below a manager (``manager``, shown only when at least five people's texts carry it).

    Recomputed nightly and on demand (``feedback.themes.themes_compute``), which replaces the
    rows that are not hidden. HR hides a wrong theme: the row stays, hidden, so the same label
    is not shown again for that person or team, and it is a label for the next model run.
    """

    class Trend(models.TextChoices):
        RISING = "rising", "Rising"
        STEADY = "steady", "Steady"
        FADING = "fading", "Fading"

    employee = models.ForeignKey(Employee, null=True, blank=True, on_delete=models.CASCADE, related_name="themes")
    manager = models.ForeignKey(Employee, null=True, blank=True, on_delete=models.CASCADE, related_name="team_themes")
    label = models.CharField(max_length=200)
    texts = models.PositiveIntegerField()
    authors = models.PositiveIntegerField()
    people = models.PositiveIntegerField(default=1)
    trend = models.CharField(max_length=10, choices=Trend.choices)
    quotes = models.JSONField(default=list, blank=True)
    text_ids = models.JSONField(default=list, blank=True)
    window_start = models.DateField()
    window_end = models.DateField()
    computed_at = models.DateTimeField()
    hidden = models.BooleanField(default=False)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hidden_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-texts", "label"]
        constraints = [
            models.CheckConstraint(
                condition=Q(employee__isnull=False, manager__isnull=True)
                | Q(employee__isnull=True, manager__isnull=False),
                name="theme_of_a_person_or_a_team",
            )
        ]
        indexes = [
            models.Index(fields=["employee", "hidden"], name="theme_employee_hidden"),
            models.Index(fields=["manager", "hidden"], name="theme_manager_hidden"),
        ]

    def __str__(self):
        return f"{self.label} ({self.employee or f'team of {self.manager}'})"


# --- peer input: light 360 requests -------------------------------------------------------------

MAX_RESPONDENTS = 8
ANONYMOUS_MIN_ANSWERS = 3


class FeedbackRequest(models.Model):
    """An employee (or their manager) asks up to eight colleagues for feedback on named skills
    from the employee's gap list, by a due date.

    ``anonymous`` (on by default; HR can change it): the requester sees who answered but not what
    each rated, and the answers only once at least three have come in, pooled.
    """

    subject = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="feedback_requests")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    skills = models.ManyToManyField(Skill, related_name="+")
    message = models.TextField(blank=True)
    due_on = models.DateField()
    anonymous = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Feedback on {self.subject} (due {self.due_on:%d %b %Y})"


class FeedbackAsk(models.Model):
    """One colleague asked in a request, and their answer (a comment; ratings per skill)."""

    request = models.ForeignKey(FeedbackRequest, on_delete=models.CASCADE, related_name="asks")
    respondent = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="feedback_asks")
    comment = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["request", "respondent"]
        constraints = [models.UniqueConstraint(fields=["request", "respondent"], name="ask_once_per_request")]
        indexes = [models.Index(fields=["respondent", "answered_at"], name="ask_respondent_open")]

    def __str__(self):
        return f"{self.respondent} on {self.request.subject}"


class FeedbackRating(models.Model):
    """A 360 rating of one skill on the level anchors; it becomes "peer" evidence (``evidence``)."""

    ask = models.ForeignKey(FeedbackAsk, on_delete=models.CASCADE, related_name="ratings")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="+")
    level = models.PositiveSmallIntegerField(choices=LEVEL_SCALE)
    evidence = models.ForeignKey(
        "profiles.SkillEvidence", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ask", "skill"], name="rating_once_per_skill"),
            models.CheckConstraint(
                condition=Q(level__gte=OBSERVED_LEVEL_MIN, level__lte=LEVEL_MAX), name="rating_level_0_to_4"
            ),
        ]

    def __str__(self):
        return f"{self.skill} rated {self.level}"


# --- quarterly deep reviews ---------------------------------------------------------------------


class ReviewCycle(models.Model):
    """A review period HR configures in the admin: who is in it (business units, or everyone),
    which questions are asked, which skills are rated besides those of each person's role and
    target role, and the due dates of the two parts.

    Opening the cycle (``feedback.reviews.review_cycle_open``, an admin action) gives everyone in
    it a ``DeepReview``; opening it again adds only the people who joined since.
    """

    name = models.CharField(max_length=100, unique=True, help_text="E.g. 2026 Q4.")
    period_start = models.DateField()
    period_end = models.DateField()
    self_due_on = models.DateField(help_text="The employee's self-assessment is due by this date.")
    manager_due_on = models.DateField(help_text="The manager completes the review by this date.")
    business_units = models.ManyToManyField(
        "profiles.BusinessUnit", blank=True, related_name="+", help_text="Leave empty for everyone."
    )
    cohort = models.CharField(
        max_length=50, blank=True, help_text="Only employees of this cohort (e.g. pilot); leave empty for all."
    )
    questions = models.TextField(
        blank=True,
        help_text="One question per line; the employee answers each, the manager reads the answers.",
    )
    skills = models.ManyToManyField(
        Skill, blank=True, related_name="+", help_text="Rated by everyone in the cycle, besides their role's skills."
    )
    include_target_role = models.BooleanField(
        default=True, help_text="Also rate the skills of the role each person is aiming for."
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="cycle_period_in_order",
                violation_error_message="The period ends after it starts.",
            ),
            models.CheckConstraint(
                condition=Q(manager_due_on__gte=models.F("self_due_on")),
                name="cycle_manager_due_after_self",
                violation_error_message="The manager's part is due on or after the self-assessment.",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def question_list(self) -> list[str]:
        return [line.strip() for line in self.questions.splitlines() if line.strip()]


class DeepReview(models.Model):
    """One employee's review in a cycle: their self-assessment, then their manager's.

    Completing it turns the ratings into skill evidence (the manager's as source "review", the
    employee's as "self", each note naming the review) and the comments into texts.
    """

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for the self-assessment"
        SELF_DONE = "self_done", "Waiting for the manager"
        COMPLETED = "completed", "Completed"

    cycle = models.ForeignKey(ReviewCycle, on_delete=models.CASCADE, related_name="reviews")
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="deep_reviews")
    manager = models.ForeignKey(
        Employee, null=True, blank=True, on_delete=models.SET_NULL, related_name="deep_reviews_held"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    answers = models.JSONField(default=list, blank=True, help_text="[{question, answer}] from the employee.")
    self_comment = models.TextField(blank=True)
    manager_comment = models.TextField(blank=True)
    self_submitted_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    self_plan = models.JSONField(
        default=dict,
        blank=True,
        help_text="The employee's say on the plan: gaps {skill id: raise/keep/lower}, aspiration (role id), "
        "picks {recommendation id: relevant}.",
    )
    manager_plan = models.JSONField(default=dict, blank=True, help_text="The manager's say on the plan, as above.")
    plan_before = models.JSONField(
        default=dict, blank=True, help_text="The plan when the review closed: ranked gaps, picks, aspiration."
    )
    plan_after = models.JSONField(
        default=dict, blank=True, help_text="The plan recalculated after the review closed (empty until it is)."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cycle", "employee"]
        constraints = [models.UniqueConstraint(fields=["cycle", "employee"], name="review_once_per_cycle")]
        indexes = [
            models.Index(fields=["employee", "status"], name="review_employee_status"),
            models.Index(fields=["manager", "status"], name="review_manager_status"),
        ]

    def __str__(self):
        return f"{self.cycle} review of {self.employee}"


class DeepReviewRating(models.Model):
    """One skill in a review: the employee's level and comment, then the manager's."""

    review = models.ForeignKey(DeepReview, on_delete=models.CASCADE, related_name="ratings")
    employee = models.ForeignKey(
        Employee, on_delete=models.CASCADE, related_name="+", help_text="The review's (its notes are about them)."
    )
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="+")
    self_level = models.PositiveSmallIntegerField(null=True, blank=True, choices=LEVEL_SCALE)
    self_note = models.TextField(blank=True)
    manager_level = models.PositiveSmallIntegerField(null=True, blank=True, choices=LEVEL_SCALE)
    manager_note = models.TextField(blank=True)
    self_evidence = models.ForeignKey(
        "profiles.SkillEvidence", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    manager_evidence = models.ForeignKey(
        "profiles.SkillEvidence", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["review", "skill__name"]
        constraints = [
            models.UniqueConstraint(fields=["review", "skill"], name="review_rating_once_per_skill"),
            models.CheckConstraint(
                condition=(
                    Q(self_level__isnull=True) | Q(self_level__gte=OBSERVED_LEVEL_MIN, self_level__lte=LEVEL_MAX)
                )
                & (
                    Q(manager_level__isnull=True)
                    | Q(manager_level__gte=OBSERVED_LEVEL_MIN, manager_level__lte=LEVEL_MAX)
                ),
                name="review_rating_levels_0_to_4",
            ),
        ]

    def __str__(self):
        return f"{self.skill} in {self.review}"


class ManagerDigest(models.Model):
    """One e-mail digest sent to a manager: what is due for their reports (``feedback.digest``).
    A row per manager and day, so a task that runs twice sends nothing twice."""

    manager = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="+", db_index=False)
    sent_on = models.DateField()
    checkins_overdue = models.PositiveIntegerField(default=0)
    reviews_open = models.PositiveIntegerField(default=0)
    reviews_overdue = models.PositiveIntegerField(default=0)
    asks_open = models.PositiveIntegerField(default=0)
    claim = models.CharField(max_length=32, blank=True, help_text="The sending run's token (who sent it).")

    class Meta:
        ordering = ["-sent_on"]
        constraints = [models.UniqueConstraint(fields=["manager", "sent_on"], name="digest_once_per_manager_day")]

    def __str__(self):
        return f"Digest to {self.manager} on {self.sent_on:%d %b %Y}"
