"""What each kind of file holds: its columns, the checks on each row, and the table it lands in.

docs/data-formats.md describes the same columns for HR; keep the two in step.
People have their own module (``people.py``): their loading adds role history and reporting lines.

Rules shared with the other routes in (xAPI, REST, portal) follow ``profiles.recording``: a
learning record id belongs to one employee; skill evidence is never rewritten (the same
evidence id with other values is refused); an aspiration needs a target role or interests.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.core.exceptions import ValidationError

from core.readers import UnreadableFile
from taxonomy.validators import LEVEL_MAX, OBSERVED_LEVEL_MIN, OBSERVED_LEVEL_RULE

from ..models import (
    REVIEW_SCORE_MAX,
    REVIEW_SCORE_MIN,
    CareerAspiration,
    EvidenceSource,
    LearningRecord,
    PerformanceReview,
    SkillEvidence,
)
from ..recording import validate_aspiration_goal, validate_not_wanted
from .checks import AMBIGUOUS, Checker
from .loaders import Match, Refusal, Target
from .lookups import Refs, name_key

DOCS = "docs/data-formats.md"
EMPLOYEE_ALIASES = ("employee_external_id", "employee_id", "employee_email", "email")
INT_MAX = 2_147_483_647


@dataclass(frozen=True)
class Column:
    name: str
    required: bool = False  # must be in the header (a required *value* is checked per row)
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Kind:
    name: str
    label: str  # for HR, in the upload form
    columns: tuple[Column, ...]
    check: Callable[[Checker, Refs], pd.DataFrame]  # typed rows, one per chunk row (refused ones included)
    what: str  # the profile_changed kind
    event: str | None = None  # the checked column holding the event's own time (for the delay)
    target: Target | None = None
    filled_from: dict[str, str] | None = None  # staged column -> header column, when it has one
    # Written after the chunk landed (a many-to-many the stage cannot hold): returns the lines it changed.
    after: Callable[[pd.DataFrame], np.ndarray] | None = None

    def header_map(self, header: list[str]) -> dict[str, str]:
        """File column -> canonical column, or UnreadableFile naming what is missing or unknown."""
        by_name = {alias: column.name for column in self.columns for alias in (column.name, *column.aliases)}
        mapped: dict[str, str] = {}
        unknown, repeated = [], []
        for name in header:
            canonical = by_name.get(name)
            if canonical is None:
                unknown.append(name or "(blank)")
            elif canonical in mapped.values():
                repeated.append(name)
            else:
                mapped[name] = canonical
        missing = [column.name for column in self.columns if column.required and column.name not in mapped.values()]
        if not (unknown or repeated or missing):
            return mapped
        problems = []
        if missing:
            problems.append(f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
        if unknown:
            problems.append(f"unknown column{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}")
        if repeated:
            problems.append(f"column{'s' if len(repeated) > 1 else ''} given twice: {', '.join(repeated)}")
        expected = ", ".join(f"{column.name}{'*' if column.required else ''}" for column in self.columns)
        raise UnreadableFile(
            f"The header row does not fit a {self.name} file: {'; '.join(problems)}. "
            f"A {self.name} file has the columns {expected} (* required), in any order; see {DOCS}."
        )

    def written_for(self, present: set[str]) -> tuple[str, ...]:
        """The target's written columns the file carries: a column left out leaves that field as it is."""
        sources = self.filled_from or {}
        return tuple(name for name in self.target.written if name not in sources or sources[name] in present)


def typed(**columns) -> pd.DataFrame:
    return pd.DataFrame(columns)


def _text_or_blank(values: pd.Series | None, length: int) -> pd.Series:
    return values if values is not None else pd.Series([""] * length, dtype=str)


def _number_or(values: pd.Series | None, default: float, length: int) -> pd.Series:
    return values.fillna(default) if values is not None else pd.Series(np.full(length, default, dtype=float))


def _or_nan(values: pd.Series | None, length: int) -> pd.Series:
    return values if values is not None else pd.Series(np.full(length, np.nan))


