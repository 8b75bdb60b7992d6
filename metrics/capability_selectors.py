"""What the capability pages show, from the newest stored snapshot (``capability_services``):
the heatmap of one scope (a manager's line, a business unit, the company) with every figure
pooled so that none stands for fewer than ``capability.MIN_GROUP`` people, and supply against
demand per business unit. Two or three queries per page, whatever the organisation's size.

Who may ask for which scope is the views' business (``profiles.access``); this module only
guarantees that nothing it returns singles anyone out.
"""

from dataclasses import dataclass

import pandas as pd

from core.frames import Select, table
from profiles.models import BusinessUnit, Employee
from taxonomy.models import Skill

from . import capability
from .models import CapabilityCell, CapabilitySnapshot, SupplyDemand

MAX_COLUMNS = 12
"""Wider than this, the smallest teams are pooled into "Other teams" (a chart people can read)."""
CELL_W, CELL_H, LABEL_W, HEAD_H = 96, 30, 190, 46
SHADES = 5


@dataclass(frozen=True)
class Scope:
    kind: str  # company, unit or manager
    title: str
    unit: BusinessUnit | None = None
    manager: Employee | None = None

    @property
    def query(self) -> str:
        if self.kind == "unit":
            return f"unit={self.unit.pk}"
        if self.kind == "manager":
            return f"manager={self.manager.pk}"
        return ""


def latest_snapshot() -> CapabilitySnapshot | None:
    return CapabilitySnapshot.objects.order_by("-taken_at", "-pk").first()


def _cells_select(snapshot: CapabilitySnapshot, scope: Scope) -> Select:
    where, params = "c.snapshot_id = %s", [snapshot.pk]
    if scope.kind == "unit":
        where += " AND c.business_unit_id = %s"
        params.append(scope.unit.pk)
    elif scope.kind == "manager":
        where += " AND t.org_path LIKE %s"
        params.append(scope.manager.org_path + "%")
    counts = ", ".join(f"c.{name}" for name in capability.CELL_COUNTS)
    return Select(
        f"SELECT c.team_id, c.business_unit_id, c.skill_id, s.name, t.org_path, t.first_name, t.last_name, b.name, "  # noqa: S608
        f"{counts} FROM {table(CapabilityCell)} c JOIN {table(Skill)} s ON s.id = c.skill_id "
        f"LEFT JOIN {table(Employee)} t ON t.id = c.team_id "
        f"LEFT JOIN {table(BusinessUnit)} b ON b.id = c.business_unit_id WHERE {where}",
        params,
        columns=[
            "team_id",
            "business_unit_id",
            "skill_id",
            "skill",
            "org_path",
            "first_name",
            "last_name",
            "unit",
            *capability.CELL_COUNTS,
        ],  # fmt: skip
        dtypes={
            "team_id": "float64",
            "business_unit_id": "float64",
            "skill_id": "int64",
            "skill": "str",
            "org_path": "str",
            "first_name": "str",
            "last_name": "str",
            "unit": "str",
        },  # fmt: skip
    )


def _columns(cells: pd.DataFrame, scope: Scope) -> pd.Series:
    """Which column of the heatmap each team's row falls in, as its label."""
    manager_name = (cells["first_name"].fillna("") + " " + cells["last_name"].fillna("")).str.strip()
    if scope.kind == "company":
        return cells["unit"].fillna("No business unit")
    if scope.kind == "unit":
        label = manager_name.where(manager_name != "", "a former manager") + "'s team"
        return label.where(cells["team_id"].notna(), "No manager")
    root = scope.manager
    below = cells["org_path"].fillna("").str.slice(len(root.org_path))
    child = pd.to_numeric(below.str.split("/").str[0], errors="coerce")
    names = dict(zip(cells["team_id"], manager_name, strict=True))
    label = child.map(lambda pk: f"{names.get(pk) or 'a manager'}'s organisation")
    return label.where(child.notna(), f"{root.full_name}'s direct reports")


