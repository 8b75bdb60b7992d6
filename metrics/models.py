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
