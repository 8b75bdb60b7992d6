"""The demo's past learning recommendations and what became of them: the history the ranking
model (``recommendations.ranking``) learns from, with something real planted in it to learn.

``recommendation_history(ctx)`` replays ``ROUNDS`` monthly rounds, February 2025 to July 2026
(so every outcome window has closed by ``BASE_DATE``), for the pilot and, in a larger
organisation, others drawn at random up to ``MAX_PEOPLE`` in all. What it plants, hidden from
every table (``HIDDEN RULES`` below):

(a) a format preference per person: one axis from "self-directed" (courses, certifications) to
    "social" (mentorship, stretch assignments, peer groups), plus noise per format, so some
    people finish self-paced courses and others only engage one-to-one or on the job. It
    decides above all whether they finish what they start, so it shows in their learning
    records by format (completed or abandoned, minutes), where ``format_completion_rate`` and
    ``format_engagement`` read it;
(b) a true uplift per catalogue item: the chance that finishing it raises the skill a level
    (0.05 to 0.95), seen in the rating after a completion, where ``resource_uplift`` reads it;
(c) gap priority: people take up what is offered for their most important gaps more often.

Each round, for everyone simulated who had joined by then:

1. proficiency and gaps as of that day, from the evidence observed before it, with the role and
   career goal they had then (the engine's ``current_proficiency`` and ``compute_gaps``);
2. candidates and features with ``picking.candidate_features`` (the top ``TOP_GAPS`` gaps),
   fed with the history as it stood that day (``_as_of``, the definitions of
   ``recommendations.learning``), so each ``Recommendation.features`` has no look-ahead;
3. the heuristic's picks (``picking.heuristic_score`` and ``pick``, eight per person), delivered;
4. outcomes drawn from the hidden rules: a manager flags a few off-target picks (HR withdraws
   them); people take one up within 30 days, dismiss it with a reason, take it up late, or let
   it pass (withdrawn when the next picks replace it); what they start they finish or abandon
   (abandoned ones are dismissed: "Started it and stopped");
5. what outcomes leave behind: a learning record, at completion the learning evidence
   ``outcomes.recommendation_complete`` writes, and 5-25 days later a rating (an assessment
   after a course or certification, the manager's otherwise) at the person's true level, one up
   when the item worked, now and then one level off. People also take 0-2 items a month from
   their candidates on their own, in the formats they like.

Each round gives every person a fresh list (the nightly re-plan would keep a live row; one row
per month keeps each month's ranked list whole). People whose evidence is all over a year old or
who learnt nothing in the last three months (the history's planted data-quality cases) receive
recommendations but never act on them, so those cases stay as planted. Deterministic for a seed
(``population.rng_for``) and idempotent: nothing happens when past recommendations exist, or
(said in the summary) when the catalogue is empty, so it runs after ``catalogue_step``.
"""

import json
from dataclasses import dataclass, field
from math import floor

import numpy as np
import pandas as pd

from profiles.models import CareerAspiration, Employee, LearningRecord, RoleAssignment, SkillEvidence
from recommendations import analysis
from recommendations.engine import picking
from recommendations.engine.gaps import compute_gaps
from recommendations.engine.proficiency import current_proficiency
from recommendations.engine.settings import EngineWeights
from recommendations.models import EngineSettings, Flag, LearningResource, Recommendation, ResourceSkill
from taxonomy.models import Skill

from .context import BASE_DATE, PILOT_COHORT, Context
from .population import datetimes, now_text, nullable_ids, rng_for, write_rows

STEP = 21  # this step's number for ``rng_for``
ROUNDS = 18
LAST_ROUND = np.datetime64("2026-07-01T06:00:00")
MAX_PEOPLE = 2_000
TOP_GAPS = 8  # gaps per person that candidates come from (the nightly run uses picking.TOP_GAPS)
SOURCE = "demo"
DAY = np.timedelta64(86_400, "s")
END = np.datetime64(BASE_DATE).astype("datetime64[s]")  # "today": nothing after it happened yet
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
NOTE_PREFIX = {"learning": "Completed “", "assessment": "Assessment after “", "manager": "Check-in after “"}
GOAL_PHRASES = {
    "current": "your current role",
    "aspired": "the role you aim for",
    "both": "your role and the one you aim for",
    "demand": "your business unit's plans",
}
RECORD_COLUMNS = ["employee_id", "resource_id", "kind", "status", "started_at", "decided_at", "completed_at", "minutes"]


