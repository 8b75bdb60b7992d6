"""The demo history's hidden rules: what each person prefers, what each item truly does, and the
outcomes of delivered picks drawn from them (``recommendation_history`` explains what is planted)."""

from dataclasses import dataclass, field
from math import floor

import numpy as np
import pandas as pd

from recommendations.engine import picking
from recommendations.models import Recommendation

from .recommendation_world import DAY, END, World, pair_key

KINDS = picking.KINDS
Status = Recommendation.Status

# HIDDEN RULES, in log-odds. ``affinity``: the person's for the item's format (about -2 to 2);
# ``priority``: the gap's priority over the highest on the person's list that month (0-1).
#   take it up within 30 days:  -1.6 + 1.0 affinity + 1.2 priority + 0.8 (level fit - 1)
#                               - 0.2 (log hours - 2.3) + keenness (the person's, sd 0.5)
#   else dismiss it:            -3.5 - 0.9 affinity + 1.5 (level fit below 0.5)
#   else take it up late:       chance 0.12
#   finish it, once started:    0.3 + 3.0 affinity - 0.4 (log hours - 2.3) + 0.8 (level fit - 1)
#   rise a level, finished:     chance uplift x (0.6 + 0.4 level fit)
#   flagged by the manager:     chance 0.01 + 0.12 (level fit below 0.5) + 0.06 (kind fit below 0.5)
# ``strength`` (``Context.planted``, 1 by default) multiplies every effect of a feature the
# model sees: affinity, priority, level fit, kind fit, hours, and each item's uplift over 0.5.
# At 0 nothing is planted (the negative control): outcomes are independent of the features, so
# no scorer can rank better than another but by chance. Keenness (per person, the same for every
# item on their list) and quiet people are kept: they move whole lists, never the order in one.
SELF_DIRECTED = np.array([1.3, 1.1, -1.2, -1.0, -0.8])  # each format's loading (KINDS order) on the person's axis
FORMAT_NOISE = 0.5  # plus this much noise per person and format
UPLIFT_BETA = 0.6  # uplift ~ Beta(0.6, 0.6) clipped to 0.05-0.95: many items rarely work, many nearly always
TAKE_UP_BASE, TAKE_UP_AFFINITY, TAKE_UP_PRIORITY = -1.6, 1.0, 1.2
FINISH_AFFINITY = 3.0
DISMISS_BASE = -3.5
LATE_SHARE = 0.12
OWN_PER_MONTH = 0.1  # items a person takes on their own, a month
RATING_SLIP = 0.08  # share of ratings a level off
RATING_SOURCES = ("manager", "assessment")  # what ``ranking`` reads a rise from
ACTED = (
    Status.ACCEPTED,
    Status.COMPLETED,
    Status.DISMISSED,
)  # never recommended again (``Recommendation.DECIDED``; the demo has no HR rejections)

FLAG_REASONS = {
    "level": (
        "Starts below where they are: they already do this every week.",
        "Too advanced for now; a first step is missing.",
    ),
    "kind": ("Not how this skill is learnt; a mentor or a project would serve better.",),
    "other": ("Not a priority for the team this quarter.",),
}
DISMISS_REASONS = {
    "level": ("Too basic for me.", "Too advanced for me right now."),
    "format": ("I don't learn well this way.", "I'd rather learn this with someone than on my own.", "Not my format."),
    "other": ("No time for this right now.", "Not a priority for my goals at the moment."),
}
STOPPED = "Started it and stopped."


@dataclass
class Truth:
    """What the simulation knows and the tables do not."""

    affinity: np.ndarray  # person position x format code (KINDS order, then unknown)
    keenness: np.ndarray  # per person position
    quiet: np.ndarray  # per person position: never acts (the pilot's planted idle people keep their quiet)
    uplift: pd.Series  # resource id -> chance that finishing it raises the skill a level
    strength: float = 1.0  # how strongly the features matter (the comment on the HIDDEN RULES)
    levels: dict[int, float] = field(default_factory=dict)  # (employee << 31 | skill) -> true level once learning began

    def planted(self, effect):
        """``effect`` times the planted strength (exactly ``effect`` at full strength)."""
        return effect if self.strength == 1 else self.strength * effect


