"""What the HR outcomes page reads: each metric's baseline beside its newest figure, and the
latest bias audit."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Max, Min

from .audit import OUTCOMES
from .models import BiasAudit, Metric, MetricSnapshot

# How each metric reads, and which way is better.
EXPLAINED = {
    Metric.SKILL_VELOCITY: "Mean change in level, over the window, on skills a recommendation targeted.",
    Metric.INTERNAL_MOBILITY: "Open roles filled in the last year by an internal candidate who had completed learning picks.",
    Metric.RETENTION: (
        "People employed a year earlier who are still here; enrolled: accepted or completed a pick that year. "
        "Overall and per role grade."
    ),
    Metric.CONVERSATION_QUALITY: "Post-check-in survey answers, 1 to 5.",
    Metric.ENGAGEMENT: "Learning picks acted on within 30 days of delivery.",
}


def shown(metric: str, value: float | None) -> str:
    if value is None:
        return "–"
    if metric == Metric.SKILL_VELOCITY:
        return f"{value:+.2f} levels"
    if metric == Metric.CONVERSATION_QUALITY:
        return f"{value:.1f} / 5"
    return f"{value:.0%}"


def change_shown(metric: str, change: float | None) -> str:
    if change is None:
        return ""
    if metric in (Metric.SKILL_VELOCITY, Metric.CONVERSATION_QUALITY):
        return f"{change:+.2f}"
    return f"{change * 100:+.0f} points"


@dataclass
class Row:
    cohort: str
    segment: str
    baseline: MetricSnapshot
    current: MetricSnapshot

    @property
    def change(self) -> float | None:
        if self.current.as_of == self.baseline.as_of or None in (self.current.value, self.baseline.value):
            return None
        return self.current.value - self.baseline.value

    @property
    def no_change_because(self) -> str:
        if self.current.as_of == self.baseline.as_of:
            return "no earlier figure"
        return "not measured both times"

    @property
    def trend(self) -> str:
        change = self.change
        return "" if change is None else "up" if change > 0 else "down" if change < 0 else "flat"


def outcome_table() -> list[dict]:
    """Per metric: its label, what it means, and a row per cohort and segment."""
    earliest: dict[tuple, MetricSnapshot] = {}
    latest: dict[tuple, MetricSnapshot] = {}
    for snapshot in MetricSnapshot.objects.order_by("as_of"):
        key = (snapshot.metric, snapshot.cohort, snapshot.segment)
        earliest.setdefault(key, snapshot)
        latest[key] = snapshot
    table = []
    for metric in Metric:
        keys = sorted((key for key in latest if key[0] == metric), key=lambda k: (k[1] != "all", k[1], k[2]))
        rows = [Row(cohort=k[1], segment=k[2], baseline=earliest[k], current=latest[k]) for k in keys]
        for row in rows:
            row.baseline_shown = shown(metric, row.baseline.value)
            row.current_shown = shown(metric, row.current.value)
            row.change_shown = change_shown(metric, row.change)
        table.append({"metric": metric, "label": metric.label, "explained": EXPLAINED[metric], "rows": rows})
    return table


def dates_taken() -> tuple[date | None, date | None]:
    """The baseline's date and the newest snapshot's (None, None before any)."""
    dates = MetricSnapshot.objects.aggregate(first=Min("as_of"), last=Max("as_of"))
    return dates["first"], dates["last"]


def latest_audit() -> dict | None:
    audit = BiasAudit.objects.order_by("-ran_at").first()
    if audit is None:
        return None
    findings = list(audit.findings.all())
    for finding in findings:
        finding.outcome_label = OUTCOMES.get(finding.outcome, finding.outcome)
        finding.attribute_label = finding.attribute.replace("_", " ").capitalize()
        finding.value_shown = (
            "too few to report"
            if finding.value is None
            else f"{finding.value:.2f}"
            if finding.outcome == "review_score"
            else f"{finding.value:.0%}"
        )
    reported = [f for f in findings if f.value is not None]
    return {
        "audit": audit,
        "flagged": [f for f in reported if f.flagged],
        "reported": reported,
        "too_small": len(findings) - len(reported),
    }