@dataclass
class Truth:
    """What the simulation knows and the tables do not."""

    affinity: np.ndarray  # person position x format code (KINDS order, then unknown)
    keenness: np.ndarray  # per person position
    quiet: np.ndarray  # per person position: never acts (the pilot's planted idle people keep their quiet)
    uplift: pd.Series  # resource id -> chance that finishing it raises the skill a level
    levels: dict[int, float] = field(default_factory=dict)  # (employee << 31 | skill) -> true level once learning began


NO_ACTIONS = pd.DataFrame(
    {"employee_id": np.zeros(0, "int64"), "resource_id": np.zeros(0, "int64"), "at": np.zeros(0, "datetime64[s]")}
)


@dataclass
class World:
    """What the rounds read and add to, as frames over ids (datetimes are UTC datetime64[s])."""

    people: pd.DataFrame  # employee_id, hire, external_id, manager_user, position
    roles: pd.DataFrame  # employee_id, role_id, business_unit_id, start, end
    aspirations: pd.DataFrame  # employee_id, aspired_role_id, stated_at
    resources: pd.DataFrame  # resource_id, kind, format, hours, active, mentor_id, activity_id, title, provider, url
    resource_skills: pd.DataFrame  # resource_id, skill_id, from_level, to_level
    skill_kinds: pd.DataFrame  # skill_id, kind
    skill_names: dict[int, str]
    shared: analysis.Shared
    weights: EngineWeights
    evidence: pd.DataFrame  # employee_id, skill_id, level, source, observed_at, confidence, resource_id, new
    records: pd.DataFrame  # RECORD_COLUMNS and new; resource_id -1 outside the catalogue
    recommendations: list[pd.DataFrame] = field(default_factory=list)
    acted: pd.DataFrame = field(default_factory=lambda: NO_ACTIONS.copy())  # employee_id, resource_id, at


def recommendation_history(ctx: Context) -> None:
    """Append the demo's past recommendations and all they left behind (the module docstring)."""
    existing = Recommendation.objects.filter(created_at__lt=_aware(LAST_ROUND + 31 * DAY)).count()
    if existing:
        ctx.summary.table("past recommendations").unchanged += existing
        return
    if not LearningResource.objects.filter(active=True).exists():
        ctx.summary.notes.append("recommendation history: skipped, the learning catalogue is empty")
        return
    rng = rng_for(ctx, STEP, 0)
    world = _read_world(rng)
    truth = _plant(world, rng)
    months = LAST_ROUND.astype("datetime64[M]") - np.arange(ROUNDS)[::-1]
    bar = ctx.progress(ROUNDS, "recommendation history (months)") if ctx.progress and ctx.large else None
    for month in months:
        _round(world, truth, month.astype("datetime64[s]") + np.timedelta64(6, "h"), rng)
        if bar:
            bar.update(1)
    if bar:
        bar.close()
    _write(ctx, world)


# --- the world as it was ---------------------------------------------------------------------


def _aware(value: np.datetime64):
    return pd.Timestamp(value).tz_localize("UTC").to_pydatetime()


def _seconds(values) -> np.ndarray:
    """Aware datetimes (or None) from the ORM as UTC datetime64[s]."""
    return pd.to_datetime(pd.Series(values, dtype=object), utc=True).dt.tz_localize(None).to_numpy("datetime64[s]")


