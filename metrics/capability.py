"""Capability across the organisation, pure: pandas frames in, pandas frames out, no database.

``metrics.capability_services`` reads the recompute's results and the evidence set-based and
calls these; the pages (``metrics.capability_selectors``) pool what they show.

Heatmap (``heatmap_cells``): one row per (team, business unit, skill) a role of its people
requires. A team is the people reporting directly to one manager. Per row:

* today: ``people`` with that requirement, ``meeting`` (no stored shortfall against the current
  role in the generation their analysis points at: what /me/ shows) and the summed
  ``shortfall`` in levels;
* three and six months ago: the same people and roles (those hired by then), their levels as
  the engine (``recommendations.engine.proficiency``) reads them from the evidence observed
  before that day, ages counted from that day (``levels_as_of``): the past is measured, not
  guessed, and evidence recorded later never changes it.

Supply and demand (``supply_and_demand``): per business unit and skill HR planned in people
(``SkillDemand.people_needed`` at ``level_needed`` by ``needed_by``): the unit's people at the
level today, and projected in 6 and 12 months from the accepted picks in progress that reach
the level (their finish estimated from the item's hours at ``PACE_HOURS_PER_WEEK`` after
acceptance), each succeeding with probability completion x uplift, the two rates the ranking
learns from outcomes (``recommendations.outcome_labels.learned_rates``, over the outcomes stored as each
window closes, ``outcome_labels.outcomes_label``, and those closed since, labelled when read). The interval is the 10th to
90th percentile over draws of both rates from their Beta posteriors (uniform before any
outcome), of who succeeds, and of which planned moves happen. Planned moves
(``recommendations.PlannedMove``: a person, the unit they move to, the expected date, a
likelihood) due by the horizon take a person at the level today out of their unit's supply and
into the destination's, each happening with its likelihood; ``moved_6m``/``moved_12m`` are the
expected net people they add (negative when people leave). The verdict: covered today; "build" when the expected projection by the date needed
reaches the demand; "buy" when it does not (``gap_after`` people still missing).

Pooling (``pool_small``): no shown figure stands for fewer than ``MIN_GROUP`` people.
"""

import numpy as np
import pandas as pd

from recommendations.engine.arrays import pair_key
from recommendations.engine.proficiency import current_proficiency

MIN_GROUP = 5
"""A cell standing for fewer people than this is pooled into "Other teams" or hidden."""
OTHER = "Other teams"
PACE_HOURS_PER_WEEK = 2.0
"""How fast an accepted item is assumed to be worked through, for its finish date."""
DRAWS = 2_000
INTERVAL = (0.1, 0.9)
HORIZONS = {"6m": 6, "12m": 12}
CELL_COUNTS = ["people", "meeting", "shortfall", "people_3m", "meeting_3m", "shortfall_3m", "people_6m",
               "meeting_6m", "shortfall_6m"]  # fmt: skip
KEYS = ["team_id", "business_unit_id", "skill_id"]


def months_before(day: pd.Timestamp, months: int) -> pd.Timestamp:
    return day - pd.DateOffset(months=months)


def levels_as_of(evidence: pd.DataFrame, *, now: pd.Timestamp, then: pd.Timestamp, weights) -> pd.DataFrame:
    """employee_id, skill_id, level: the engine's level from the evidence observed before
    ``then``, each observation aged as it was on ``then``. ``evidence`` is the engine's frame, its
    ``age_days`` counted from ``now`` (so observed before ``then`` is older than ``now - then``)."""
    shift = (now - then).total_seconds() / 86400.0
    age = evidence["age_days"].to_numpy(dtype="float64")
    before = age > shift
    aged = evidence[before].assign(age_days=age[before] - shift)
    return current_proficiency(aged, weights)[["employee_id", "skill_id", "level"]]


def empty_levels() -> pd.DataFrame:
    return pd.DataFrame({"employee_id": pd.Series(dtype="int64"), "skill_id": pd.Series(dtype="int64"),
                         "level": pd.Series(dtype="float64")})  # fmt: skip


