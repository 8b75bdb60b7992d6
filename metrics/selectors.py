"""What the HR outcomes page reads: each metric's baseline beside its newest figure, and the
latest bias audit."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Max, Min

from .audit import MIN_GROUP, OUTCOMES
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
    Metric.PLACEMENTS_TRACED: (
        "Internal placements made in the last year that a development path led to: the person had completed "
        "learning picks before the placement."
    ),
    Metric.BENCH_STRENGTH: (
        "People a reviewer put in a critical role's succession pool who are ready now or in about a year; "
        "overall and per critical role (a count)."
    ),
}


def shown(metric: str, value: float | None) -> str:
    if value is None:
        return "–"
    if metric == Metric.SKILL_VELOCITY:
        return f"{value:+.2f} levels"
    if metric == Metric.CONVERSATION_QUALITY:
        return f"{value:.1f} / 5"
    if metric == Metric.BENCH_STRENGTH:
        return f"{value:.0f} {'person' if round(value) == 1 else 'people'}"
    return f"{value:.0%}"


def change_shown(metric: str, change: float | None) -> str:
    if change is None:
        return ""
    if metric in (Metric.SKILL_VELOCITY, Metric.CONVERSATION_QUALITY):
        return f"{change:+.2f}"
    if metric == Metric.BENCH_STRENGTH:
        return f"{change:+.0f}"
    return f"{change * 100:+.0f} points"


# What a fall means, said where the fall is shown (a figure going down is not self-explanatory).
WHEN_IT_FALLS = {
    Metric.SKILL_VELOCITY: (
        "Lower than the baseline: levels on the skills picks targeted rose less over the last 90 days than over "
        "the 90 days before the baseline. No one's level fell for this; it usually means fewer new assessments in "
        "the window (no new evidence, no measured rise). Check when skills were last assessed before reading it "
        "as a decline."
    ),
    Metric.INTERNAL_MOBILITY: (
        "Fewer open roles went to internal candidates who had completed learning picks: check whether the roles "
        "were posted internally, and whether candidates had finished their picks."
    ),
    Metric.RETENTION: (
        "More of the people here a year earlier have left. Compare enrolled with not enrolled: a fall in both is "
        "not the programme's doing."
    ),
    Metric.CONVERSATION_QUALITY: (
        "Check-ins were rated lower: ask managers what the briefing missed, and read the agenda they were given."
    ),
    Metric.ENGAGEMENT: (
        "Fewer picks were acted on within 30 days: read the dismissal reasons and the flags in the review queue."
    ),
    Metric.PLACEMENTS_TRACED: (
        "Fewer placements followed completed learning: check whether the people placed had picks to complete, "
        "and whether opportunities went to people the engine recommended."
    ),
    Metric.BENCH_STRENGTH: (
        "Fewer people in the pools are ready now or soon: someone was placed or left, or a reviewer moved them "
        "to a later horizon. See the succession page for each bench."
    ),
}

CHART_WIDTH = 300  # the SVG's user units; the bars scale with the page


@dataclass
class Row:
    cohort: str
    segment: str
    baseline: MetricSnapshot
    current: MetricSnapshot
    same_as: list = field(default_factory=list)  # cohorts whose figures are these, shown once

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

    @property
    def figures(self) -> tuple:
        return (self.baseline.value, self.baseline.measured, self.current.value, self.current.measured)

    @property
    def label(self) -> str:
        who = "everyone" if self.cohort == "all" else f"{self.cohort} cohort"
        return f"{who} · {self.segment}" if self.segment else who


def chart_domain(metric: str, rows: list[Row]) -> tuple[float, float]:
    """The value range a metric's bars are drawn over: shares 0-100%, survey answers 0-5, skill
    velocity symmetric around 0 (it falls as well as rises)."""
    if metric == Metric.CONVERSATION_QUALITY:
        return 0.0, 5.0
    if metric == Metric.BENCH_STRENGTH:
        largest = max((v for row in rows for v in (row.baseline.value, row.current.value) if v is not None), default=0)
        return 0.0, max(float(largest), 5.0)
    if metric == Metric.SKILL_VELOCITY:
        largest = max(
            (abs(v) for row in rows for v in (row.baseline.value, row.current.value) if v is not None), default=0
        )
        reach = max(largest, 0.25)
        return -reach, reach
    return 0.0, 1.0


def bar(value: float | None, domain: tuple[float, float]) -> dict | None:
    """Where a bar starts and how wide it is, in the chart's units; a negative one grows left of 0."""
    if value is None:
        return None
    low, high = domain
    scale = CHART_WIDTH / (high - low)
    zero = (0 - low) * scale
    end = (min(max(value, low), high) - low) * scale
    return {"x": round(min(zero, end), 1), "width": round(max(abs(end - zero), 1.5), 1), "negative": value < 0}