def _frame(queryset, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(list(queryset.values_list(*columns)), columns=columns)


def _simulated_people(rng: np.random.Generator) -> np.ndarray:
    """The pilot, and others drawn at random up to ``MAX_PEOPLE`` in all."""
    rows = _frame(Employee.objects.active().order_by("pk"), ["pk", "cohort"])
    pilot = (rows["cohort"] == PILOT_COHORT).to_numpy()
    others = rows["pk"].to_numpy(dtype="int64")[~pilot]
    room = max(MAX_PEOPLE - int(pilot.sum()), 0)
    if len(others) > room:
        others = rng.choice(others, size=room, replace=False)
    return np.sort(np.r_[rows["pk"].to_numpy(dtype="int64")[pilot], others])


def _read_world(rng: np.random.Generator) -> World:
    ids = _simulated_people(rng)
    users = dict(Employee.objects.filter(user__isnull=False).values_list("pk", "user_id"))
    people = _frame(
        Employee.objects.filter(pk__in=ids).order_by("pk"), ["pk", "hire_date", "external_id", "manager_id"]
    )
    people = pd.DataFrame(
        {
            "employee_id": people["pk"].to_numpy(dtype="int64"),
            "hire": people["hire_date"].to_numpy("datetime64[D]").astype("datetime64[s]"),
            "external_id": people["external_id"].to_numpy(),
            "manager_user": people["manager_id"].map(users).fillna(-1).to_numpy(dtype="int64"),
            "position": np.arange(len(people)),
        }
    )
    roles = _frame(
        RoleAssignment.objects.filter(employee_id__in=ids),
        ["employee_id", "role_id", "business_unit_id", "start_date", "end_date"],
    )
    roles["start"] = pd.to_datetime(roles.pop("start_date")).to_numpy("datetime64[s]")
    roles["end"] = pd.to_datetime(roles.pop("end_date")).to_numpy("datetime64[s]") + DAY  # end_date is the last day
    aspirations = _frame(
        CareerAspiration.objects.filter(employee_id__in=ids), ["employee_id", "target_role_id", "stated_at"]
    ).rename(columns={"target_role_id": "aspired_role_id"})
    aspirations["stated_at"] = _seconds(aspirations["stated_at"])
    resources = _frame(
        LearningResource.objects.order_by("pk"),
        ["pk", "kind", "format", "hours", "active", "mentor_id", "activity_id", "title", "provider", "url"],
    ).rename(columns={"pk": "resource_id"})
    resources["mentor_id"] = resources["mentor_id"].astype("float64")
    # An item without an LMS id has its learning records keyed as ``LearningResource.record_key`` says.
    resources["activity_id"] = resources["activity_id"].where(
        resources["activity_id"].notna(), LearningResource.RECORD_KEY_PREFIX + resources["resource_id"].astype(str)
    )
    skills = _frame(Skill.objects.all(), ["pk", "kind", "name"])
    evidence = _frame(
        SkillEvidence.objects.filter(employee_id__in=ids),
        ["employee_id", "skill_id", "level", "source", "observed_at", "confidence"],
    )
    evidence["observed_at"] = _seconds(evidence["observed_at"])
    settings = EngineSettings.objects.filter(pk=1).first()
    return World(
        people=people,
        roles=roles,
        aspirations=aspirations,
        resources=resources,
        resource_skills=_frame(ResourceSkill.objects.all(), ["resource_id", "skill_id", "from_level", "to_level"]),
        skill_kinds=skills[["pk", "kind"]].rename(columns={"pk": "skill_id"}),
        skill_names=dict(zip(skills["pk"], skills["name"], strict=True)),
        shared=analysis.read_shared(),
        weights=settings.as_weights() if settings else EngineWeights(),
        evidence=evidence.assign(resource_id=-1, new=False),
        records=_learning_records(ids, resources),
    )


def _learning_records(ids: np.ndarray, resources: pd.DataFrame) -> pd.DataFrame:
    """The people's learning records so far, mapped onto the catalogue by activity id (anything
    else is an external course). A record was decided (finished, failed or abandoned) when it
    was completed, or for an abandoned one two weeks after it started; in progress never."""
    frame = _frame(
        LearningRecord.objects.filter(employee_id__in=ids),
        ["employee_id", "activity_id", "status", "started_at", "completed_at", "minutes"],
    )
    frame["started_at"] = _seconds(frame["started_at"])
    frame["completed_at"] = _seconds(frame["completed_at"])
    resource_of = dict(zip(resources["activity_id"], resources["resource_id"], strict=True))
    frame["resource_id"] = frame.pop("activity_id").map(resource_of).fillna(-1).astype("int64")
    kind_of = dict(zip(resources["resource_id"], resources["kind"], strict=True))
    frame["kind"] = frame["resource_id"].map(kind_of).fillna(picking.EXTERNAL_FORMAT)
    frame.loc[frame["resource_id"] < 0, "kind"] = picking.EXTERNAL_FORMAT
    started, completed = frame["started_at"].to_numpy(), frame["completed_at"].to_numpy()
    finished = frame["status"].isin(picking.DECIDED).to_numpy() & (frame["status"] != "abandoned").to_numpy()
    frame["decided_at"] = np.where(
        finished,
        np.where(np.isnat(completed), started, completed),
        np.where((frame["status"] == "abandoned").to_numpy(), started + 14 * DAY, np.datetime64("NaT")),
    ).astype("datetime64[s]")
    return frame[RECORD_COLUMNS].assign(new=False)


def _plant(world: World, rng: np.random.Generator) -> Truth:
    n = len(world.people)
    affinity = np.zeros((n, len(KINDS) + 1))
    axis = rng.standard_normal(n)
    affinity[:, : len(KINDS)] = axis[:, None] * SELF_DIRECTED + FORMAT_NOISE * rng.standard_normal((n, len(KINDS)))
    uplift = np.clip(rng.beta(UPLIFT_BETA, UPLIFT_BETA, len(world.resources)), 0.05, 0.95)
    return Truth(
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


def _employees_at(world: World, when: np.datetime64) -> pd.DataFrame:
    """Who had joined by ``when``, in which role and unit, aiming for which role."""
    roles = world.roles
    held = roles[(roles["start"].to_numpy() <= when) & ~(roles["end"].to_numpy() <= when)]  # NaT end: still held
    held = held.sort_values("start").drop_duplicates("employee_id", keep="last")
    employees = world.people.loc[world.people["hire"].to_numpy() <= when, ["employee_id"]].merge(held, on="employee_id")
    stated = world.aspirations[world.aspirations["stated_at"].to_numpy() < when]
    latest = stated.sort_values("stated_at").drop_duplicates("employee_id", keep="last")
    employees = employees.merge(latest[["employee_id", "aspired_role_id"]], on="employee_id", how="left")
    return employees[["employee_id", "role_id", "aspired_role_id", "business_unit_id"]].astype("float64")


def _gaps_at(world: World, when: np.datetime64) -> pd.DataFrame:
    seen = world.evidence[world.evidence["observed_at"].to_numpy() < when]
    seen = seen.assign(age_days=((when - seen["observed_at"].to_numpy()) / DAY).astype("float64"))
    employees = _employees_at(world, when)
    return compute_gaps(
        employees=employees.astype({"employee_id": "int64"}),
        requirements=world.shared.requirements,
        proficiency=current_proficiency(seen, world.weights),
        demand=world.shared.demand,
        weights=world.weights,
    )


def _as_of(world: World, when: np.datetime64) -> dict:
    """``candidate_features``' history inputs as they stood on ``when``, defined as
    ``recommendations.learning`` reads them for today:

    * history: catalogue items started before then (finished, in progress or abandoned; a failed
      one may be retried), and recommendations accepted, completed or dismissed before then;
    * engagement: per person and format (an item's kind; anything outside the catalogue is a
      course), the records decided before then, how many finished, and their minutes (of the
      decided ones only: what a record in progress had so far is not known);
    * resource_stats: ``picking.resource_stats`` over the catalogue records decided before then
      and the rises their completions show in the evidence observed before then.
    """
    records, evidence = world.records, world.evidence
    started = records[records["started_at"].to_numpy() < when]
    decided_mask = started["decided_at"].to_numpy() < when  # NaT compares False: still in progress
    decided = started[decided_mask]
    retried = decided_mask & (started["status"] == "failed").to_numpy()
    taken = started[(started["resource_id"].to_numpy() >= 0) & ~retried]
    acted = world.acted[world.acted["at"].to_numpy() < when]
    history = pd.concat(
        [taken[["employee_id", "resource_id"]], acted[["employee_id", "resource_id"]]], ignore_index=True
    ).assign(status="taken")

    finished = decided["status"].isin(picking.FINISHED).to_numpy()
    engagement = (
        decided.assign(completed=finished.astype("float64"), records=1.0)
        .groupby(["employee_id", "kind"], as_index=False)[["records", "completed", "minutes"]]
        .sum()
        .rename(columns={"kind": "format"})
    )
    catalogue = decided[decided["resource_id"].to_numpy() >= 0]
    counts = catalogue.groupby(["resource_id", "status"], as_index=False).size().rename(columns={"size": "count"})
    completions = catalogue[catalogue["status"].isin(picking.FINISHED).to_numpy()]
    stats = picking.resource_stats(
        records=counts if len(counts) else pd.DataFrame({"resource_id": [], "status": [], "count": []}),
        rises=_measured_rises(world, completions, evidence[evidence["observed_at"].to_numpy() < when]),
    )
    return {"history": history, "engagement": engagement, "resource_stats": stats}


def _measured_rises(world: World, completions: pd.DataFrame, seen: pd.DataFrame) -> pd.DataFrame:
    """Per resource, the sum and count of (level after - level before) over its completions'
    skills, as ``learning.read_resource_stats`` measures them: before, the newest evidence
    before the completion (else the resource's from_level); after, the newest within
    ``OUTCOME_WINDOW_DAYS`` after it other than learning evidence; from the evidence ``seen``."""
    rows = completions[["employee_id", "resource_id", "completed_at"]].merge(
        world.resource_skills[["resource_id", "skill_id", "from_level"]], on="resource_id"
    )
    rows = rows.assign(row=np.arange(len(rows)), key=_pair(rows["employee_id"], rows["skill_id"]))
    rows["window_end"] = rows["completed_at"] + np.timedelta64(picking.OUTCOME_WINDOW_DAYS, "D")
    seen = pd.DataFrame(
        {
            "key": _pair(seen["employee_id"], seen["skill_id"]),
            "at": seen["observed_at"].to_numpy(),
            "level": seen["level"].to_numpy(dtype="float64"),
            "counts": (seen["source"] != picking.OUTCOME_SOURCE_IGNORED).to_numpy(),
        }
    )
    seen = seen[np.isin(seen["key"].to_numpy(), rows["key"].to_numpy())].sort_values("at")
    before = pd.merge_asof(
        rows.sort_values("completed_at"), seen[["key", "at", "level"]], left_on="completed_at", right_on="at",
        by="key", allow_exact_matches=False,
    ).sort_values("row")  # fmt: skip
    after = pd.merge_asof(
        rows.sort_values("window_end"), seen.loc[seen["counts"], ["key", "at", "level"]], left_on="window_end",
        right_on="at", by="key",
    ).sort_values("row")  # fmt: skip
    start = before["level"].fillna(before["from_level"].astype("float64")).to_numpy()
    measured = after["at"].to_numpy() > after["completed_at"].to_numpy()  # NaT (nothing) compares False
    rises = pd.Series(after["level"].to_numpy()[measured] - start[measured]).groupby(
        after["resource_id"].to_numpy()[measured]
    )
    return pd.DataFrame(
        {"resource_id": rises.sum().index.to_numpy(dtype="int64"), "rise_sum": rises.sum().to_numpy(),
         "rise_n": rises.size().to_numpy(dtype="float64")}
    )  # fmt: skip


def _pair(first, second) -> np.ndarray:
    return (np.asarray(first, dtype="int64") << 31) | np.asarray(second, dtype="int64")


# --- one round -------------------------------------------------------------------------------


def _round(world: World, truth: Truth, when: np.datetime64, rng: np.random.Generator) -> None:
    """One month: gaps and candidates as of ``when``, the heuristic's picks delivered, outcomes."""
    candidates = picking.candidate_features(
        gaps=_gaps_at(world, when),
        resources=world.resources,
        resource_skills=world.resource_skills,
        skill_kinds=world.skill_kinds,
        top_gaps=TOP_GAPS,
        **_as_of(world, when),
    )
    if candidates.empty:
        return
    people = world.people.set_index("employee_id")
    picks = picking.pick(candidates, picking.heuristic_score(candidates))
    picks["confidence"] = picking.recommendation_confidence(picks)
    picks["position"] = people.loc[picks["employee_id"], "position"].to_numpy()
    run_at = when + rng.integers(0, 3 * 86_400, len(people)).astype("timedelta64[s]")  # each person's run that month
    picks["created_at"] = run_at[picks["position"].to_numpy()]
    picks["delivered_at"] = picks["created_at"].to_numpy() + _days(rng, 0.05, 1.2, len(picks))
    _outcomes(world, truth, picks, rng)
    delivered = pd.MultiIndex.from_frame(picks[["employee_id", "resource_id"]])
    rest = candidates[~pd.MultiIndex.from_frame(candidates[["employee_id", "resource_id"]]).isin(delivered)]
    _own_choices(world, truth, rest.assign(position=people.loc[rest["employee_id"], "position"].to_numpy()), when, rng)


def _sigmoid(x) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _days(rng: np.random.Generator, low: float, high: float, n: int) -> np.ndarray:
    return (rng.uniform(low, high, n) * 86_400).astype("timedelta64[s]")


def _affinity(truth: Truth, rows: pd.DataFrame) -> np.ndarray:
    codes = pd.Index(KINDS).get_indexer(pd.Index(rows["kind"]))
    return truth.affinity[rows["position"].to_numpy(), np.where(codes < 0, len(KINDS), codes)]


def _finishes(affinity, log_hours, level_fit) -> np.ndarray:
    return _sigmoid(0.3 + FINISH_AFFINITY * affinity - 0.4 * (log_hours - 2.3) + 0.8 * (level_fit - 1))


def _works(uplift, level_fit) -> np.ndarray:
    return uplift * (0.6 + 0.4 * level_fit)


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


def _outcomes(world: World, truth: Truth, rows: pd.DataFrame, rng: np.random.Generator) -> None:
    """Flags, take-up, dismissals, finishing and the rise in the skill, for delivered picks."""
    n = len(rows)
    affinity = _affinity(truth, rows)
    level_fit, log_hours = rows["level_fit"].to_numpy(), rows["log_hours"].to_numpy()
    gap_priority = rows["gap_priority"].to_numpy()
    top = rows.assign(top=gap_priority).groupby("employee_id")["top"].transform("max").to_numpy()
    priority = np.where(top > 0, gap_priority / np.where(top > 0, top, 1.0), 0.0)
    delivered = rows["delivered_at"].to_numpy()
    off_level, off_kind = level_fit < 0.5, rows["kind_fit"].to_numpy() < 0.5

    flagged = rng.random(n) < 0.01 + 0.12 * off_level + 0.06 * off_kind
    take_up = _sigmoid(
        TAKE_UP_BASE + TAKE_UP_AFFINITY * affinity + TAKE_UP_PRIORITY * priority + 0.8 * (level_fit - 1)
        - 0.2 * (log_hours - 2.3)
        + truth.keenness[rows["position"].to_numpy()]
    )  # fmt: skip
    active = ~truth.quiet[rows["position"].to_numpy()] & ~flagged
    accepted = active & (rng.random(n) < take_up)
    dismissed = active & ~accepted & (rng.random(n) < _sigmoid(DISMISS_BASE - 0.9 * affinity + 1.5 * off_level))
    late = active & ~accepted & ~dismissed & (rng.random(n) < LATE_SHARE)
    started = accepted | late
    completed = started & (rng.random(n) < _finishes(affinity, log_hours, level_fit))
    risen = completed & (rng.random(n) < _works(truth.uplift.loc[rows["resource_id"]].to_numpy(), level_fit))

    acted_at = np.full(n, np.datetime64("NaT"), dtype="datetime64[s]")
    acted_at[accepted] = delivered[accepted] + np.minimum(
        (rng.exponential(6.0, accepted.sum()) * 86_400).astype("timedelta64[s]"), 29 * DAY
    )
    acted_at[dismissed] = delivered[dismissed] + _days(rng, 0.2, 20, dismissed.sum())
    acted_at[late] = delivered[late] + _days(rng, 31, 60, late.sum())
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
    flagged_at = delivered + _days(rng, 1, 10, n)
    world.recommendations.append(
        rows.assign(
            status=status,
            acted_at=acted_at,
            completed_at=completed_at.astype("datetime64[s]"),
            dismissed_reason=reason,
            flag_reason=_pick_text(FLAG_REASONS, flag_cause, flagged, rng),
            flagged_at=np.where(flagged, flagged_at, np.datetime64("NaT")),
            resolved_at=np.where(flagged, flagged_at + _days(rng, 1, 7, n), np.datetime64("NaT")),
        )
    )
    acted = np.isin(status, ACTED)
    world.acted = pd.concat(
        [world.acted, pd.DataFrame({"employee_id": rows["employee_id"].to_numpy()[acted],
                                    "resource_id": rows["resource_id"].to_numpy()[acted], "at": acted_at[acted]})],
        ignore_index=True,
    )  # fmt: skip
    _learn(world, truth, rows[started], acted_at[started], duration[started], completed[started], risen[started], rng)


def _own_choices(world: World, truth: Truth, rest: pd.DataFrame, when, rng: np.random.Generator) -> None:
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
    completed = rng.random(n) < _finishes(chosen["affinity"].to_numpy(), log_hours, level_fit)
    risen = completed & (rng.random(n) < _works(truth.uplift.loc[chosen["resource_id"]].to_numpy(), level_fit))
    _learn(world, truth, chosen, when + _days(rng, 1, 28, n), _duration(log_hours, rng), completed, risen, rng)


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
            "observed_at": completed_at[done] + _days(rng, 5, 25, len(done)),
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
    keys = _pair(finished["employee_id"], finished["skill_id"])
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
            "key": _pair(ratings["employee_id"], ratings["skill_id"]),
            "at": ratings["observed_at"].to_numpy(),
            "level": ratings["level"].to_numpy(dtype="float64"),
        }
    )
    ratings = ratings[np.isin(ratings["key"].to_numpy(), keys)].sort_values("at")
    query = pd.DataFrame({"key": keys, "at": when, "row": np.arange(len(keys))}).sort_values("at")
    found = pd.merge_asof(query, ratings, on="at", by="key", direction="backward")
    return found.sort_values("row")["level"].to_numpy(dtype="float64")