def plant(world: World, rng: np.random.Generator, *, strength: float = 1.0) -> Truth:
    """Each person's format affinities and keenness, each item's uplift, who stays quiet."""
    n = len(world.people)
    affinity = np.zeros((n, len(KINDS) + 1))
    axis = rng.standard_normal(n)
    affinity[:, : len(KINDS)] = axis[:, None] * SELF_DIRECTED + FORMAT_NOISE * rng.standard_normal((n, len(KINDS)))
    uplift = np.clip(rng.beta(UPLIFT_BETA, UPLIFT_BETA, len(world.resources)), 0.05, 0.95)
    if strength != 1:
        affinity, uplift = strength * affinity, 0.5 + strength * (uplift - 0.5)
    return Truth(
        strength=strength,
        affinity=affinity,
        keenness=0.5 * rng.standard_normal(n),
        quiet=_quiet(world),
        uplift=pd.Series(uplift, index=world.resources["resource_id"].to_numpy()),
    )


def _quiet(world: World) -> np.ndarray:
    """People with no evidence in the last year or no learning in the last three months before
    today: the history's planted data-quality cases, which the replay must not undo."""
    people = world.people["employee_id"]
    newest_evidence = world.evidence.groupby("employee_id")["observed_at"].max().reindex(people)
    newest_learning = world.records.groupby("employee_id")["started_at"].max().reindex(people)
    stale = ~(newest_evidence.to_numpy() >= END - 365 * DAY)
    idle = ~(newest_learning.to_numpy() >= END - 90 * DAY)
    return stale | idle


def _sigmoid(x) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def days_between(rng: np.random.Generator, low: float, high: float, n: int) -> np.ndarray:
    return (rng.uniform(low, high, n) * 86_400).astype("timedelta64[s]")


def _affinity(truth: Truth, rows: pd.DataFrame) -> np.ndarray:
    codes = pd.Index(KINDS).get_indexer(pd.Index(rows["kind"]))
    return truth.affinity[rows["position"].to_numpy(), np.where(codes < 0, len(KINDS), codes)]


def _finishes(truth: Truth, affinity, log_hours, level_fit) -> np.ndarray:
    planted = truth.planted
    return _sigmoid(
        0.3 + FINISH_AFFINITY * affinity - planted(0.4 * (log_hours - 2.3)) + planted(0.8 * (level_fit - 1))
    )


def _works(truth: Truth, uplift, level_fit) -> np.ndarray:
    fit = 0.6 + 0.4 * level_fit
    return uplift * (fit if truth.strength == 1 else 1.0 + truth.strength * (fit - 1.0))