def _or_nat(values: pd.Series | None, length: int) -> pd.Series:
    return values if values is not None else pd.Series(pd.NaT, index=range(length), dtype="datetime64[us, UTC]")


def _blank_to_none(values: pd.Series | None, length: int) -> pd.Series:
    if values is None:
        return pd.Series([None] * length, dtype=object)
    return values.astype(object).where(values != "", None)


def rule_message(rule: Callable, **kwargs) -> str:
    """The sentence a shared validation function raises, so both routes say the same thing."""
    try:
        rule(**kwargs)
    except ValidationError as exc:
        return " ".join(message for messages in exc.message_dict.values() for message in messages)
    raise AssertionError(f"{rule.__name__} accepted {kwargs}")


# -- reviews -----------------------------------------------------------------------------------


def check_reviews(check: Checker, refs: Refs) -> pd.DataFrame:
    n = len(check.frame)
    period = check.text("period", required=True, max_length=20, collapse=True)
    return typed(
        employee_id=check.employee("employee", refs, required=True),
        period=period.str.upper(),
        reviewer_id=_or_nan(check.employee("reviewer", refs, what="reviewer"), n),
        score=check.number(
            "score",
            minimum=REVIEW_SCORE_MIN,
            maximum=REVIEW_SCORE_MAX,
            required=True,
            decimals=1,
            rule=f"score must be between {REVIEW_SCORE_MIN} and {REVIEW_SCORE_MAX}, with at most one decimal",
        ),
        goal_attainment=_or_nan(
            check.number(
                "goal_attainment",
                minimum=0,
                maximum=1.5,
                rule="goal_attainment is the share of goals met: between 0 and 1 (up to 1.5 for beating them)",
            ),
            n,
        ),
        commentary=_text_or_blank(check.text("commentary"), n),
        submitted_at=check.timestamp("submitted_at", required=True),
    )


REVIEWS = Kind(
    name="reviews",
    label="Performance reviews",
    columns=(
        Column("employee", required=True, aliases=EMPLOYEE_ALIASES),
        Column("period", required=True),
        Column("reviewer", aliases=("reviewer_external_id", "reviewer_email")),
        Column("score", required=True),
        Column("goal_attainment"),
        Column("commentary"),
        Column("submitted_at", required=True),
    ),
    check=check_reviews,
    what="review",
    event="submitted_at",
    target=Target(
        model=PerformanceReview,
        columns={
            "employee_id": "bigint",
            "period": "text",
            "reviewer_id": "bigint",
            "score": "numeric",
            "goal_attainment": "float",
            "commentary": "text",
            "submitted_at": "timestamp",
        },
        written=("reviewer_id", "score", "goal_attainment", "commentary", "submitted_at"),
        insert_only=("employee_id", "period"),
        matches=(Match(("employee_id", "period"), label="employee and period"),),
        conflict=("employee_id", "period"),
        inserted_with=lambda now, source: {"source": source, "received_at": now},
    ),
    filled_from={"reviewer_id": "reviewer", "goal_attainment": "goal_attainment", "commentary": "commentary"},
)


# -- learning ----------------------------------------------------------------------------------

LEARNING_STATUSES = {value: value for value in LearningRecord.Status.values} | {
    label.lower().replace(" ", "_"): value for value, label in LearningRecord.Status.choices
}


def check_learning(check: Checker, refs: Refs) -> pd.DataFrame:
    n = len(check.frame)
    started_at = _or_nat(check.timestamp("started_at"), n)
    completed_at = _or_nat(check.timestamp("completed_at"), n)
    check.reject((completed_at < started_at).to_numpy(), "completed_at is before started_at")
    return typed(
        employee_id=check.employee("employee", refs, required=True),
        activity_id=check.text("activity_id", required=True, max_length=500),
        title=check.text("title", required=True, max_length=300, collapse=True),
        provider=_text_or_blank(check.text("provider", max_length=120, collapse=True), n),
        status=check.choice("status", LEARNING_STATUSES, required=True),
        started_at=started_at,
        completed_at=completed_at,
        score=_or_nan(check.number("score", minimum=0, maximum=1, rule="score is scaled between 0 and 1"), n),
        minutes=_number_or(
            check.number(
                "minutes",
                minimum=0,
                maximum=INT_MAX,
                whole=True,
                rule="minutes must be a whole number of minutes, 0 or more",
            ),
            0,
            n,
        ),
        external_id=_blank_to_none(check.text("record_id", max_length=200), n),
    )


