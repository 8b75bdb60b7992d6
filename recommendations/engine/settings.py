"""The knobs HR can turn, as a plain value object the engine takes (no ORM in the engine)."""

from dataclasses import dataclass, field

# How much one piece of evidence counts, by where it came from: assessments and managers over
# self-assessment (people rate themselves about half a level high on average).
DEFAULT_SOURCE_WEIGHTS = {
    "assessment": 1.0,
    "manager": 0.9,
    "learning": 0.6,
    "inferred": 0.4,
    "self": 0.5,
    "peer": 0.5,  # a colleague's 360 rating: as much as a self-assessment, less than a manager's
    "review": 0.95,  # the manager's rating in a quarterly deep review: a considered manager's word
}


@dataclass(frozen=True)
class EngineWeights:
    urgency: float = 0.5
    """Weight of the current-role gap (shortfall x importance) in the priority."""
    leverage: float = 0.35
    """Weight of the aspired-role gap (how much closing it moves readiness for the goal)."""
    demand: float = 0.15
    """Weight of business-unit skill demand."""
    core_multiplier: float = 1.5
    """Core requirements count this many times a non-core one of the same importance."""
    half_life_days: float = 365.0
    """Evidence this old counts half as much as evidence from today."""
    demand_target_level: int = 3
    """The level a demanded skill should reach when neither role names it."""
    source_weights: dict = field(default_factory=lambda: dict(DEFAULT_SOURCE_WEIGHTS))