def _duration(log_hours: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """How long an item takes: about a day per hour of effort, 2 to 35 days."""
    days = np.clip(np.expm1(log_hours) * rng.uniform(0.6, 1.4, len(log_hours)), 2, 35)
    return (days * 86_400).astype("timedelta64[s]")


def _pick_text(options: dict, cause: np.ndarray, chosen: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    text = np.full(len(cause), "", dtype=object)
    for name, sentences in options.items():
        hit = chosen & (cause == name)
        text[hit] = np.array(sentences, dtype=object)[rng.integers(0, len(sentences), hit.sum())]
    return text


def deliver_outcomes(world: World, truth: Truth, rows: pd.DataFrame, rng: np.random.Generator) -> None:
    """Flags, take-up, dismissals, finishing and the rise in the skill, for delivered picks."""
    n = len(rows)
    affinity = _affinity(truth, rows)
    level_fit, log_hours = rows["level_fit"].to_numpy(), rows["log_hours"].to_numpy()
    gap_priority = rows["gap_priority"].to_numpy()
    top = rows.assign(top=gap_priority).groupby("employee_id")["top"].transform("max").to_numpy()
    priority = np.where(top > 0, gap_priority / np.where(top > 0, top, 1.0), 0.0)
    delivered = rows["delivered_at"].to_numpy()
    off_level, off_kind = level_fit < 0.5, rows["kind_fit"].to_numpy() < 0.5

    planted = truth.planted
    flagged = rng.random(n) < 0.01 + planted(0.12 * off_level) + planted(0.06 * off_kind)
    take_up = _sigmoid(
        TAKE_UP_BASE + TAKE_UP_AFFINITY * affinity + planted(TAKE_UP_PRIORITY * priority)
        + planted(0.8 * (level_fit - 1)) - planted(0.2 * (log_hours - 2.3))
        + truth.keenness[rows["position"].to_numpy()]
    )  # fmt: skip
    active = ~truth.quiet[rows["position"].to_numpy()] & ~flagged
    accepted = active & (rng.random(n) < take_up)
    dismissed = (
        active & ~accepted & (rng.random(n) < _sigmoid(DISMISS_BASE - 0.9 * affinity + planted(1.5 * off_level)))
    )
    late = active & ~accepted & ~dismissed & (rng.random(n) < LATE_SHARE)
    started = accepted | late
    completed = started & (rng.random(n) < _finishes(truth, affinity, log_hours, level_fit))
    risen = completed & (rng.random(n) < _works(truth, truth.uplift.loc[rows["resource_id"]].to_numpy(), level_fit))

    acted_at = np.full(n, np.datetime64("NaT"), dtype="datetime64[s]")
    acted_at[accepted] = delivered[accepted] + np.minimum(
        (rng.exponential(6.0, accepted.sum()) * 86_400).astype("timedelta64[s]"), 29 * DAY
    )
    acted_at[dismissed] = delivered[dismissed] + days_between(rng, 0.2, 20, dismissed.sum())
    acted_at[late] = delivered[late] + days_between(rng, 31, 60, late.sum())
    duration = _duration(log_hours, rng)
    completed_at = np.where(completed & (acted_at + duration < END), acted_at + duration, np.datetime64("NaT"))
    stopped = started & ~completed
    status = np.select(
        [flagged, dismissed | stopped, completed & ~np.isnat(completed_at), started],
        [Status.WITHDRAWN, Status.DISMISSED, Status.COMPLETED, Status.ACCEPTED],
        Status.WITHDRAWN,  # let pass: replaced by the next month's picks
    )
    cause = np.where(off_level, "level", np.where(affinity < -0.3, "format", "other"))
    reason = _pick_text(DISMISS_REASONS, cause, dismissed, rng)
    reason[stopped] = STOPPED
    flag_cause = np.where(off_level, "level", np.where(off_kind, "kind", "other"))
    flagged_at = delivered + days_between(rng, 1, 10, n)
    world.recommendations.append(
        rows.assign(
            status=status,
            acted_at=acted_at,
            completed_at=completed_at.astype("datetime64[s]"),
            dismissed_reason=reason,
            flag_reason=_pick_text(FLAG_REASONS, flag_cause, flagged, rng),
            flagged_at=np.where(flagged, flagged_at, np.datetime64("NaT")),
            resolved_at=np.where(flagged, flagged_at + days_between(rng, 1, 7, n), np.datetime64("NaT")),
        )
    )
    acted = np.isin(status, ACTED)
    world.acted = pd.concat(
        [world.acted, pd.DataFrame({"employee_id": rows["employee_id"].to_numpy()[acted],
                                    "resource_id": rows["resource_id"].to_numpy()[acted], "at": acted_at[acted]})],
        ignore_index=True,
    )  # fmt: skip
    _learn(world, truth, rows[started], acted_at[started], duration[started], completed[started], risen[started], rng)


def own_choices(world: World, truth: Truth, rest: pd.DataFrame, when, rng: np.random.Generator) -> None:
    """What people take on their own from the candidates not delivered: 0-2 a month, drawn in
    proportion to ``exp(1.2 x affinity)``, finished and worked as the hidden rules say."""
    if rest.empty:
        return
    affinity = _affinity(truth, rest)
    # A weighted draw without replacement per person: the smallest Exp(1) / weight keys win.
    rest = rest.assign(key=rng.exponential(1.0, len(rest)) / np.exp(1.2 * affinity), affinity=affinity)
    rest = rest.sort_values(["employee_id", "key"], kind="stable")
    wanted = np.where(truth.quiet, 0, np.minimum(rng.poisson(OWN_PER_MONTH, len(world.people)), 2))
    wanted = pd.Series(wanted, index=world.people["employee_id"])
    chosen = rest[rest.groupby("employee_id").cumcount().to_numpy() < wanted.loc[rest["employee_id"]].to_numpy()]
    if chosen.empty:
        return
    n, log_hours, level_fit = len(chosen), chosen["log_hours"].to_numpy(), chosen["level_fit"].to_numpy()
    completed = rng.random(n) < _finishes(truth, chosen["affinity"].to_numpy(), log_hours, level_fit)
    risen = completed & (rng.random(n) < _works(truth, truth.uplift.loc[chosen["resource_id"]].to_numpy(), level_fit))
    _learn(world, truth, chosen, when + days_between(rng, 1, 28, n), _duration(log_hours, rng), completed, risen, rng)


def _learn(world: World, truth: Truth, rows: pd.DataFrame, started_at, duration, completed, risen, rng) -> None:
    """The learning record of each item started, and for each completion the learning evidence it
    claims and, 5-25 days later, a rating (``_rated``)."""
    n = len(rows)
    if n == 0:
        return
    hours = np.expm1(rows["log_hours"].to_numpy())
    completed_at = np.where(completed, started_at + duration, np.datetime64("NaT")).astype("datetime64[s]")
    abandoned_at = started_at + (duration * rng.uniform(0.2, 0.8, n)).astype("timedelta64[s]")
    engaged = np.where(completed, rng.uniform(0.9, 1.25, n), rng.uniform(0.05, 0.45, n))
    record = pd.DataFrame(
        {
            "employee_id": rows["employee_id"].to_numpy(),
            "resource_id": rows["resource_id"].to_numpy(),
            "kind": rows["kind"].to_numpy(),
            "status": np.where(completed, "completed", "abandoned"),
            "started_at": started_at,
            "decided_at": np.where(completed, completed_at, abandoned_at).astype("datetime64[s]"),
            "completed_at": completed_at,
            "minutes": np.rint(hours * 60 * engaged).astype("int64"),
            "new": True,
        }
    )
    done = np.flatnonzero(completed)
    finished = rows.iloc[done]
    current = np.maximum(finished["current_level"].to_numpy(dtype="float64"), 0.0)
    base = {
        "employee_id": finished["employee_id"].to_numpy(),
        "skill_id": finished["skill_id"].to_numpy(),
        "resource_id": finished["resource_id"].to_numpy(),
        "new": True,
    }
    claim = pd.DataFrame(
        {
            **base,
            "level": np.minimum(finished["reaches_level"].to_numpy(), np.floor(current) + 1),
            "source": "learning",
            "observed_at": completed_at[done],
            "confidence": 0.6,
        }
    )
    rating = pd.DataFrame(
        {
            **base,
            "level": _rated(world, truth, finished, completed_at[done], risen[done], rng),
            "source": np.where(np.isin(finished["kind"], ["course", "certification"]), "assessment", "manager"),
            "observed_at": completed_at[done] + days_between(rng, 5, 25, len(done)),
            "confidence": np.round(rng.uniform(0.75, 1.0, len(done)), 2),
        }
    )
    world.records = pd.concat([world.records, record], ignore_index=True)
    world.evidence = pd.concat([world.evidence, claim, rating], ignore_index=True)


def _rated(world: World, truth: Truth, finished: pd.DataFrame, completed_at, risen, rng) -> np.ndarray:
    """The rating after each completion: the person's true level in the skill, one up when the
    item worked, placed by the rater (one level off either way now and then). The true level
    before is the one the simulation last set, else the newest manager or assessment rating,
    else the engine's level when the item was picked."""
    keys = pair_key(finished["employee_id"], finished["skill_id"])
    start = _newest_rating(world, keys, completed_at)
    start = np.where(np.isnan(start), np.maximum(finished["current_level"].to_numpy(dtype="float64"), 0.0), start)
    rated = np.zeros(len(finished))
    for j in np.argsort(completed_at, kind="stable"):
        level = min(truth.levels.get(keys[j], start[j]) + risen[j], 4.0)
        truth.levels[keys[j]] = level
        rated[j] = floor(level + 0.5)
    slip = np.where(rng.random(len(finished)) < RATING_SLIP, rng.choice([-1, 1], len(finished)), 0)
    return np.clip(rated + slip, 0, 4).astype("int64")


def _newest_rating(world: World, keys: np.ndarray, when: np.ndarray) -> np.ndarray:
    """The newest manager or assessment rating of each (employee, skill) key at or before ``when`` (NaN if none)."""
    evidence = world.evidence
    ratings = evidence[evidence["source"].isin(RATING_SOURCES).to_numpy()]
    ratings = pd.DataFrame(
        {
            "key": pair_key(ratings["employee_id"], ratings["skill_id"]),
            "at": ratings["observed_at"].to_numpy(),
            "level": ratings["level"].to_numpy(dtype="float64"),
        }
    )
    ratings = ratings[np.isin(ratings["key"].to_numpy(), keys)].sort_values("at")
    query = pd.DataFrame({"key": keys, "at": when, "row": np.arange(len(keys))}).sort_values("at")
    found = pd.merge_asof(query, ratings, on="at", by="key", direction="backward")
    return found.sort_values("row")["level"].to_numpy(dtype="float64")
