"""The skills taxonomy: what every role needs, at which level, and where each role leads.

HR builds it in the admin (or loads it with ``import_taxonomy``); everything else reads it.
Proficiency is a fixed four-step scale (the guide's awareness → mastery), so it is an enum
rather than a table; what each step looks like *for a given skill* is a ``BehaviouralAnchor``.
"""

from django.db import models
from django.db.models import F, Q
from django.utils.text import slugify

from .validators import LEVEL_CHOICE_MESSAGE, validate_different_roles, validate_importance, validate_level


class Level(models.IntegerChoices):
    AWARENESS = 1, "Awareness"
    WORKING_KNOWLEDGE = 2, "Working knowledge"
    APPLIED_EXPERTISE = 3, "Applied expertise"
    MASTERY = 4, "Mastery"


class SkillKind(models.TextChoices):
    TECHNICAL = "technical", "Technical"
    LEADERSHIP = "leadership", "Leadership"
    INTERPERSONAL = "interpersonal", "Interpersonal"
    DOMAIN = "domain", "Domain"


class MobilityKind(models.TextChoices):
    PROMOTION = "promotion", "Promotion"
    LATERAL = "lateral", "Lateral move"
    ADJACENT = "adjacent", "Adjacent role"


class SkillCategory(models.Model):
    name = models.CharField(
        max_length=120, unique=True, error_messages={"unique": "A skill category with this name already exists."}
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "skill categories"

    def __str__(self):
        return self.name


class Skill(models.Model):
    name = models.CharField(
        max_length=200, unique=True, error_messages={"unique": "A skill with this name already exists."}
    )
    slug = models.SlugField(max_length=220, unique=True, editable=False)
    category = models.ForeignKey(SkillCategory, on_delete=models.PROTECT, related_name="skills")
    kind = models.CharField(max_length=20, choices=SkillKind.choices, default=SkillKind.TECHNICAL)
    description = models.TextField(blank=True)
    aliases = models.TextField(
        blank=True, help_text="Other names for this skill, one per line (used to match free text)."
    )
    external_id = models.CharField(
        max_length=200,
        blank=True,
        null=True,
        unique=True,
        help_text="An ESCO or O*NET code, or your HR system's id.",
        error_messages={"unique": "Another skill already has this external id."},
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name)[:220]
        if self.external_id == "":
            self.external_id = None
        super().save(*args, **kwargs)


class BehaviouralAnchor(models.Model):
    """What demonstrated behaviour looks like for one skill at one level."""

    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="anchors")
    level = models.PositiveSmallIntegerField(
        choices=Level.choices, validators=[validate_level], error_messages={"invalid_choice": LEVEL_CHOICE_MESSAGE}
    )
    description = models.TextField()

    class Meta:
        ordering = ["skill", "level"]
        constraints = [
            models.UniqueConstraint(
                fields=["skill", "level"],
                name="anchor_one_per_skill_level",
                violation_error_message="This skill already has a behavioural anchor for that level.",
            ),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=4), name="anchor_level_1_to_4"),
        ]

    def __str__(self):
        return f"{self.skill} · {self.get_level_display()}"


class JobFamily(models.Model):
    name = models.CharField(
        max_length=120, unique=True, error_messages={"unique": "A job family with this name already exists."}
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "job families"

    def __str__(self):
        return self.name


class Role(models.Model):
    title = models.CharField(
        max_length=200, unique=True, error_messages={"unique": "A role with this title already exists."}
    )
    family = models.ForeignKey(JobFamily, on_delete=models.PROTECT, related_name="roles")
    grade = models.PositiveSmallIntegerField(default=1, help_text="Seniority within the family; higher is more senior.")
    description = models.TextField(blank=True)
    skills = models.ManyToManyField(Skill, through="RoleRequirement", related_name="roles")

    class Meta:
        ordering = ["family__name", "grade", "title"]

    def __str__(self):
        return self.title


class RoleRequirement(models.Model):
    """A competency a role needs: the target level, how much it matters, and whether it is core."""

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="requirements")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="requirements")
    target_level = models.PositiveSmallIntegerField(
        choices=Level.choices, validators=[validate_level], error_messages={"invalid_choice": LEVEL_CHOICE_MESSAGE}
    )
    importance = models.PositiveSmallIntegerField(
        default=3, validators=[validate_importance], help_text="1 (nice to have) to 5 (critical)."
    )
    core = models.BooleanField(default=False, help_text="Core competencies rank above the others.")

    class Meta:
        ordering = ["role", "-core", "-importance", "skill__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["role", "skill"],
                name="requirement_one_per_role_skill",
                violation_error_message="This role already requires that skill; edit the existing requirement instead.",
            ),
            models.CheckConstraint(
                condition=Q(target_level__gte=1, target_level__lte=4), name="requirement_level_1_to_4"
            ),
            models.CheckConstraint(
                condition=Q(importance__gte=1, importance__lte=5), name="requirement_importance_1_to_5"
            ),
        ]

    def __str__(self):
        return f"{self.role}: {self.skill} at {self.get_target_level_display()}"


class MobilityPath(models.Model):
    from_role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="paths_out")
    to_role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="paths_in")
    kind = models.CharField(max_length=20, choices=MobilityKind.choices, default=MobilityKind.PROMOTION)

    class Meta:
        ordering = ["from_role", "to_role"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_role", "to_role"],
                name="mobility_one_per_pair",
                violation_error_message="A mobility path between these two roles already exists.",
            ),
            models.CheckConstraint(
                condition=~Q(from_role=F("to_role")),
                name="mobility_not_to_itself",
                violation_error_message="A mobility path must lead to a different role: it cannot go from a role to itself.",
            ),
        ]

    def __str__(self):
        return f"{self.from_role} → {self.to_role} ({self.get_kind_display()})"

    def clean(self):
        # Also covers the Role page's inline, where the form leaves from_role out and Django
        # therefore skips the check constraint.
        validate_different_roles(self.from_role_id, self.to_role_id)

    def validate_constraints(self, exclude=None):
        if self.from_role_id is not None and self.from_role_id == self.to_role_id:
            exclude = {*(exclude or ()), "from_role", "to_role"}  # clean() has said it once already
        super().validate_constraints(exclude=exclude)
