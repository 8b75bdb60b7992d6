"""Reading one xAPI 1.0.x statement: validation, and what a learning record needs from it.

Pure functions over the decoded JSON (no database), so every rule is tested without a server.
A statement that breaks a rule raises ``StatementError`` with a message naming the field.
"""

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from django.utils.dateparse import parse_datetime

from profiles.models import LearningRecord

ADL_VERBS = "http://adlnet.gov/expapi/verbs/"
# Verbs that become learning records, and the status each one means. Others are stored only.
LEARNING_VERBS = {
    f"{ADL_VERBS}completed": LearningRecord.Status.COMPLETED,
    f"{ADL_VERBS}passed": LearningRecord.Status.PASSED,
    f"{ADL_VERBS}failed": LearningRecord.Status.FAILED,
    f"{ADL_VERBS}experienced": LearningRecord.Status.IN_PROGRESS,
}
PREFERRED_LANGUAGES = ("en-US", "en-GB", "en", "und")
ACTIVITY_ID_MAX = LearningRecord._meta.get_field("activity_id").max_length
TITLE_MAX = LearningRecord._meta.get_field("title").max_length
AGENT_IDENTIFIERS = ("mbox", "mbox_sha1sum", "openid", "account")

_NUMBER = r"([0-9]+(?:[.,][0-9]+)?)"  # ISO 8601 digits are ASCII; \d would also match "٣"
_DURATION = re.compile(
    rf"^P(?!$)(?:{_NUMBER}Y)?(?:{_NUMBER}M)?(?:{_NUMBER}W)?(?:{_NUMBER}D)?"
    rf"(?:T(?=[0-9])(?:{_NUMBER}H)?(?:{_NUMBER}M)?(?:{_NUMBER}S)?)?$"
)
# Years and months have no fixed length; an LMS reports time on task in hours and minutes anyway.
_DURATION_SECONDS = (365 * 86400, 30 * 86400, 7 * 86400, 86400, 3600, 60, 1)
# The most minutes a learning record holds (a PositiveIntegerField: 2**31 - 1 on every database).
MINUTES_MAX = 2**31 - 1
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


class StatementError(ValueError):
    """The statement is not valid xAPI; the message names the field."""


@dataclass(frozen=True)
class Statement:
    id: uuid.UUID
    raw: dict  # as received, with ``id`` filled in
    verb_id: str
    email: str | None  # from actor.mbox, lower-cased
    account_name: str | None  # from actor.account.name, matched to Employee.external_id
    actor_description: str  # for rejection messages
    activity_id: str | None  # None when the object is not an Activity
    title: str
    timestamp: datetime | None
    score: float | None
    minutes: int

    @property
    def learning_status(self) -> str | None:
        return LEARNING_VERBS.get(self.verb_id) if self.activity_id else None


def parse_timestamp(value, *, where: str) -> datetime:
    try:
        parsed = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:  # well formed but impossible, e.g. month 13
        parsed = None
    if parsed is None:
        raise StatementError(f"{where}: {value!r} is not an ISO 8601 date-time (e.g. 2026-11-20T10:00:00Z).")
    # xAPI: a timestamp without a time zone is taken as UTC.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_duration_minutes(value) -> int:
    match = _DURATION.match(value) if isinstance(value, str) else None
    if match is None:
        raise StatementError(f"result.duration: {value!r} is not an ISO 8601 duration (e.g. PT2H30M).")
    seconds = sum(
        float(part.replace(",", ".")) * unit
        for part, unit in zip(match.groups(), _DURATION_SECONDS, strict=True)
        if part
    )
    if not seconds <= MINUTES_MAX * 60:  # also infinity, from hundreds of digits
        raise StatementError(f"result.duration is longer than a learning record holds ({MINUTES_MAX} minutes).")
    return round(seconds / 60)


def _object(parent: dict, key: str, *, where: str, required: bool) -> dict | None:
    value = parent.get(key)
    if value is None:
        if required:
            raise StatementError(f"{where} is required.")
        return None
    if not isinstance(value, dict):
        raise StatementError(f"{where} must be a JSON object.")
    return value


def _iri(value, *, where: str) -> str:
    if not isinstance(value, str) or not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$", value):
        raise StatementError(f"{where}: {value!r} is not an IRI (e.g. https://lms.example/courses/sql-101).")
    return value


