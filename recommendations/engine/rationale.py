"""Sentences a manager can repeat without the tool, built from a gap's numbers.

Kept apart from the arithmetic so the stored rows stay numeric (800,000 of them at scale) and
the words are made only for the few gaps a page shows.
"""

from math import floor

import numpy as np
import pandas as pd

from .picking import KIND_FIT, MAX_HOURS_PER_LEVEL, hours_per_level

LEVEL_NAMES = {0: "no level yet", 1: "awareness", 2: "working knowledge", 3: "applied expertise", 4: "mastery"}


def shown_level(level: float) -> int:
    """The level a person would say they are at: 2.6 rounds to 3, 2.5 to 3, 2.4 to 2."""
    return int(floor(level + 0.5))


def levels_phrase(shortfall: float) -> str:
    whole = shown_level(shortfall)
    if whole <= 0:
        return "just below"
    return f"{whole} level{'s' if whole != 1 else ''} below"


def gap_rationale(
    *,
    skill: str,
    current: float,
    current_role: str | None,
    target_current: float | None,
    importance_current: float | None,
    core: bool,
    aspired_role: str | None,
    target_aspired: float | None,
    aspired_gaps_left: int,
    demand_weight: float | None,
    business_unit: str | None,
) -> str:
    """E.g. "Stakeholder management is 2 levels below what Senior Analyst requires (core,
    importance 5) and is one of 3 gaps left before Team Lead, your stated goal."
    """
    parts = []
    if target_current and target_current > current:
        detail = (
            f"core, importance {int(importance_current or 0)}" if core else f"importance {int(importance_current or 0)}"
        )
        parts.append(f"is {levels_phrase(target_current - current)} what {current_role} requires ({detail})")
    elif target_current:
        parts.append(f"meets what {current_role} requires")
    if aspired_role and target_aspired and target_aspired > current:
        if aspired_gaps_left <= 1:
            parts.append(f"is the last gap before {aspired_role}, your stated goal")
        else:
            parts.append(f"is one of {aspired_gaps_left} gaps left before {aspired_role}, your stated goal")
    if demand_weight and demand_weight > 0 and business_unit:
        strength = "strong" if demand_weight >= 0.7 else "growing"
        parts.append(f"is in {strength} demand in {business_unit}")
    if not parts:
        return f"{skill}: no gap."
    joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"{skill} {joined}."


def confidence_phrase(confidence: float, *, n_sources: int | None = None) -> str:
    """What a confidence figure means, in words for the briefing."""
    if confidence >= 0.75:
        return "high: recent evidence from more than one source agrees"
    if confidence >= 0.5:
        return "medium: the evidence is thin, old or from one source"
    if confidence > 0:
        return "low: the evidence is old, self-reported only or contradictory; check it in conversation"
    return "none: no evidence recorded for this skill yet"


# --- learning recommendations ----------------------------------------------------------------

KIND_NOUNS = {
    "course": ("course", "courses"),
    "certification": ("certification", "certifications"),
    "mentorship": ("mentorship", "mentorships"),
    "stretch": ("stretch assignment", "stretch assignments"),
    "peer": ("peer-learning group", "peer-learning groups"),
}
FORMAT_WORDS = {"self_paced": "self-paced", "live_virtual": "live virtual", "in_person": "in-person"}
"""Delivery words worth saying before a course or certification (the others go without saying)."""


def _per_distinct(frame: pd.DataFrame, columns: list[str], render) -> np.ndarray:
    """``render(**row)`` once per distinct combination of ``columns``, spread back to every row.

    Names, levels and items repeat across many rows, so each part of a sentence is made a few
    thousand times for a million recommendations instead of once per row.
    """
    key = np.zeros(len(frame), dtype="int64")
    for column in columns:
        codes, distinct = pd.factorize(frame[column], use_na_sentinel=False)
        key = key * (len(distinct) + 1) + codes
    codes, distinct = pd.factorize(key)
    first = np.empty(len(distinct), dtype="int64")
    first[codes[::-1]] = np.arange(len(key) - 1, -1, -1)
    rows = frame[columns].iloc[first].to_dict("records")
    return np.array([render(**row) for row in rows], dtype=object)[codes]


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or value == ""


def _level(value) -> str:
    return "?" if _missing(value) else str(shown_level(float(value)))


def _article(hours_text: str) -> str:
    """ "An 8-hour", "an 11-hour", "a 6-hour"."""
    return "An" if hours_text.startswith("8") or hours_text.split(".")[0] in ("11", "18") else "A"


def _head(*, skill, current_level, reaches_level, target_level):
    if reaches_level >= target_level:
        return f"Closes your {skill} gap ({_level(current_level)} → {_level(reaches_level)})"
    return f"Works on your {skill} gap ({_level(current_level)} → {_level(reaches_level)} of {_level(target_level)})"


