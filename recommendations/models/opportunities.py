"""Internal opportunities (open roles, projects, gigs, stretch assignments), the skills they need,
and each employee's matches, written per analysis run."""

from django.db import models
from django.db.models import Q

from profiles.models import BusinessUnit, Employee
from taxonomy.models import Level, Role, Skill

from .analysis import RESULT_FK, AnalysisRun


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