LEARNING = Kind(
    name="learning",
    label="Learning records (LMS export)",
    columns=(
        Column("employee", required=True, aliases=EMPLOYEE_ALIASES),
        Column("activity_id", required=True),
        Column("title", required=True),
        Column("provider"),
        Column("status", required=True),
        Column("started_at"),
        Column("completed_at"),
        Column("score"),
        Column("minutes"),
        Column("record_id", aliases=("external_id",)),
    ),
    check=check_learning,
    what="learning",
    event="completed_at",
    target=Target(
        model=LearningRecord,
        columns={
            "employee_id": "bigint",
            "activity_id": "text",
            "title": "text",
            "provider": "text",
            "status": "text",
            "started_at": "timestamp",
            "completed_at": "timestamp",
            "score": "float",
            "minutes": "int",
            "external_id": "text",
        },
        written=("activity_id", "title", "provider", "status", "started_at", "completed_at", "score", "minutes"),
        insert_only=("employee_id", "external_id"),
        matches=(
            Match(("external_id",), when=("external_id", True), label="record_id"),
            Match(
                ("employee_id", "activity_id", "completed_at"),
                when=("external_id", False),
                nullable=("completed_at",),
                label="employee, activity_id and completed_at (and no record_id)",
            ),
        ),
        conflict=("external_id",),
        refusals=(
            Refusal(
                "t.employee_id <> {s}.employee_id",
                ("external_id",),
                lambda record_id: f"learning record {record_id} already belongs to another employee",
            ),
        ),
        inserted_with=lambda now, source: {"source": source, "received_at": now},
    ),
    filled_from={
        "provider": "provider",
        "started_at": "started_at",
        "completed_at": "completed_at",
        "score": "score",
        "minutes": "minutes",
    },
)


# -- aspirations -------------------------------------------------------------------------------


def check_aspirations(check: Checker, refs: Refs) -> pd.DataFrame:
    n = len(check.frame)
    target_role_id = _or_nan(check.lookup("target_role", refs.roles, what="role"), n)
    interests = _text_or_blank(check.text("interests"), n)
    no_role = (check.frame["target_role"].str.strip() == "").to_numpy() if check.has("target_role") else True
    check.reject(
        no_role & (interests == "").to_numpy(), rule_message(validate_aspiration_goal, target_role=None, interests="")
    )
    rows = typed(
        employee_id=check.employee("employee", refs, required=True),
        target_role_id=target_role_id,
        interests=interests,
        stated_at=check.timestamp("stated_at", required=True),
    )
    if check.has("not_wanted_roles"):
        rows["not_wanted_ids"] = _not_wanted_roles(check, refs, target_role_id)
    return rows


NOT_WANTED = "not_wanted_roles"


