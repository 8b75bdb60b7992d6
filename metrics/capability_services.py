"""Capability across the organisation: read the recompute's results and the evidence set-based,
compute the company-wide heatmap cells and supply against demand (``metrics.capability``), and
store them as one snapshot the pages read (``capability_take``).

``capability_compute`` is what ``bench_capability`` times; ``queries`` are its reads, which the
bench also runs raw as the floor.
"""

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from django.db import connection, connections, transaction
from django.utils import timezone

from core.frames import Select, id_ranges, table, write_frame
from profiles import frames as profile_frames
from profiles.frames import IdRange
from recommendations import frames as recommendation_frames
from recommendations import outcome_labels
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
        "outcomes": outcome_labels.outcome_rows_select(now=now.to_pydatetime(), unlabelled_only=True),
        "outcome_counts": outcome_labels.outcome_counts_select(now=now.to_pydatetime()),
    }


def evidence_select(*, now: pd.Timestamp, skill_ids, id_range: IdRange | None = None) -> Select:
    """The evidence of the skills some role requires or some unit planned, known by ``now`` (of
    the employees in ``id_range``, or everyone's)."""
    return profile_frames.skill_evidence_select(
        now=now.to_pydatetime(), skill_ids=skill_ids, observed_until=now.to_pydatetime(), id_range=id_range
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


EVIDENCE_CHUNK = 10_000
"""Employees whose evidence is read and turned into levels at a time: bounds the memory, and the
next chunk is read while this one is computed."""


def _background(pool: ThreadPoolExecutor | None, work: Callable):
    """``work`` on the pool's thread (its own database connection, closed after), or here when
    there is no pool: the caller is inside a transaction, whose rows another connection would not
    see (tests; a snapshot taken within an atomic block)."""
    if pool is None:
        done: Future = Future()
        done.set_result(work())
        return done

    def run():
        try:
            return work()
        finally:
            connections.close_all()

    return pool.submit(run)


def _chunk_levels(evidence, *, pairs, planned, now, three, six, weights) -> tuple[pd.DataFrame, ...]:
    """Levels three and six months ago for the heatmap's pairs, and today for the planned ones."""
    history = capability.only_pairs(evidence, pairs)
    return (
        capability.levels_as_of(history, now=now, then=three, weights=weights),
        capability.levels_as_of(history, now=now, then=six, weights=weights),
        capability.levels_as_of(
            capability.only_pairs(evidence, planned), now=now, then=now + pd.Timedelta(seconds=1), weights=weights
        ),
    )


def capability_compute(*, now: pd.Timestamp | None = None, progress: Callable[[str], None] | None = None) -> Capability:
    """The company-wide heatmap cells and supply against demand as of ``now`` (module docstring
    of ``metrics.capability``).

    1. Read the recompute's results and the plan (small), the stored outcome counts, and start
       reading the outcomes closed but not yet stored (labelled here; ``capability_take`` stores
       them first, so normally none) on a second connection.
    2. The evidence, ``EVIDENCE_CHUNK`` employees at a time (the next chunk read while this one is
       computed): levels three and six months ago of the pairs the heatmap needs, and today of the
       pairs the plan needs. Only levels are kept.
    3. Cells, rates and the projection.
    """
    step = progress or (lambda name: None)
    now = pd.Timestamp(now or timezone.now())
    now = now.tz_convert("UTC") if now.tzinfo else now.tz_localize("UTC")
    three, six = capability.months_before(now.normalize(), 3), capability.months_before(now.normalize(), 6)
    step("read")
    selects = queries(now=now)
    outcomes_select = selects.pop("outcomes")
    pool = None if connection.in_atomic_block else ThreadPoolExecutor(max_workers=1)
    try:
        outcomes = _background(pool, outcomes_select.read)
        read = {name: select.read() for name, select in selects.items()}
        requirements = taxonomy_frames.role_requirements()
        people = read["people"][read["people"]["employee_id"].isin(read["analysed"]["employee_id"])]
        skill_ids = sorted(set(requirements["skill_id"]) | set(read["demand"]["skill_id"]))
        weights = EngineSettings.load().as_weights()
        pairs = capability.required_pairs(people, requirements)
        demand = read["demand"]
        staff = read["people"].dropna(subset=["business_unit_id"]).astype({"business_unit_id": "int64"})
        planned = staff.merge(demand[["business_unit_id", "skill_id"]], on="business_unit_id")
        movers = (
            read["moves"][["employee_id"]].drop_duplicates().merge(demand[["skill_id"]].drop_duplicates(), how="cross")
        )
        planned = pd.concat([planned[["employee_id", "skill_id"]], movers], ignore_index=True)
        step("evidence")
        ids = np.union1d(pairs["employee_id"].to_numpy(), planned["employee_id"].to_numpy())
        ranges = id_ranges(ids, EVIDENCE_CHUNK) if len(ids) else []

        def read_chunk(low, high):
            return evidence_select(now=now, skill_ids=skill_ids, id_range=(low, high)).read()

        levels, evidence_rows = [], 0
        ahead = _background(pool, lambda: read_chunk(*ranges[0])) if ranges else None
        for index in range(len(ranges)):
            evidence = ahead.result()
            if index + 1 < len(ranges):
                ahead = _background(pool, lambda low_high=ranges[index + 1]: read_chunk(*low_high))
            evidence_rows += len(evidence)
            levels.append(
                _chunk_levels(evidence, pairs=pairs, planned=planned, now=now, three=three, six=six, weights=weights)
            )
            del evidence
        outcomes = outcomes.result()
    finally:
        if pool is not None:
            pool.shutdown()
    step("compute")
    levels_3m, levels_6m, levels_now = (
        pd.concat([chunk[i] for chunk in levels], ignore_index=True) if levels else capability.empty_levels()
        for i in range(3)
    )
    cells = capability.heatmap_cells(
        pairs,
        gaps_now=read["gaps"],
        levels_3m=levels_3m,
        levels_6m=levels_6m,
        three_months_ago=three,
        six_months_ago=six,
    )
    rates = outcome_labels.learned_rates(outcome_labels.label_outcomes(outcomes), stored=read["outcome_counts"])
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
        rows_read=sum(len(frame) for frame in read.values()) + len(outcomes) + len(requirements) + evidence_rows,
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
    """Store the outcomes whose window closed since the last time (``outcome_labels.outcomes_label``),
    then compute and store capability as of ``now`` (default: now)."""
    outcome_labels.outcomes_label(now=pd.Timestamp(now).to_pydatetime() if now is not None else None)
    return capability_write(computed=capability_compute(now=now))
