"""Internal moves people can act on, and succession with human review.

* ``Candidacy``: one person for one opportunity, either because they said they are interested
  (from /me/, telling their manager or not) or because the owner picked them from the engine's
  recommended candidates; the owner shortlists, declines (with a reason the person reads) or
  places them.
* ``Placement``: who took an opportunity, the role-history row it made, and the development path
  that led to it (the learning picks they had completed before it).
* ``PlannedMove``: a move HR or an opportunity's owner expects (who, to which role and unit,
  when, how sure): the supply and demand projections count it at its date.
* ``CriticalRole`` and ``SuccessionCandidate``: roles HR marks critical, and the bench the engine
  proposes for each (``recommendations.succession``); nobody is in a pool until a human decided
  their review item.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from profiles.models import BusinessUnit, Employee, RoleAssignment
from taxonomy.models import Role

from .analysis import ReviewStatus
from .learning import Recommendation
from .opportunities import Opportunity


class Candidacy(models.Model):
    class Origin(models.TextChoices):
        INTEREST = "interest", "Expressed interest"
        RECOMMENDED = "recommended", "Recommended by the engine"

    class Status(models.TextChoices):
        INTERESTED = "interested", "Interested"
        SHORTLISTED = "shortlisted", "Shortlisted"
        DECLINED = "declined", "Declined"
        PLACED = "placed", "Placed"
        WITHDRAWN = "withdrawn", "Withdrawn"

    OPEN = (Status.INTERESTED, Status.SHORTLISTED)

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="candidacies")
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="candidacies")
    origin = models.CharField(max_length=20, choices=Origin.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.INTERESTED)
    tell_manager = models.BooleanField(
        default=False, help_text="The person chose to let their current manager see this interest."
    )
    readiness = models.FloatField(null=True, blank=True, help_text="Share of what it asks that was met, when it began.")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True, help_text="Why the owner declined (the person reads it).")

    class Meta:
        ordering = ["opportunity", "-created_at"]
        verbose_name_plural = "candidacies"
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "employee"],
                name="candidacy_once_per_opportunity",
                violation_error_message="This person is already a candidate for that opportunity.",
            ),
        ]

    def __str__(self):
        return f"{self.employee} for {self.opportunity} ({self.get_status_display()})"


class Placement(models.Model):
    opportunity = models.ForeignKey(Opportunity, on_delete=models.PROTECT, related_name="placements")
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="placements")
    assignment = models.OneToOneField(
        RoleAssignment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="placement",
        help_text="The role-history row an open role's placement made (none for a project or slot).",
    )
    placed_on = models.DateField()
    placed_at = models.DateTimeField(auto_now_add=True)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    development_path = models.ManyToManyField(
        Recommendation, blank=True, related_name="placements", help_text="Learning picks completed before it."
    )

    class Meta:
        ordering = ["-placed_on"]

    def __str__(self):
        return f"{self.employee} placed in {self.opportunity} on {self.placed_on}"


class PlannedMove(models.Model):
    """A move someone expects to happen: the projections of supply against demand at 6 and 12
    months move the person from their unit to ``business_unit`` on ``expected_on``, with the
    probability ``likelihood`` (1 = agreed, less when it may not happen)."""

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="planned_moves")
    role = models.ForeignKey(Role, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    business_unit = models.ForeignKey(
        BusinessUnit,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The unit they move to; blank: they stay in their unit (a role change within it).",
    )
    expected_on = models.DateField(help_text="When the move is expected to take effect.")
    likelihood = models.FloatField(
        default=0.8,
        validators=[MinValueValidator(0.05), MaxValueValidator(1.0)],
        help_text="How sure the move is, 0.05 to 1 (1: agreed). The projections draw it with this probability.",
    )
    opportunity = models.ForeignKey(
        Opportunity, null=True, blank=True, on_delete=models.SET_NULL, related_name="planned_moves"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["expected_on"]

    def __str__(self):
        return f"{self.employee} to {self.role or self.business_unit} on {self.expected_on}"


class CriticalRole(models.Model):
    role = models.OneToOneField(Role, on_delete=models.CASCADE, related_name="critical")
    owner = models.ForeignKey(
        Employee,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who besides HR reviews the bench (e.g. the head of the department).",
    )
    marked_at = models.DateTimeField(auto_now_add=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["role__title"]

    def __str__(self):
        return f"Critical: {self.role}"


class SuccessionCandidate(models.Model):
    class Horizon(models.TextChoices):
        NOW = "now", "Ready now"
        YEAR = "year", "Ready within a year"
        LATER = "later", "Ready later"

    critical_role = models.ForeignKey(CriticalRole, on_delete=models.CASCADE, related_name="bench")
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="succession")
    horizon = models.CharField(max_length=10, choices=Horizon.choices)
    readiness = models.FloatField()
    readiness_then = models.FloatField(null=True, blank=True, help_text="Readiness six months earlier.")
    months_to_ready = models.FloatField(null=True, blank=True, help_text="At the recent pace; empty when not closing.")
    confidence = models.FloatField()
    reasons = models.TextField(help_text="Generated: why the engine proposed them.")
    status = models.CharField(max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.PENDING)
    proposed_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    IN_POOL = (ReviewStatus.APPROVED, ReviewStatus.EDITED)

    class Meta:
        ordering = ["critical_role", "horizon", "-readiness"]
        constraints = [
            models.UniqueConstraint(fields=["critical_role", "employee"], name="succession_once_per_role"),
            models.CheckConstraint(
                condition=~Q(status="auto"),
                name="succession_never_automatic",
                violation_error_message="Nobody enters a succession pool without a human decision.",
            ),
        ]

    def __str__(self):
        return f"{self.employee} for {self.critical_role.role} ({self.get_horizon_display()})"