def _current_clause(*, for_current, current_role, target_current, core):
    if not for_current:
        return ""
    return f", which {current_role} needs at level {_level(target_current)}{' (core)' if core else ''}"


def _aspired_clause(*, for_current, for_aspired, aspired_role, target_current, target_aspired, aspired_gaps_left):
    if not for_aspired:
        return ""
    left = 0 if _missing(aspired_gaps_left) else int(aspired_gaps_left)
    standing = "the last gap" if left <= 1 else f"one of {left} gaps left"
    if not for_current:
        return f", which {aspired_role}, your stated goal, needs at level {_level(target_aspired)}, and is {standing} before it"
    if _level(target_current) == _level(target_aspired):
        return f", and is {standing} before {aspired_role}, your stated goal"
    return f"; {aspired_role}, your stated goal, needs level {_level(target_aspired)} and it is {standing} before that role"


def _demand_clause(*, for_demand, business_unit, demand_weight):
    if not for_demand:
        return ""
    if _missing(business_unit):
        return ", a skill in demand in your business unit"
    strength = "strong" if not _missing(demand_weight) and demand_weight >= 0.7 else "growing"
    return f", a skill in {strength} demand in {business_unit}"


def _item(*, kind, format, hours, mentor, mentor_level, long_per_level):  # noqa: A002 - the column's name
    noun = KIND_NOUNS.get(kind, ("learning item", ""))[0]
    delivery = FORMAT_WORDS.get(format, "") if kind in ("course", "certification") else ""
    hours_text = f"{float(hours):g}"
    text = f"{_article(hours_text)} {hours_text}-hour {delivery + ' ' if delivery else ''}{noun}"
    if not _missing(mentor):
        text += f" with {mentor}" + ("" if _missing(mentor_level) else f", who is at level {_level(mentor_level)}")
    if not _missing(long_per_level):
        text += (
            f": a long commitment for this step, about {float(long_per_level):.0f} hours a level where a"
            f" proportionate item takes at most {MAX_HOURS_PER_LEVEL:g}; the catalogue has nothing shorter"
            " left for it"
        )
    return text + "."


DESCRIPTION_CHARS = 200
"""The most of an item's description a reason quotes: its first sentence, cut at a word."""


def _description(*, description):
    """What the item covers, in the catalogue's own words: the description's first sentence."""
    if _missing(description):
        return ""
    text = " ".join(str(description).split())
    end = text.find(". ")
    text = text if end < 0 else text[: end + 1]
    if len(text) > DESCRIPTION_CHARS:
        text = text[:DESCRIPTION_CHARS].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    elif not text.endswith((".", "!", "?", "…")):
        text += "."
    return f" {text[0].upper()}{text[1:]}"


HOW_IT_TEACHES = {
    "course": "structured lessons with exercises",
    "certification": "a structured programme with an exam at the end",
    "mentorship": "it is learned from someone who does it well",
    "stretch": "it is learned by doing it, on real work",
    "peer": "it is practised with colleagues on real situations",
}
SUITS = 0.9
"""The format fit (``picking.KIND_FIT``) from which a reason says the format suits the skill."""


def _track(*, kind, skill, skill_kind, format_records, format_completed):
    """Why this format for this person: their own record in it (what they finished of what they
    started, or that it would be their first), and whether it suits the kind of skill
    (technical, leadership ...: ``picking.KIND_FIT`` at 0.9 or more)."""
    records = 0 if _missing(format_records) else int(format_records)
    completed = 0 if _missing(format_completed) else int(format_completed)
    plural = KIND_NOUNS.get(kind, ("", "learning items"))[1]
    text = ""
    if records >= 2:
        text = f" You have finished {completed} of the {records} {plural} you started."
    elif records == 1 and kind in KIND_NOUNS:
        done = "You finished" if completed else "You did not finish"
        text = f" {done} the one {KIND_NOUNS[kind][0]} you started."
    elif records == 0 and kind in KIND_NOUNS:
        text = f" It would be your first {KIND_NOUNS[kind][0]} on record."
    if not _missing(skill_kind) and KIND_FIT.get(skill_kind, {}).get(kind, 0.0) >= SUITS and kind in HOW_IT_TEACHES:
        if skill_kind == "domain":
            text += f" Any format suits a domain skill like {skill}."
        else:
            article = "an" if skill_kind[0] in "aeiou" else "a"
            text += f" {plural.capitalize()} suit {article} {skill_kind} skill like {skill}: {HOW_IT_TEACHES[kind]}."
    return text