# --- writing ---------------------------------------------------------------------------------


def _write(ctx: Context, world: World) -> None:
    recommendations = pd.concat(world.recommendations, ignore_index=True)
    _write_recommendations(ctx, world, recommendations)
    _write_flags(ctx, world, recommendations)
    _write_records(ctx, world)
    _write_evidence(ctx, world)
    status = recommendations["status"]
    ctx.summary.notes.append(
        f"recommendation history: {len(recommendations):,} past recommendations for {len(world.people):,} people over "
        f"{ROUNDS} months ({status.eq(Status.COMPLETED).sum():,} completed, {status.eq(Status.DISMISSED).sum():,} "
        f"dismissed), with planted format preferences and item uplifts; `manage.py train_recommender` learns from them"
    )


def _reasons(rows: pd.DataFrame, world: World) -> list[str]:
    titles = world.resources.set_index("resource_id")["title"]
    return [
        f"“{titles[resource]}” takes {world.skill_names.get(skill, 'the skill')} from level {floor(current + 0.5)} "
        f"toward {reaches}, for {GOAL_PHRASES.get(goal, 'your goals')}."
        for resource, skill, current, reaches, goal in zip(
            rows["resource_id"],
            rows["skill_id"],
            rows["current_level"],
            rows["reaches_level"],
            rows["goal"],
            strict=True,
        )
    ]