def _not_wanted_roles(check: Checker, refs: Refs, target_role_id: pd.Series) -> pd.Series:
    """Per row, the sorted role ids the ``not_wanted_roles`` cell names, separated by ";" (blank:
    none). A name no role has is refused, naming the column and the name; so is the row's own
    target role (``validate_not_wanted``)."""
    names = check.frame[NOT_WANTED].reset_index(drop=True).str.split(";").explode()
    target_role_id = target_role_id.reset_index(drop=True)
    keys = names.fillna("").map(name_key)
    named = keys != ""
    ids = keys.map(refs.roles).astype(float)
    unknown = named & (ids.isna() | (ids == AMBIGUOUS))
    if unknown.any():
        bad = names[unknown].str.strip().groupby(level=0).agg(lambda values: "”, “".join(values))
        mask = np.zeros(len(check.frame), dtype=bool)
        mask[bad.index.to_numpy()] = True
        reasons = pd.Series([""] * len(mask), dtype=object)
        reasons.iloc[bad.index.to_numpy()] = bad.to_numpy()
        check.reject(mask, lambda value: f"{NOT_WANTED}: unknown role “{value}” (separate role titles with ;)", reasons)
    kept = ids[named & ~unknown].astype("int64")
    own = kept.to_numpy() == target_role_id.reindex(kept.index).to_numpy()
    if own.any():
        mask = np.zeros(len(check.frame), dtype=bool)
        mask[np.unique(kept.index.to_numpy()[own])] = True
        check.reject(mask, f"{NOT_WANTED}: " + rule_message(validate_not_wanted, target_role_id=1, not_wanted_ids=[1]))
    chosen = kept.groupby(level=0).agg(lambda values: tuple(sorted(set(values))))
    out = pd.Series([()] * len(check.frame), dtype=object)
    out.iloc[chosen.index.to_numpy()] = chosen.to_numpy()
    return out


def aspirations_not_wanted_set(good: pd.DataFrame) -> np.ndarray:
    """After the chunk's aspirations landed: give each row's aspiration exactly the roles its
    ``not_wanted_roles`` cell names (a file without that column leaves them as they are). One read
    of the rows' aspirations and their current roles, one delete and one bulk insert for those
    whose set changed. Returns the lines whose set changed."""
    if "not_wanted_ids" not in good.columns or good.empty:
        return np.array([], dtype=np.int64)
    stated = pd.to_datetime(good["stated_at"], utc=True)
    found = pd.DataFrame(
        CareerAspiration.objects.filter(
            employee_id__in=good["employee_id"].astype("int64").unique().tolist(),
            stated_at__in=stated.dt.to_pydatetime().tolist(),
        ).values_list("pk", "employee_id", "stated_at"),
        columns=["aspiration_id", "employee_id", "stated_at"],
    )
    if found.empty:
        return np.array([], dtype=np.int64)
    found["stated_at"] = pd.to_datetime(found["stated_at"], utc=True)
    rows = good[["line", "employee_id", "not_wanted_ids"]].assign(
        employee_id=good["employee_id"].astype("int64"), stated_at=stated
    )
    rows["stated_at"] = rows["stated_at"].astype(found["stated_at"].dtype)
    rows = rows.merge(found, on=["employee_id", "stated_at"])
    through = CareerAspiration.not_wanted_roles.through
    current = pd.DataFrame(
        through.objects.filter(careeraspiration_id__in=rows["aspiration_id"].tolist()).values_list(
            "careeraspiration_id", "role_id"
        ),
        columns=["aspiration_id", "role_id"],
    )
    held = current.groupby("aspiration_id")["role_id"].agg(lambda values: tuple(sorted(values)))
    before = rows["aspiration_id"].map(held).apply(lambda value: value if isinstance(value, tuple) else ())
    changed = rows[(before != rows["not_wanted_ids"]).to_numpy()]
    if changed.empty:
        return np.array([], dtype=np.int64)
    through.objects.filter(careeraspiration_id__in=changed["aspiration_id"].tolist()).delete()
    pairs = changed[["aspiration_id", "not_wanted_ids"]].explode("not_wanted_ids").dropna()
    through.objects.bulk_create(
        through(careeraspiration_id=int(aspiration), role_id=int(role))
        for aspiration, role in zip(pairs["aspiration_id"], pairs["not_wanted_ids"], strict=True)
    )
    return changed["line"].to_numpy(dtype=np.int64)


