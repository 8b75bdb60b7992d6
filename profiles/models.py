"""People and the org chart.

The reporting line is stored twice on purpose: ``manager`` (the edge the HR system sends) and
``org_path`` (the chain of ids from the top, ``/1/7/42/``), so "everyone below this manager" is
one indexed prefix query at any depth instead of a recursive walk. ``profiles.services`` keeps
the two in step; nothing else writes ``org_path``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from taxonomy.models import Role, Skill


class BusinessUnit(models.Model):
    name = models.CharField(max_length=120, unique=True, error_messages={"unique": "A business unit with this name already exists."})
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
        """Everyone in ``manager``'s reporting line at any depth, not the manager."""
        return self.filter(org_path__startswith=manager.org_path).exclude(pk=manager.pk)


class Employee(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        LEFT = "left", "Left"

    external_id = models.CharField(
        max_length=100, unique=True, help_text="The id in the HR system (employee number).",
        error_messages={"unique": "Another employee already has this external id."},
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="employee"
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(blank=True, db_index=True)
    role = models.ForeignKey(Role, null=True, blank=True, on_delete=models.SET_NULL, related_name="employees")
    business_unit = models.ForeignKey(
        BusinessUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="employees"
    )
    manager = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports")
    org_path = models.CharField(max_length=1000, db_index=True, editable=False, default="")
    hire_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    termination_date = models.DateField(null=True, blank=True)

    objects = EmployeeQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [
            # Prefix (LIKE 'x%') lookups on PostgreSQL need a pattern-ops index.
            models.Index(fields=["org_path"], name="employee_org_path_like", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}"