def _number(value, *, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise StatementError(f"{where} must be a number, got {value!r}.")
    return float(value)


def _actor(actor: dict) -> tuple[str | None, str | None, str]:
    """(email, account name, description) of the statement's actor."""
    identifiers = [key for key in AGENT_IDENTIFIERS if key in actor]
    if len(identifiers) > 1:
        raise StatementError(f"actor has more than one identifier ({', '.join(identifiers)}); send exactly one.")
    if not identifiers:
        if actor.get("objectType") == "Group":
            return None, None, "a group with no identifier"
        raise StatementError("actor needs one of mbox, mbox_sha1sum, openid or account.")
    if "mbox" in actor:
        mbox = actor["mbox"]
        if not isinstance(mbox, str) or not mbox.lower().startswith("mailto:") or not _EMAIL.match(mbox[7:]):
            raise StatementError(f"actor.mbox: {mbox!r} is not a mailto: e-mail address (e.g. mailto:ann@example.com).")
        return mbox[7:].lower(), None, f"e-mail {mbox[7:]}"
    if "account" in actor:
        account = actor["account"]
        if not isinstance(account, dict) or not isinstance(account.get("name"), str) or not account["name"]:
            raise StatementError("actor.account needs a name (the employee number) and a homePage.")
        if not isinstance(account.get("homePage"), str):
            raise StatementError("actor.account.homePage is required (the IRL of the system that issued the name).")
        return None, account["name"], f"account {account['name']}"
    return None, None, f"{identifiers[0]} (only mbox or account can be matched to an employee)"


def _title(activity: dict, activity_id: str) -> str:
    definition = activity.get("definition")
    names = definition.get("name") if isinstance(definition, dict) else None
    if isinstance(names, dict) and names:
        for language in PREFERRED_LANGUAGES:
            if isinstance(names.get(language), str) and names[language].strip():
                return names[language].strip()[:TITLE_MAX]
        for name in names.values():
            if isinstance(name, str) and name.strip():
                return name.strip()[:TITLE_MAX]
    return activity_id[:TITLE_MAX]


def _score(result: dict) -> float | None:
    """The scaled score as a share 0-1 (a learning record cannot hold a negative score)."""
    score = _object(result, "score", where="result.score", required=False)
    if score is None:
        return None
    scaled = raw = low = high = None
    if "scaled" in score:
        scaled = _number(score["scaled"], where="result.score.scaled")
        if not -1 <= scaled <= 1:
            raise StatementError(f"result.score.scaled must be between -1 and 1, got {score['scaled']!r}.")
    for key in ("raw", "min", "max"):
        if key in score:
            _number(score[key], where=f"result.score.{key}")
    raw, low, high = score.get("raw"), score.get("min"), score.get("max")
    if scaled is not None and scaled >= 0:
        return scaled
    if raw is not None and low is not None and high is not None and high > low and low <= raw <= high:
        return (raw - low) / (high - low)
    return None


def parse_statement(raw, *, statement_id: uuid.UUID | None = None) -> Statement:
    """Validate one statement; ``statement_id`` is the id a PUT names (the body's id must agree)."""
    if not isinstance(raw, dict):
        raise StatementError("a statement must be a JSON object.")
    if "id" in raw:
        try:
            own_id = uuid.UUID(str(raw["id"]))
        except ValueError:
            raise StatementError(f"id: {raw['id']!r} is not a UUID.") from None
        if statement_id is not None and own_id != statement_id:
            raise StatementError(f"id: the statement's id {raw['id']} differs from statementId {statement_id}.")
    else:
        own_id = statement_id or uuid.uuid4()
    version = raw.get("version")
    if version is not None and (not isinstance(version, str) or not re.match(r"^1\.0(\.\d+)?$", version)):
        raise StatementError(f"version: {version!r} is not an xAPI 1.0.x version.")

    actor = _object(raw, "actor", where="actor", required=True)
    email, account_name, actor_description = _actor(actor)
    verb = _object(raw, "verb", where="verb", required=True)
    verb_id = _iri(verb.get("id"), where="verb.id")
    target = _object(raw, "object", where="object", required=True)
    activity_id = None
    title = ""
    if target.get("objectType", "Activity") == "Activity":
        activity_id = _iri(target.get("id"), where="object.id")
        if len(activity_id) > ACTIVITY_ID_MAX:
            raise StatementError(f"object.id is longer than {ACTIVITY_ID_MAX} characters.")
        title = _title(target, activity_id)
    timestamp = parse_timestamp(raw["timestamp"], where="timestamp") if "timestamp" in raw else None
    result = _object(raw, "result", where="result", required=False) or {}
    score = _score(result)
    minutes = parse_duration_minutes(result["duration"]) if "duration" in result else 0

    return Statement(
        id=own_id,
        raw={**raw, "id": str(own_id)},
        verb_id=verb_id,
        email=email,
        account_name=account_name,
        actor_description=actor_description,
        activity_id=activity_id,
        title=title,
        timestamp=timestamp,
        score=score,
        minutes=minutes,
    )


# Properties the LRS sets itself; two sends of one statement are the same if the rest is.
LRS_SET_PROPERTIES = ("stored", "authority", "version")


def same_statement(a: dict, b: dict) -> bool:
    def comparable(statement):
        return {key: value for key, value in statement.items() if key not in LRS_SET_PROPERTIES}

    return comparable(a) == comparable(b)