def _write_recommendations(ctx: Context, world: World, rows: pd.DataFrame) -> None:
    features = rows[picking.FEATURES].round(6).to_numpy()
    out = pd.DataFrame(
        {
            "employee_id": rows["employee_id"].to_numpy(),
            "resource_id": rows["resource_id"].to_numpy(),
            "skill_id": rows["skill_id"].to_numpy(),
            "goal": rows["goal"].to_numpy(),
            "current_level": rows["current_level"].round(3).to_numpy(),
            "reaches_level": rows["reaches_level"].to_numpy(dtype="int64"),
            "gap_priority": rows["gap_priority"].round(6).to_numpy(),
            "score": rows["score"].round(6).to_numpy(),
            "confidence": rows["confidence"].round(4).to_numpy(),
            "rank": rows["rank"].to_numpy(dtype="int64"),
            "shown": rows["shown"].to_numpy(dtype=bool),
            "reason": _reasons(rows, world),
            "scorer": "heuristic",
            "features": [json.dumps(dict(zip(picking.FEATURES, values.tolist(), strict=True))) for values in features],
            "status": rows["status"].to_numpy(),
            "created_at": datetimes(rows["created_at"].to_numpy()),
            "delivered_at": datetimes(rows["delivered_at"].to_numpy()),
            "acted_at": datetimes(rows["acted_at"].to_numpy()),
            "completed_at": datetimes(rows["completed_at"].to_numpy()),
            "dismissed_reason": rows["dismissed_reason"].to_numpy(),
        }
    )
    write_rows(ctx, Recommendation, out, list(out.columns), "past recommendations")


