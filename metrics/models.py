"""Step 8: the five outcome metrics per cohort and date (with two figures of internal moves:
placements traced to a development path, and the bench strength of critical roles), and the
bias audit's runs.

Snapshots are kept, never overwritten by a later date: the first one taken for a cohort is its
baseline, and the HR page sets the newest beside it. A snapshot taken again for the same date
replaces that date's figures (the data behind them may have been corrected).
"""

from django.db import models


class Metric(models.TextChoices):
    SKILL_VELOCITY = "skill_velocity", "Skill velocity"
    INTERNAL_MOBILITY = "internal_mobility", "Internal mobility rate"
    RETENTION = "retention", "12-month retention"
    CONVERSATION_QUALITY = "conversation_quality", "Manager conversation quality"
    ENGAGEMENT = "engagement", "Recommendation engagement rate"
    PLACEMENTS_TRACED = "placements_traced", "Placements traced to a development path"
    BENCH_STRENGTH = "bench_strength", "Bench strength of critical roles"


class MetricSnapshot(models.Model):
    as_of = models.DateField()
    cohort = models.CharField(max_length=40, help_text="An Employee.cohort value, or “all”.")
    metric = models.CharField(max_length=30, choices=Metric.choices)
    segment = models.CharField(
        max_length=40,
        blank=True,
        help_text="Retention: enrolled or not, overall and per role grade; conversation quality: whose answer.",
    )
    value = models.FloatField(null=True, blank=True, help_text="Empty when nothing was there to measure.")
    measured = models.PositiveIntegerField(default=0, help_text="How many people, moves, answers or picks.")
    window_days = models.PositiveSmallIntegerField()
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["metric", "cohort", "segment", "-as_of"]
        constraints = [
            models.UniqueConstraint(fields=["as_of", "cohort", "metric", "segment"], name="snapshot_once_per_date"),
        ]

    def __str__(self):
        return f"{self.get_metric_display()} · {self.cohort} {self.segment} · {self.as_of}"


class BiasAudit(models.Model):
    """One run of the bias audit: outcomes of the engine compared across HR-only demographics."""

    as_of = models.DateField()
    ran_at = models.DateTimeField(auto_now_add=True)
    employees = models.PositiveIntegerField(default=0, help_text="Active employees with demographics recorded.")
    flagged = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-ran_at"]
        get_latest_by = "ran_at"

    def __str__(self):
        return f"Bias audit of {self.as_of}"


class BiasFinding(models.Model):
    """One outcome for one group of one attribute, beside the best-off group of that attribute."""

    audit = models.ForeignKey(BiasAudit, on_delete=models.CASCADE, related_name="findings")
    outcome = models.CharField(max_length=40)
    attribute = models.CharField(max_length=40)
    group = models.CharField(max_length=80)
    people = models.PositiveIntegerField()
    value = models.FloatField(null=True, blank=True, help_text="Empty for a group too small to report.")
    ratio_to_best = models.FloatField(null=True, blank=True)
    flagged = models.BooleanField(default=False)

    class Meta:
        ordering = ["-flagged", "outcome", "attribute", "ratio_to_best"]

    def __str__(self):
        return f"{self.outcome} · {self.attribute}={self.group}"


class CapabilitySnapshot(models.Model):
    """Capability across the organisation as of one day (``metrics.capability_services``): the
    heatmap's cells and supply against demand per business unit, written together so a page
    reads one consistent picture. The newest is shown; older ones are kept a while for audit."""

    as_of = models.DateField()
    taken_at = models.DateTimeField(auto_now_add=True)
    three_months_ago = models.DateField()
    six_months_ago = models.DateField()
    employees = models.PositiveIntegerField(default=0, help_text="Active employees with a role and an analysis.")
    completion_rate = models.FloatField(null=True, blank=True, help_text="Accepted picks completed in time.")
    completion_seen = models.PositiveIntegerField(default=0, help_text="Accepted picks the rate is learned from.")
    uplift_rate = models.FloatField(null=True, blank=True, help_text="Completed picks followed by a rated rise.")
    uplift_seen = models.PositiveIntegerField(default=0, help_text="Completed picks the rate is learned from.")
    in_progress = models.PositiveIntegerField(default=0, help_text="Accepted picks still in progress.")
    planned_moves = models.PositiveIntegerField(
        default=0, help_text="Planned moves still ahead, counted in the projections."
    )

    class Meta:
        ordering = ["-taken_at"]

    def __str__(self):
        return f"Capability as of {self.as_of}"


class CapabilityCell(models.Model):
    """One team's people in one skill their roles require: how many, how many at or above the
    level, and the summed shortfall, today and (the same people, levels from the evidence known
    then) three and six months ago. Aggregates only: pages pool cells of fewer than
    ``capability.MIN_GROUP`` people before anyone sees them. ``team_id`` is the team's manager
    (an employee id, kept as a plain number: the row is about the team, not the person)."""

    snapshot = models.ForeignKey(CapabilitySnapshot, on_delete=models.CASCADE, related_name="cells")
    team_id = models.BigIntegerField(null=True, help_text="The manager the people report to (empty: no manager).")
    business_unit_id = models.BigIntegerField(null=True)
    skill_id = models.BigIntegerField()
    people = models.PositiveIntegerField()
    meeting = models.PositiveIntegerField()
    shortfall = models.FloatField(help_text="Summed levels short of the target.")
    people_3m = models.PositiveIntegerField()
    meeting_3m = models.PositiveIntegerField()
    shortfall_3m = models.FloatField()
    people_6m = models.PositiveIntegerField()
    meeting_6m = models.PositiveIntegerField()
    shortfall_6m = models.FloatField()

    def __str__(self):
        return f"Team {self.team_id} · skill {self.skill_id}: {self.meeting}/{self.people}"


class SupplyDemand(models.Model):
    """One business unit's configured demand for a skill (``profiles.SkillDemand``) against the
    people at the level today and projected from learning in progress."""

    class Verdict(models.TextChoices):
        COVERED = "covered", "Covered today"
        BUILD = "build", "Build: development closes it in time"
        BUY = "buy", "Buy: development cannot close it in time"

    snapshot = models.ForeignKey(CapabilitySnapshot, on_delete=models.CASCADE, related_name="supply")
    business_unit = models.ForeignKey("profiles.BusinessUnit", on_delete=models.CASCADE, related_name="+")
    skill = models.ForeignKey("taxonomy.Skill", on_delete=models.CASCADE, related_name="+")
    level = models.PositiveSmallIntegerField()
    needed = models.PositiveIntegerField()
    needed_by = models.DateField()
    people = models.PositiveIntegerField(help_text="Active people in the unit.")
    supply_now = models.PositiveIntegerField()
    learning_6m = models.PositiveIntegerField(help_text="People below the level whose pick reaching it ends by then.")
    expected_6m = models.FloatField()
    low_6m = models.FloatField()
    high_6m = models.FloatField()
    learning_12m = models.PositiveIntegerField()
    moved_6m = models.FloatField(default=0.0, help_text="Expected net people planned moves bring by then (< 0: out).")
    moved_12m = models.FloatField(default=0.0)
    expected_12m = models.FloatField()
    low_12m = models.FloatField()
    high_12m = models.FloatField()
    verdict = models.CharField(max_length=10, choices=Verdict.choices)
    gap_after = models.FloatField(help_text="People still missing when needed, on the expected projection.")

    class Meta:
        ordering = ["business_unit", "skill"]

    def __str__(self):
        return f"{self.business_unit_id} · {self.skill_id}: {self.supply_now}/{self.needed}"
