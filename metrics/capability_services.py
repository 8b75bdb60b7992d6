"""Capability across the organisation: read the recompute's results and the evidence set-based,
compute the company-wide heatmap cells and supply against demand (``metrics.capability``), and
store them as one snapshot the pages read (``capability_take``).

``capability_compute`` is what ``bench_capability`` times; ``queries`` are its reads, which the
bench also runs raw as the floor.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pandas as pd
from django.db import transaction
from django.utils import timezone

from core.frames import Select, table, write_frame
from profiles import frames as profile_frames
from recommendations import frames as recommendation_frames
from recommendations import ranking
from recommendations.models import EngineSettings
from taxonomy import frames as taxonomy_frames

from . import capability
from .models import CapabilityCell, CapabilitySnapshot, SupplyDemand


def queries(*, now: pd.Timestamp) -> dict[str, Select]:
    """Every read of a capability snapshot (the owning apps' readers)."""
    return {
        "people": profile_frames.org_chart_select(),
        "analysed": recommendation_frames.analysed_employees_select(),
        "gaps": recommendation_frames.current_role_gaps_select(),
        "demand": profile_frames.skill_demand_plan_select(),
        "picks": recommendation_frames.picks_in_progress_select(),
        "moves": recommendation_frames.planned_moves_select(after=now.to_pydatetime()),
        "outcomes": ranking.outcome_rows_select(now=now.to_pydatetime()),
    }


def evidence_select(*, now: pd.Timestamp, skill_ids) -> Select:
    """The evidence of the skills some role requires or some unit planned, known by ``now``."""
    return profile_frames.skill_evidence_select(
        now=now.to_pydatetime(), skill_ids=skill_ids, observed_until=now.to_pydatetime()
    )


@dataclass
class Capability:
    as_of: date
    three_months_ago: pd.Timestamp
    six_months_ago: pd.Timestamp
    employees: int
    cells: pd.DataFrame
    supply: pd.DataFrame
    rates: dict
    in_progress: int
    rows_read: int
    planned_moves: int = 0


def capability_compute(*, now: pd.Timestamp | None = None, progress: Callable[[str], None] | None = None) -> Capability:
    """The company-wide heatmap cells and supply against demand as of ``now`` (module docstring
    of ``metrics.capability``)."""
    step = progress or (lambda name: None)
    now = pd.Timestamp(now or timezone.now())
    now = now.tz_convert("UTC") if now.tzinfo else now.tz_localize("UTC")
    three, six = capability.months_before(now.normalize(), 3), capability.months_before(now.normalize(), 6)
    step("read")
    read = {name: select.read() for name, select in queries(now=now).items()}
    requirements = taxonomy_frames.role_requirements()
    people = read["people"][read["people"]["employee_id"].isin(read["analysed"]["employee_id"])]
    skill_ids = sorted(set(requirements["skill_id"]) | set(read["demand"]["skill_id"]))
    evidence = evidence_select(now=now, skill_ids=skill_ids).read()
    step("compute")
    weights = EngineSettings.load().as_weights()
    pairs = capability.required_pairs(people, requirements)
    history = capability.only_pairs(evidence, pairs)
    cells = capability.heatmap_cells(
        pairs,
        gaps_now=read["gaps"],
        levels_3m=capability.levels_as_of(history, now=now, then=three, weights=weights),
        levels_6m=capability.levels_as_of(history, now=now, then=six, weights=weights),
        three_months_ago=three,
        six_months_ago=six,
    )
    demand = read["demand"]
    staff = read["people"].dropna(subset=["business_unit_id"]).astype({"business_unit_id": "int64"})
    planned = staff.merge(demand[["business_unit_id", "skill_id"]], on="business_unit_id")
    movers = read["moves"][["employee_id"]].drop_duplicates().merge(demand[["skill_id"]].drop_duplicates(), how="cross")
    planned = pd.concat([planned[["employee_id", "skill_id"]], movers], ignore_index=True)
    levels_now = capability.levels_as_of(
        capability.only_pairs(evidence, planned), now=now, then=now + pd.Timedelta(seconds=1), weights=weights
    )
    rates = ranking.learned_rates(ranking.label_outcomes(read["outcomes"]))
    supply = capability.supply_and_demand(
        demand,
        people=read["people"][["employee_id", "business_unit_id"]],
        levels_now=levels_now,
        picks=read["picks"],
        rates=rates,
        now=now,
        moves=read["moves"],
    )
    return Capability(
        as_of=now.date(),
        three_months_ago=three,
        six_months_ago=six,
        employees=int(pairs["employee_id"].nunique()),
        cells=cells,
        supply=supply,
        rates=rates,
        in_progress=len(read["picks"]),
        planned_moves=len(read["moves"]),
        rows_read=sum(len(frame) for frame in read.values()) + len(requirements) + len(evidence),
    )


SUPPLY_COLUMNS = [
    "business_unit_id", "skill_id", "level", "needed", "needed_by", "people", "supply_now", "learning_6m",
    "moved_6m", "expected_6m", "low_6m", "high_6m", "learning_12m", "moved_12m", "expected_12m", "low_12m",
    "high_12m", "verdict", "gap_after",
]  # fmt: skip


@transaction.atomic
def capability_write(*, computed: Capability) -> CapabilitySnapshot:
    """Store ``computed`` as the snapshot of its day (cells and supply rows in bulk): one a day,
    so taking it again the same day (a rerun of the schedule or of the demo) replaces that day's."""
    rates = computed.rates
    CapabilitySnapshot.objects.filter(as_of=computed.as_of).delete()
    snapshot = CapabilitySnapshot.objects.create(
        as_of=computed.as_of,
        three_months_ago=computed.three_months_ago.date(),
        six_months_ago=computed.six_months_ago.date(),
        employees=computed.employees,
        completion_rate=rates["completion_rate"],
        completion_seen=rates["completion_seen"],
        uplift_rate=rates["uplift_rate"],
        uplift_seen=rates["uplift_seen"],
        in_progress=computed.in_progress,
        planned_moves=computed.planned_moves,
    )
    cells = computed.cells.assign(snapshot_id=snapshot.pk)
    write_frame(table(CapabilityCell), cells, ["snapshot_id", *capability.KEYS, *capability.CELL_COUNTS])
    supply = computed.supply.rename(columns={"level_needed": "level", "people_needed": "needed"}).assign(
        snapshot_id=snapshot.pk, needed_by=lambda s: s["needed_by"].dt.date
    )
    write_frame(table(SupplyDemand), supply, ["snapshot_id", *SUPPLY_COLUMNS])
    # Keep the newest few for audit; the pages read only the newest.
    stale = CapabilitySnapshot.objects.order_by("-taken_at", "-pk").values_list("pk", flat=True)[KEEP:]
    CapabilitySnapshot.objects.filter(pk__in=list(stale)).delete()
    return snapshot


KEEP = 8


def capability_take(*, now: pd.Timestamp | None = None) -> CapabilitySnapshot:
    """Compute and store capability as of ``now`` (default: now)."""
    return capability_write(computed=capability_compute(now=now))