def _write_flags(ctx: Context, world: World, recommendations: pd.DataFrame) -> None:
    """The managers' flags, tied to the recommendations just written (found by person, item and time)."""
    flags = recommendations[recommendations["flag_reason"].to_numpy() != ""]
    if flags.empty:
        return
    written = _frame(
        Recommendation.objects.filter(
            created_at__lt=_aware(LAST_ROUND + 31 * DAY), flags__isnull=True, status=Status.WITHDRAWN
        ),
        ["pk", "employee_id", "resource_id", "created_at"],
    )
    written["created_at"] = _seconds(written["created_at"])
    flags = flags.merge(written, on=["employee_id", "resource_id", "created_at"])
    manager_user = world.people.set_index("employee_id")["manager_user"]
    out = pd.DataFrame(
        {
            "target": Flag.Target.RECOMMENDATION,
            "employee_id": flags["employee_id"].to_numpy(),
            "skill_id": flags["skill_id"].to_numpy(),
            "recommendation_id": flags["pk"].to_numpy(),
            "reason": flags["flag_reason"].to_numpy(),
            "raised_by_id": nullable_ids(manager_user.loc[flags["employee_id"]].to_numpy()),
            "created_at": datetimes(flags["flagged_at"].to_numpy()),
            "resolved_at": datetimes(flags["resolved_at"].to_numpy()),
            "resolution": "HR withdrew it from the employee's list.",
        }
    )
    write_rows(ctx, Flag, out, list(out.columns), "past recommendation flags")


