"""Sentences a manager can repeat without the tool, built from a gap's numbers.

Kept apart from the arithmetic so the stored rows stay numeric (800,000 of them at scale) and
the words are made only for the few gaps a page shows.
"""

from math import floor

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
        detail = f"core, importance {int(importance_current or 0)}" if core else f"importance {int(importance_current or 0)}"
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
