"""The demo history's world as it stood on any past day: people, roles, goals, the catalogue, the
evidence and learning records so far, read once from the tables and then grown in memory by the
monthly rounds (``recommendation_history``); the gap and feature inputs as of a day, with no
look-ahead."""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from profiles.models import CareerAspiration, Employee, LearningRecord, RoleAssignment, SkillEvidence
from recommendations import analysis
from recommendations.engine import item_outcomes, picking
from recommendations.engine.gaps import compute_gaps
from recommendations.engine.proficiency import current_proficiency
from recommendations.engine.settings import EngineWeights
from recommendations.models import EngineSettings, LearningResource, ResourceSkill
from taxonomy.models import Skill

from .context import BASE_DATE, PILOT_COHORT

ROUNDS = 18
LAST_ROUND = np.datetime64("2026-07-01T06:00:00")
MAX_PEOPLE = 2_000
DAY = np.timedelta64(86_400, "s")
END = np.datetime64(BASE_DATE).astype("datetime64[s]")  # "today": nothing after it happened yet
RECORD_COLUMNS = ["employee_id", "resource_id", "kind", "status", "started_at", "decided_at", "completed_at", "minutes"]

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


# --- the world as it was ---------------------------------------------------------------------


def aware(value: np.datetime64):
    return pd.Timestamp(value).tz_localize("UTC").to_pydatetime()


def utc_seconds(values) -> np.ndarray:
    """Aware datetimes (or None) from the ORM as UTC datetime64[s]."""
    return pd.to_datetime(pd.Series(values, dtype=object), utc=True).dt.tz_localize(None).to_numpy("datetime64[s]")