def _numbered(world: World, employee_ids: pd.Series, prefix: str) -> list[str]:
    """External ids ``<prefix>-<employee external id>-<n>``, numbered per person."""
    external = world.people.set_index("employee_id")["external_id"]
    number = employee_ids.groupby(employee_ids.to_numpy()).cumcount().to_numpy() + 1
    return [f"{prefix}-{e}-{n}" for e, n in zip(external.loc[employee_ids].to_numpy(), number, strict=True)]


def _write_records(ctx: Context, world: World) -> None:
    records = world.records
    records = records[records["new"].to_numpy(dtype=bool) & (records["started_at"].to_numpy() < END)]
    records = records.reset_index(drop=True)
    open_now = ~(records["decided_at"].to_numpy() < END)  # still under way on BASE_DATE
    resources = world.resources.set_index("resource_id").loc[records["resource_id"]]
    out = pd.DataFrame(
        {
            "employee_id": records["employee_id"].to_numpy(),
            "activity_id": resources["activity_id"].to_numpy(),
            "title": resources["title"].str.slice(0, 300).to_numpy(),
            "provider": resources["provider"].to_numpy(),
            "status": np.where(open_now, "in_progress", records["status"].to_numpy()),
            "started_at": datetimes(records["started_at"].to_numpy()),
            "completed_at": datetimes(np.where(open_now, np.datetime64("NaT"), records["completed_at"].to_numpy())),
            "score": None,
            "minutes": records["minutes"].to_numpy(dtype="int64"),
            "source": SOURCE,
            "external_id": _numbered(world, records["employee_id"], "demo-rh"),
            "received_at": now_text(len(records)),
        }
    )
    write_rows(ctx, LearningRecord, out, list(out.columns), "learning records (recommendations)")