def heatmap(scope: Scope, *, snapshot: CapabilitySnapshot | None) -> dict:
    """The pooled heatmap of ``scope``: columns, one row per skill with its cells, the SVG's
    geometry, and how many skills were left out as too small."""
    empty = {"snapshot": snapshot, "scope": scope, "columns": [], "rows": [], "hidden_skills": 0}
    if snapshot is None:
        return empty
    cells = _cells_select(snapshot, scope).read()
    if cells.empty:
        return empty
    cells["column"] = _columns(cells, scope)
    names = cells.drop_duplicates("skill_id").set_index("skill_id")["skill"]
    summed = cells.groupby(["skill_id", "column"], sort=False)[capability.CELL_COUNTS].sum().reset_index()
    widest = summed.groupby("column")["people"].sum().sort_values(ascending=False)
    summed.loc[~summed["column"].isin(widest.index[:MAX_COLUMNS]), "column"] = capability.OTHER
    summed = summed.groupby(["skill_id", "column"], sort=False)[capability.CELL_COUNTS].sum().reset_index()
    pooled, hidden = capability.pool_small(summed)
    if pooled.empty:
        return {**empty, "hidden_skills": hidden}
    size = pooled.groupby("column")["people"].sum()
    order = sorted(size.index, key=lambda name: (name == capability.OTHER, -size[name], name))
    pooled = pooled.assign(share=pooled["meeting"] / pooled["people"])
    per_skill = pooled.groupby("skill_id")[["meeting", "people"]].sum()
    skill_order = (per_skill["meeting"] / per_skill["people"]).sort_values(kind="stable")
    by_key = {(row.skill_id, row.column): row for row in pooled.itertuples(index=False)}
    rows = []
    for y, skill_id in enumerate(skill_order.index):
        row_cells = []
        for x, column in enumerate(order):
            row = by_key.get((skill_id, column))
            row_cells.append(_cell(row, x=x, y=y) if row is not None else None)
        rows.append({"skill": names[skill_id], "cells": row_cells, "y": HEAD_H + y * CELL_H})
    return {
        **empty,
        "columns": [
            {"label": name, "x": LABEL_W + x * CELL_W, "people": int(size[name])} for x, name in enumerate(order)
        ],
        "rows": rows,
        "hidden_skills": hidden,
        "width": LABEL_W + len(order) * CELL_W,
        "height": HEAD_H + len(rows) * CELL_H,
        "cell_w": CELL_W - 2,
        "cell_h": CELL_H - 2,
        "label_w": LABEL_W,
    }


def _share(meeting, people) -> float | None:
    return meeting / people if people >= capability.MIN_GROUP else None


def _cell(row, *, x: int, y: int) -> dict:
    share = row.meeting / row.people
    past = {}
    for suffix in ("3m", "6m"):
        then = _share(getattr(row, f"meeting_{suffix}"), getattr(row, f"people_{suffix}"))
        past[suffix] = None if then is None else round((share - then) * 100)
    return {
        "people": int(row.people),
        "meeting": int(row.meeting),
        "share": share,
        "percent": round(share * 100),
        "shortfall": row.shortfall / row.people,
        "trend_3m": past["3m"],
        "trend_6m": past["6m"],
        "shade": min(int(share * SHADES), SHADES - 1),
        "x": LABEL_W + x * CELL_W,
        "y": HEAD_H + y * CELL_H,
    }


HEATMAP_HEADERS = ["Skill", "Team", "People", "At or above the level", "Share", "Average shortfall (levels)",
                   "Change vs 3 months ago (points)", "Change vs 6 months ago (points)"]  # fmt: skip


def heatmap_rows(shown: dict) -> list[list]:
    """The heatmap as the export's rows (pooled exactly as on the page)."""
    out = []
    for row in shown["rows"]:
        for column, cell in zip(shown["columns"], row["cells"], strict=True):
            if cell is None:
                continue
            out.append(
                [
                    row["skill"],
                    column["label"],
                    cell["people"],
                    cell["meeting"],
                    round(cell["share"], 3),
                    round(cell["shortfall"], 2),
                    cell["trend_3m"],
                    cell["trend_6m"],
                ]  # fmt: skip
            )
    return out