ASPIRATIONS = Kind(
    name="aspirations",
    label="Career aspirations",
    columns=(
        Column("employee", required=True, aliases=EMPLOYEE_ALIASES),
        Column("target_role", aliases=("role",)),
        Column("interests"),
        Column("stated_at", required=True),
        Column(NOT_WANTED, aliases=("not_wanted",)),
    ),
    check=check_aspirations,
    what="aspiration",
    event="stated_at",
    target=Target(
        model=CareerAspiration,
        columns={"employee_id": "bigint", "target_role_id": "bigint", "interests": "text", "stated_at": "timestamp"},
        written=("target_role_id", "interests"),
        insert_only=("employee_id", "stated_at"),
        matches=(Match(("employee_id", "stated_at"), label="employee and stated_at"),),
        conflict=("employee_id", "stated_at"),
        inserted_with=lambda now, source: {"source": source},
    ),
    filled_from={"target_role_id": "target_role", "interests": "interests"},
    after=aspirations_not_wanted_set,
)


# -- skill evidence ----------------------------------------------------------------------------

EVIDENCE_SOURCES = {value: value for value in EvidenceSource.values} | {
    label.lower().replace(" ", "_").replace("-", "_"): value for value, label in EvidenceSource.choices
}


def check_evidence(check: Checker, refs: Refs) -> pd.DataFrame:
    n = len(check.frame)
    return typed(
        employee_id=check.employee("employee", refs, required=True),
        skill_id=check.lookup("skill", refs.skills, what="skill", required=True),
        level=check.number(
            "level",
            minimum=OBSERVED_LEVEL_MIN,
            maximum=LEVEL_MAX,
            whole=True,
            required=True,
            rule=f"level must be {OBSERVED_LEVEL_RULE}",
        ),
        source=check.choice("source", EVIDENCE_SOURCES, required=True),
        observed_at=check.timestamp("observed_at", required=True),
        confidence=_number_or(
            check.number("confidence", minimum=0, maximum=1, rule="confidence must be between 0 and 1"), 1.0, n
        ),
        note=_text_or_blank(check.text("note"), n),
        evidence_url=_text_or_blank(check.link("evidence_url", max_length=500), n),
        external_id=_blank_to_none(check.text("evidence_id", max_length=200), n),
    )


EVIDENCE = Kind(
    name="evidence",
    label="Skill evidence",
    columns=(
        Column("employee", required=True, aliases=EMPLOYEE_ALIASES),
        Column("skill", required=True, aliases=("skill_name", "skill_external_id", "skill_id")),
        Column("level", required=True),
        Column("source", required=True),
        Column("observed_at", required=True),
        Column("confidence"),
        Column("note"),
        Column("evidence_url", aliases=("url",)),
        Column("evidence_id", aliases=("external_id",)),
    ),
    check=check_evidence,
    what="evidence",
    event="observed_at",
    target=Target(
        model=SkillEvidence,
        columns={
            "employee_id": "bigint",
            "skill_id": "bigint",
            "level": "int",
            "source": "text",
            "observed_at": "timestamp",
            "confidence": "float",
            "note": "text",
            "evidence_url": "text",
            "external_id": "text",
        },
        written=("employee_id", "skill_id", "level", "source", "observed_at", "confidence", "note", "evidence_url"),
        insert_only=("external_id",),
        matches=(
            Match(("external_id",), when=("external_id", True), label="evidence_id"),
            Match(
                ("employee_id", "skill_id", "source", "observed_at", "level", "confidence", "note", "evidence_url"),
                when=("external_id", False),
                label="values (and no evidence_id)",
            ),
        ),
        conflict=("external_id",),
        conflict_updates=False,
        # Evidence is history (skill velocity): it is never rewritten, as in recording.evidence_record.
        refusals=(
            Refusal(
                None,
                ("external_id",),
                lambda evidence_id: (
                    f"evidence {evidence_id} was already recorded with different values; evidence is never "
                    "rewritten, so send the new observation with a new evidence_id"
                ),
            ),
        ),
        inserted_with=lambda now, source: {"created_at": now},
    ),
    filled_from={"confidence": "confidence", "note": "note", "evidence_url": "evidence_url"},
)