def only_pairs(evidence: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """The evidence rows of the (employee_id, skill_id) pairs in ``pairs``."""
    wanted = pair_key(pairs["employee_id"].to_numpy(), pairs["skill_id"].to_numpy())
    have = pair_key(evidence["employee_id"].to_numpy(), evidence["skill_id"].to_numpy())
    return evidence[np.isin(have, wanted)]


def required_pairs(people: pd.DataFrame, requirements: pd.DataFrame) -> pd.DataFrame:
    """Each person's role requirements: employee_id, team_id (their manager), business_unit_id,
    hire_date, skill_id, target_level. ``people`` has employee_id, manager_id,
    business_unit_id, role_id, hire_date."""
    staffed = people.dropna(subset=["role_id"]).astype({"role_id": "int64"})
    pairs = staffed.merge(requirements[["role_id", "skill_id", "target_level"]], on="role_id")
    return pairs.rename(columns={"manager_id": "team_id"})[
        ["employee_id", "team_id", "business_unit_id", "hire_date", "skill_id", "target_level"]
    ]


def _shortfall(pairs: pd.DataFrame, levels: pd.DataFrame) -> np.ndarray:
    level = pairs[["employee_id", "skill_id"]].merge(levels, on=["employee_id", "skill_id"], how="left")["level"]
    return np.maximum(pairs["target_level"].to_numpy(dtype="float64") - level.fillna(0.0).to_numpy(), 0.0)


def heatmap_cells(
    pairs: pd.DataFrame,
    *,
    gaps_now: pd.DataFrame,
    levels_3m: pd.DataFrame,
    levels_6m: pd.DataFrame,
    three_months_ago: pd.Timestamp,
    six_months_ago: pd.Timestamp,
) -> pd.DataFrame:
    """KEYS and CELL_COUNTS per team, business unit and skill (module docstring). ``gaps_now``:
    employee_id, skill_id, shortfall_current (stored gaps; a pair without one meets its target)."""
    now_short = pairs[["employee_id", "skill_id"]].merge(
        gaps_now[["employee_id", "skill_id", "shortfall_current"]], on=["employee_id", "skill_id"], how="left"
    )["shortfall_current"]
    shortfall = now_short.fillna(0.0).to_numpy(dtype="float64")
    hired = pairs["hire_date"]
    frame = pairs[KEYS].assign(people=1, meeting=(shortfall <= 0).astype("int64"), shortfall=shortfall)
    for suffix, levels, then in (("3m", levels_3m, three_months_ago), ("6m", levels_6m, six_months_ago)):
        present = (hired.isna() | (hired < then)).to_numpy()
        past = _shortfall(pairs, levels)
        frame[f"people_{suffix}"] = present.astype("int64")
        frame[f"meeting_{suffix}"] = (present & (past <= 0)).astype("int64")
        frame[f"shortfall_{suffix}"] = np.where(present, past, 0.0)
    cells = frame.groupby(KEYS, dropna=False, sort=True)[CELL_COUNTS].sum().reset_index()
    return cells


def pool_small(cells: pd.DataFrame, *, column: str = "column", min_group: int = MIN_GROUP) -> tuple[pd.DataFrame, int]:
    """Per skill, cells of fewer than ``min_group`` people are pooled into one ``OTHER`` cell;
    while that pool is itself too small, the next smallest cells join it. A skill whose people
    are fewer than ``min_group`` in all is left out. Returns the pooled cells (same columns) and
    how many skills were left out. ``cells`` holds skill_id, ``column`` and CELL_COUNTS, one row
    per skill and column."""
    if cells.empty:
        return cells, 0
    ordered = cells.sort_values(["skill_id", "people", column], kind="stable").reset_index(drop=True)
    skill = ordered["skill_id"]
    small = ordered["people"] < min_group
    smalls = small.groupby(skill).transform("sum")
    position = ordered.groupby(skill).cumcount()
    before = ordered.groupby(skill)["people"].cumsum() - ordered["people"]
    pooled = (smalls > 0) & ((position < smalls) | (before < min_group))
    ordered[column] = ordered[column].where(~pooled, OTHER)
    merged = ordered.groupby(["skill_id", column], sort=False)[CELL_COUNTS].sum().reset_index()
    totals = merged.groupby("skill_id")["people"].transform("sum")
    kept = merged[totals >= min_group]
    return kept.reset_index(drop=True), int(merged.loc[totals < min_group, "skill_id"].nunique())


def _finish_dates(picks: pd.DataFrame, now: pd.Timestamp) -> pd.Series:
    weeks = np.maximum(picks["hours"].fillna(0.0).to_numpy(dtype="float64") / PACE_HOURS_PER_WEEK, 1.0)
    started = picks["acted_at"].fillna(now)
    finish = started + pd.to_timedelta(weeks * 7, unit="D")
    return finish.where(finish > now, now)


def _move_effects(
    moves: pd.DataFrame | None, *, demand: pd.DataFrame, staff: pd.DataFrame, levels_now: pd.DataFrame, now
) -> pd.DataFrame:
    """row (of ``demand``), sign (-1 out of the unit, +1 into it), likelihood, expected_on: one per
    planned move of a person at the row's level today between two different units."""
    empty = pd.DataFrame({"row": pd.Series(dtype="int64"), "sign": pd.Series(dtype="float64"),
                          "likelihood": pd.Series(dtype="float64"), "expected_on": pd.Series(dtype="datetime64[ns, UTC]")})  # fmt: skip
    if moves is None or moves.empty or demand.empty:
        return empty
    planned = moves.rename(columns={"business_unit_id": "to_unit"}).merge(
        staff[["employee_id", "business_unit_id"]].rename(columns={"business_unit_id": "from_unit"}), on="employee_id"
    )
    planned = planned[planned["to_unit"].notna() & (planned["to_unit"] != planned["from_unit"])]
    planned = planned.assign(
        to_unit=planned["to_unit"].astype("int64"),
        expected_on=pd.to_datetime(planned["expected_on"], utc=True).astype("datetime64[ns, UTC]"),
    )
    planned = planned[planned["expected_on"] > now]
    targets = demand[["row", "business_unit_id", "skill_id", "level_needed"]]
    sides = []
    for unit, sign in (("from_unit", -1.0), ("to_unit", 1.0)):
        side = planned.merge(targets, left_on=unit, right_on="business_unit_id")
        level = side[["employee_id", "skill_id"]].merge(levels_now, on=["employee_id", "skill_id"], how="left")["level"]
        side = side[(level.fillna(0.0).to_numpy() >= side["level_needed"].to_numpy())]
        sides.append(side.assign(sign=sign)[["row", "sign", "likelihood", "expected_on"]])
    effects = pd.concat(sides, ignore_index=True)
    return effects.astype({"row": "int64", "sign": "float64", "likelihood": "float64"}) if len(effects) else empty


def rate_draws(*, done: int, seen: int, rng: np.random.Generator, draws: int = DRAWS) -> np.ndarray:
    """Draws of a rate from its Beta posterior (uniform prior) after ``done`` of ``seen``."""
    return rng.beta(done + 1, seen - done + 1, size=draws)


def supply_and_demand(
    demand: pd.DataFrame,
    *,
    people: pd.DataFrame,
    levels_now: pd.DataFrame,
    picks: pd.DataFrame,
    rates: dict,
    now: pd.Timestamp,
    moves: pd.DataFrame | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """One row per planned demand (module docstring). ``demand``: business_unit_id, skill_id,
    people_needed, level_needed, needed_by; ``people``: employee_id, business_unit_id;
    ``levels_now``: employee_id, skill_id, level; ``picks``: employee_id, skill_id,
    reaches_level, acted_at, hours; ``rates``: ``learned_rates``'s counts; ``moves``:
    employee_id, business_unit_id (where to; NaN: stays), expected_on, likelihood."""
    demand = demand.reset_index(drop=True).assign(row=lambda d: np.arange(len(d)))
    horizon_end = {name: now + pd.DateOffset(months=months) for name, months in HORIZONS.items()}
    needed_by = pd.to_datetime(demand["needed_by"], utc=True).astype("datetime64[ns, UTC]").fillna(horizon_end["12m"])
    staff = people.dropna(subset=["business_unit_id"]).astype({"business_unit_id": "int64"})
    headcount = staff.groupby("business_unit_id").size()
    placed = staff.merge(levels_now, on="employee_id", how="left")
    at_level = demand[["row", "business_unit_id", "skill_id", "level_needed"]].merge(
        placed, on=["business_unit_id", "skill_id"]
    )
    supply = at_level[at_level["level"] >= at_level["level_needed"]].groupby("row").size()

    progress = picks.merge(staff, on="employee_id").assign(finish=lambda p: _finish_dates(p, now))
    progress = progress.merge(
        demand[["row", "business_unit_id", "skill_id", "level_needed"]], on=["business_unit_id", "skill_id"]
    )
    level = progress[["employee_id", "skill_id"]].merge(levels_now, on=["employee_id", "skill_id"], how="left")["level"]
    reaching = (level.fillna(0.0).to_numpy() < progress["level_needed"].to_numpy()) & (
        progress["reaches_level"].to_numpy() >= progress["level_needed"].to_numpy()
    )
    firsts = progress[reaching].groupby(["row", "employee_id"])["finish"].min().reset_index()

    rng = np.random.default_rng(seed)
    completion = rate_draws(done=rates["completion_done"], seen=rates["completion_seen"], rng=rng)
    uplift = rate_draws(done=rates["uplift_done"], seen=rates["uplift_seen"], rng=rng)
    success = completion * uplift
    mean_success = ((rates["completion_done"] + 1) / (rates["completion_seen"] + 2)) * (
        (rates["uplift_done"] + 1) / (rates["uplift_seen"] + 2)
    )
    out = demand.assign(
        people=demand["business_unit_id"].map(headcount).fillna(0).astype("int64"),
        supply_now=demand["row"].map(supply).fillna(0).astype("int64"),
        needed_by=needed_by,
    )
    effects = _move_effects(moves, demand=demand, staff=staff, levels_now=levels_now, now=now)
    for name, end in horizon_end.items():
        learning = firsts[firsts["finish"] <= end].groupby("row").size()
        count = out["row"].map(learning).fillna(0).astype("int64").to_numpy()
        gained = rng.binomial(count[:, None], success[None, :]) if len(count) else np.zeros((0, DRAWS))
        due = effects[effects["expected_on"] <= end]
        happened = rng.random((len(due), DRAWS)) < due["likelihood"].to_numpy()[:, None]
        moved = np.zeros((len(count), DRAWS))
        np.add.at(moved, due["row"].to_numpy(), happened * due["sign"].to_numpy()[:, None])
        gained = gained + moved
        expected_moved = (
            (due["sign"] * due["likelihood"]).groupby(due["row"]).sum().reindex(out["row"]).fillna(0.0).to_numpy()
        )
        out[f"learning_{name}"] = count
        out[f"moved_{name}"] = expected_moved
        out[f"expected_{name}"] = count * mean_success + expected_moved
        low, high = np.quantile(gained, INTERVAL, axis=1) if len(count) else (np.zeros(0), np.zeros(0))
        out[f"low_{name}"] = low
        out[f"high_{name}"] = high
    by_six = (out["needed_by"] <= horizon_end["6m"]).to_numpy()
    expected_then = np.where(by_six, out["expected_6m"], out["expected_12m"])
    supply_now = out["supply_now"].to_numpy()
    needed = out["people_needed"].to_numpy()
    out["gap_after"] = np.maximum(needed - supply_now - expected_then, 0.0)
    out["verdict"] = np.select(
        [supply_now >= needed, supply_now + expected_then >= needed], ["covered", "build"], "buy"
    )
    return out.drop(columns="row")