# --- supply and demand ---------------------------------------------------------------------

CHART_W, CHART_H, PAD = 300, 120, 24


def supply_demand(*, snapshot: CapabilitySnapshot | None) -> list[dict]:
    """Per planned demand: the stored figures, and the chart's points (today, 6, 12 months)."""
    if snapshot is None:
        return []
    rows = list(
        SupplyDemand.objects.filter(snapshot=snapshot)
        .select_related("business_unit", "skill")
        .order_by("business_unit__name", "skill__name")
    )
    for row in rows:
        row.chart = _supply_chart(row)
        for name, suffix in (("six", "6m"), ("twelve", "12m")):
            for part in ("expected", "low", "high"):
                setattr(row, f"{name}_{part}", row.supply_now + getattr(row, f"{part}_{suffix}"))
    return rows


def _supply_chart(row: SupplyDemand) -> dict:
    top = max(row.needed, row.supply_now + row.high_12m, 1) * 1.15
    xs = [PAD + 10, CHART_W / 2, CHART_W - PAD]

    def y(value: float) -> float:
        return round(CHART_H - PAD - (value / top) * (CHART_H - 2 * PAD), 1)

    points = [
        (row.supply_now, row.supply_now, row.supply_now),
        (row.supply_now + row.expected_6m, row.supply_now + row.low_6m, row.supply_now + row.high_6m),
        (row.supply_now + row.expected_12m, row.supply_now + row.low_12m, row.supply_now + row.high_12m),
    ]
    return {
        "width": CHART_W,
        "height": CHART_H,
        "demand_y": y(row.needed),
        "line": " ".join(f"{x},{y(mid)}" for x, (mid, _, _) in zip(xs, points, strict=True)),
        "points": [
            {"x": x, "y": y(mid), "low": y(low), "high": y(high), "label": label}
            for x, (mid, low, high), label in zip(xs, points, ["Today", "6 months", "12 months"], strict=True)
        ],
        "left": PAD,
        "right": CHART_W - PAD + 10,
        "base": CHART_H - PAD,
    }


SUPPLY_HEADERS = ["Business unit", "Skill", "Level", "People needed", "Needed by", "People in the unit",
                  "At the level today", "Expected in 6 months", "6 months low", "6 months high",
                  "Expected in 12 months", "12 months low", "12 months high", "Verdict", "Still missing",
                  "Planned moves by 6 months (net, expected)", "Planned moves by 12 months (net, expected)"]  # fmt: skip


def supply_rows(rows: list[SupplyDemand]) -> list[list]:
    return [
        [
            row.business_unit.name,
            row.skill.name,
            row.level,
            row.needed,
            row.needed_by.isoformat(),
            row.people,
            row.supply_now,
            *(
                round(row.supply_now + v, 1)
                for v in (row.expected_6m, row.low_6m, row.high_6m, row.expected_12m, row.low_12m, row.high_12m)
            ),
            row.get_verdict_display(),
            round(row.gap_after, 1),
            round(row.moved_6m, 1),
            round(row.moved_12m, 1),
        ]  # fmt: skip
        for row in rows
    ]


def rates_shown(snapshot: CapabilitySnapshot | None) -> dict:
    """The learned rates as the page says them, and whether they are still priors."""
    if snapshot is None:
        return {}
    return {
        "completion": snapshot.completion_rate,
        "completion_seen": snapshot.completion_seen,
        "uplift": snapshot.uplift_rate,
        "uplift_seen": snapshot.uplift_seen,
        "prior": snapshot.completion_seen == 0 or snapshot.uplift_seen == 0,
        "success": _posterior(snapshot.completion_rate, snapshot.completion_seen)
        * _posterior(snapshot.uplift_rate, snapshot.uplift_seen),
    }


def _posterior(rate: float | None, seen: int) -> float:
    """The Beta posterior mean the projection uses (uniform prior)."""
    done = round((rate or 0.0) * seen)
    return (done + 1) / (seen + 2)