def _write_evidence(ctx: Context, world: World) -> None:
    evidence = world.evidence
    evidence = evidence[evidence["new"].to_numpy(dtype=bool) & (evidence["observed_at"].to_numpy() < END)]
    evidence = evidence.reset_index(drop=True)
    resources = world.resources.set_index("resource_id").loc[evidence["resource_id"]]
    titles = resources["title"].to_numpy(dtype=object)
    # A completion's evidence links to the item, as ``outcomes.recommendation_complete`` links it.
    link = resources["url"].where(resources["url"] != "", resources["activity_id"]).to_numpy(dtype=object)
    link = np.where(np.char.startswith(link.astype(str), "http"), link, "")
    manager_user = world.people.set_index("employee_id")["manager_user"].loc[evidence["employee_id"]].to_numpy()
    source = evidence["source"].to_numpy()
    out = pd.DataFrame(
        {
            "employee_id": evidence["employee_id"].to_numpy(),
            "skill_id": evidence["skill_id"].to_numpy(),
            "level": evidence["level"].to_numpy(dtype="int64"),
            "source": source,
            "observed_at": datetimes(evidence["observed_at"].to_numpy()),
            "confidence": evidence["confidence"].to_numpy(dtype="float64"),
            "note": evidence["source"].map(NOTE_PREFIX).to_numpy(dtype=object) + titles + "”.",
            "evidence_url": np.where(source == "learning", link, ""),
            "recorded_by_id": nullable_ids(np.where(source == "manager", manager_user, -1)),
            "external_id": _numbered(world, evidence["employee_id"], "demo-rhev"),
            "created_at": now_text(len(evidence)),
        }
    )
    write_rows(ctx, SkillEvidence, out, list(out.columns), "skill evidence (recommendations)")