def frame_of(queryset, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(list(queryset.values_list(*columns)), columns=columns)


def _simulated_people(rng: np.random.Generator) -> np.ndarray:
    """The pilot, and others drawn at random up to ``MAX_PEOPLE`` in all."""
    rows = frame_of(Employee.objects.active().order_by("pk"), ["pk", "cohort"])
    pilot = (rows["cohort"] == PILOT_COHORT).to_numpy()
    others = rows["pk"].to_numpy(dtype="int64")[~pilot]
    room = max(MAX_PEOPLE - int(pilot.sum()), 0)
    if len(others) > room:
        others = rng.choice(others, size=room, replace=False)
    return np.sort(np.r_[rows["pk"].to_numpy(dtype="int64")[pilot], others])


def read_world(rng: np.random.Generator) -> World:
    ids = _simulated_people(rng)
    users = dict(Employee.objects.filter(user__isnull=False).values_list("pk", "user_id"))
    people = frame_of(
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
    roles = frame_of(
        RoleAssignment.objects.filter(employee_id__in=ids),
        ["employee_id", "role_id", "business_unit_id", "start_date", "end_date"],
    )
    roles["start"] = pd.to_datetime(roles.pop("start_date")).to_numpy("datetime64[s]")
    roles["end"] = pd.to_datetime(roles.pop("end_date")).to_numpy("datetime64[s]") + DAY  # end_date is the last day
    aspirations = frame_of(
        CareerAspiration.objects.filter(employee_id__in=ids), ["employee_id", "target_role_id", "stated_at"]
    ).rename(columns={"target_role_id": "aspired_role_id"})
    aspirations["stated_at"] = utc_seconds(aspirations["stated_at"])
    resources = frame_of(
        LearningResource.objects.order_by("pk"),
        ["pk", "kind", "format", "hours", "active", "mentor_id", "activity_id", "title", "provider", "url"],
    ).rename(columns={"pk": "resource_id"})
    resources["mentor_id"] = resources["mentor_id"].astype("float64")
    # An item without an LMS id has its learning records keyed as ``LearningResource.record_key`` says.
    resources["activity_id"] = resources["activity_id"].where(
        resources["activity_id"].notna(), LearningResource.RECORD_KEY_PREFIX + resources["resource_id"].astype(str)
    )
    skills = frame_of(Skill.objects.all(), ["pk", "kind", "name"])
    evidence = frame_of(
        SkillEvidence.objects.filter(employee_id__in=ids),
        ["employee_id", "skill_id", "level", "source", "observed_at", "confidence"],
    )
    evidence["observed_at"] = utc_seconds(evidence["observed_at"])
    settings = EngineSettings.objects.filter(pk=1).first()
    return World(
        people=people,
        roles=roles,
        aspirations=aspirations,
        resources=resources,
        resource_skills=frame_of(ResourceSkill.objects.all(), ["resource_id", "skill_id", "from_level", "to_level"]),
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
    frame = frame_of(
        LearningRecord.objects.filter(employee_id__in=ids),
        ["employee_id", "activity_id", "status", "started_at", "completed_at", "minutes"],
    )
    frame["started_at"] = utc_seconds(frame["started_at"])
    frame["completed_at"] = utc_seconds(frame["completed_at"])
    resource_of = dict(zip(resources["activity_id"], resources["resource_id"], strict=True))
    frame["resource_id"] = frame.pop("activity_id").map(resource_of).fillna(-1).astype("int64")
    kind_of = dict(zip(resources["resource_id"], resources["kind"], strict=True))
    frame["kind"] = frame["resource_id"].map(kind_of).fillna(picking.EXTERNAL_FORMAT)
    frame.loc[frame["resource_id"] < 0, "kind"] = picking.EXTERNAL_FORMAT
    started, completed = frame["started_at"].to_numpy(), frame["completed_at"].to_numpy()
    finished = frame["status"].isin(item_outcomes.DECIDED).to_numpy() & (frame["status"] != "abandoned").to_numpy()
    frame["decided_at"] = np.where(
        finished,
        np.where(np.isnat(completed), started, completed),
        np.where((frame["status"] == "abandoned").to_numpy(), started + 14 * DAY, np.datetime64("NaT")),
    ).astype("datetime64[s]")
    return frame[RECORD_COLUMNS].assign(new=False)


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


def gaps_at(world: World, when: np.datetime64) -> pd.DataFrame:
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


def as_of(world: World, when: np.datetime64) -> dict:
    """``candidate_features``' history inputs as they stood on ``when``, defined as
    ``recommendations.learning`` reads them for today:

    * history: catalogue items started before then (finished, in progress or abandoned; a failed
      one may be retried), and recommendations accepted, completed or dismissed before then;
    * engagement: per person and format (an item's kind; anything outside the catalogue is a
      course), the records decided before then, how many finished, and their minutes (of the
      decided ones only: what a record in progress had so far is not known);
    * resource_stats: ``item_outcomes.resource_stats`` over the catalogue records decided before then
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

    finished = decided["status"].isin(item_outcomes.FINISHED).to_numpy()
    engagement = (
        decided.assign(completed=finished.astype("float64"), records=1.0)
        .groupby(["employee_id", "kind"], as_index=False)[["records", "completed", "minutes"]]
        .sum()
        .rename(columns={"kind": "format"})
    )
    catalogue = decided[decided["resource_id"].to_numpy() >= 0]
    counts = catalogue.groupby(["resource_id", "status"], as_index=False).size().rename(columns={"size": "count"})
    completions = catalogue[catalogue["status"].isin(item_outcomes.FINISHED).to_numpy()]
    stats = item_outcomes.resource_stats(
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
    rows = rows.assign(row=np.arange(len(rows)), key=pair_key(rows["employee_id"], rows["skill_id"]))
    rows["window_end"] = rows["completed_at"] + np.timedelta64(item_outcomes.OUTCOME_WINDOW_DAYS, "D")
    seen = pd.DataFrame(
        {
            "key": pair_key(seen["employee_id"], seen["skill_id"]),
            "at": seen["observed_at"].to_numpy(),
            "level": seen["level"].to_numpy(dtype="float64"),
            "counts": (seen["source"] != item_outcomes.OUTCOME_SOURCE_IGNORED).to_numpy(),
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


def pair_key(first, second) -> np.ndarray:
    return (np.asarray(first, dtype="int64") << 31) | np.asarray(second, dtype="int64")