def outcome_table() -> list[dict]:
    """Per metric: its label, what it means, what a fall means, the zero line of its chart, and a
    row per cohort and segment with its bars. A cohort whose figures are the whole
    organisation's (in the demo the pilot is everyone) is named beside it, not repeated."""
    earliest: dict[tuple, MetricSnapshot] = {}
    latest: dict[tuple, MetricSnapshot] = {}
    for snapshot in MetricSnapshot.objects.order_by("as_of"):
        key = (snapshot.metric, snapshot.cohort, snapshot.segment)
        earliest.setdefault(key, snapshot)
        latest[key] = snapshot
    table = []
    for metric in Metric:
        keys = sorted((key for key in latest if key[0] == metric), key=lambda k: (k[1] != "all", k[1], k[2]))
        everyone = {}
        rows = []
        for key in keys:
            row = Row(cohort=key[1], segment=key[2], baseline=earliest[key], current=latest[key])
            twin = everyone.get(row.segment)
            if twin is not None and twin.figures == row.figures:
                twin.same_as.append(row.cohort)
                continue
            if row.cohort == "all":
                everyone[row.segment] = row
            rows.append(row)
        domain = chart_domain(metric, rows)
        for row in rows:
            row.baseline_shown = shown(metric, row.baseline.value)
            row.current_shown = shown(metric, row.current.value)
            row.change_shown = change_shown(metric, row.change)
            row.baseline_bar = bar(row.baseline.value, domain)
            row.current_bar = bar(row.current.value, domain)
        table.append(
            {
                "metric": metric,
                "label": metric.label,
                "explained": EXPLAINED[metric],
                "rows": rows,
                "falls": WHEN_IT_FALLS[metric] if any(row.trend == "down" for row in rows) else "",
                "same_as": sorted({cohort for row in rows for cohort in row.same_as}),
                "zero_x": bar(0.0, domain)["x"] if domain[0] < 0 else None,
                "chart_width": CHART_WIDTH,
            }
        )
    return table


def dates_taken() -> tuple[date | None, date | None]:
    """The baseline's date and the newest snapshot's (None, None before any)."""
    dates = MetricSnapshot.objects.aggregate(first=Min("as_of"), last=Max("as_of"))
    return dates["first"], dates["last"]


def latest_audit() -> dict | None:
    """The newest audit: the findings that can be compared (an outcome and attribute with at least
    two groups of ``MIN_GROUP`` people or more) and, when none can, how many people each
    attribute's groups still lack."""
    audit = BiasAudit.objects.order_by("-ran_at").first()
    if audit is None:
        return None
    findings = list(audit.findings.all())
    reported_per_set: dict[tuple, int] = {}
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
        if finding.value is not None:
            key = (finding.outcome, finding.attribute)
            reported_per_set[key] = reported_per_set.get(key, 0) + 1
    compared = [f for f in findings if f.value is not None and reported_per_set[(f.outcome, f.attribute)] >= 2]
    return {
        "audit": audit,
        "flagged": [f for f in compared if f.flagged],
        "reported": compared,
        "too_small": sum(1 for f in findings if f.value is None),
        "shortfalls": [] if compared else group_shortfalls(findings),
        "min_group": MIN_GROUP,
    }


def group_shortfalls(findings) -> list[dict]:
    """Per attribute: its groups' sizes (the largest count over the outcomes), and how many more
    people its second-largest group needs before two groups can be set side by side."""
    sizes: dict[str, dict[str, int]] = {}
    for finding in findings:
        groups = sizes.setdefault(finding.attribute, {})
        groups[finding.group] = max(groups.get(finding.group, 0), finding.people)
    shortfalls = []
    for attribute, groups in sorted(sizes.items()):
        ranked = sorted(groups.values(), reverse=True)
        second = ranked[1] if len(ranked) > 1 else 0
        shortfalls.append(
            {
                "attribute": attribute.replace("_", " ").capitalize(),
                "groups": len(groups),
                "largest": ranked[0] if ranked else 0,
                "second": second,
                "needed": max(MIN_GROUP - second, 0),
            }
        )
    return shortfalls