REASON_PARTS = [
    (["skill", "current_level", "reaches_level", "target_level"], _head),
    (["for_current", "current_role", "target_current", "core"], _current_clause),
    (
        ["for_current", "for_aspired", "aspired_role", "target_current", "target_aspired", "aspired_gaps_left"],
        _aspired_clause,
    ),
    (["for_demand", "business_unit", "demand_weight"], _demand_clause),
    (["kind", "format", "hours", "mentor", "mentor_level", "long_per_level"], _item),
    (["description"], _description),
    (["kind", "skill", "skill_kind", "format_records", "format_completed"], _track),
]
FEW = 200
"""Up to this many rows (one employee's recompute), each sentence is simply made row by row."""


def recommendation_reasons(frame: pd.DataFrame) -> list[str]:
    """A few sentences per recommendation, built from the row's own data: the gap, the level it
    reaches and the goal it serves; what the item is and what it covers (the first sentence of
    its description); why this format for this person (how many they finished of those they
    started in it, and whether it suits the kind of skill). An item over the effort-per-level bound
    (``picking.MAX_HOURS_PER_LEVEL``; picked only when nothing proportionate is left for the gap)
    says it is a long commitment.

    Columns: skill, current_level, reaches_level, target_level, goal, current_role,
    target_current, core, aspired_role, target_aspired, aspired_gaps_left, business_unit,
    demand_weight, kind, format, hours, mentor, mentor_level, format_records, format_completed,
    description, skill_kind (the last two may be missing).

    E.g. "Closes your Stakeholder management gap (1 → 3), which Senior Data Analyst needs at
    level 3 (core), and is one of 2 gaps left before Analytics Team Lead, your stated goal. A
    6-hour mentorship with Priya Shah, who is at level 4. Fortnightly one-hour sessions for six
    months. You have finished 2 of the 2 mentorships you started. Mentorships suit an
    interpersonal skill like Stakeholder management: it is learned from someone who does it well."

    Each part of the sentence (REASON_PARTS) is made once per distinct combination of its
    inputs (``_per_distinct``); only the final join runs per row.
    """
    if frame.empty:
        return []
    goal = frame["goal"].to_numpy(dtype=object)
    for_current = np.isin(goal, ["current", "both"]) & frame["current_role"].notna().to_numpy()
    for_aspired = np.isin(goal, ["aspired", "both"]) & frame["aspired_role"].notna().to_numpy()
    columns = {name: frame[name].to_numpy(dtype=object) for names, _ in REASON_PARTS for name in names if name in frame}
    for optional in ("description", "skill_kind"):
        columns.setdefault(optional, np.full(len(frame), None, dtype=object))
    per_level = hours_per_level(
        hours=frame["hours"].to_numpy(dtype="float64"),
        to_level=frame["reaches_level"].to_numpy(dtype="float64"),
        target=frame["target_level"].to_numpy(dtype="float64"),
        current=frame["current_level"].to_numpy(dtype="float64"),
    )
    columns.update(
        long_per_level=np.where(per_level > MAX_HOURS_PER_LEVEL, np.round(per_level), np.nan).astype(object),
        current_level=np.floor(frame["current_level"].to_numpy(dtype="float64") + 0.5).astype(object),
        core=frame["core"].fillna(False).to_numpy(dtype=bool).astype(object),
        for_current=for_current.astype(object),
        for_aspired=for_aspired.astype(object),
        for_demand=(~for_current & ~for_aspired).astype(object),
    )
    if len(frame) <= FEW:
        parts = [
            [render(**{name: columns[name][row] for name in names}) for row in range(len(frame))]
            for names, render in REASON_PARTS
        ]
    else:
        table = pd.DataFrame(columns)
        parts = [_per_distinct(table, names, render) for names, render in REASON_PARTS]
    return [
        f"{head}{current}{aspired}{demand}. {item}{description}{track}"
        for head, current, aspired, demand, item, description, track in zip(*parts, strict=True)
    ]


THIRD_PERSON = (
    ("Closes your ", "Closes their "),
    ("Works on your ", "Works on their "),
    ("your stated goal", "their stated goal"),
    ("your business unit", "their business unit"),
    (" You have finished ", " They have finished "),
    (" You finished the one ", " They finished the one "),
    (" You did not finish the one ", " They did not finish the one "),
    (" you started.", " they started."),
    (" would be your first ", " would be their first "),
)
"""The second-person phrases of this module's sentences, as a manager reads them about a report."""


def about_them(sentence: str) -> str:
    """A gap or recommendation sentence (written to the employee) worded for their manager."""
    for yours, theirs in THIRD_PERSON:
        sentence = sentence.replace(yours, theirs)
    return sentence
