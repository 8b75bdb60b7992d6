"""What the engine produces (gaps, career paths, opportunity matches), the knobs HR sets, and
the human review layer.

Results are written per ``AnalysisRun``: a recompute writes a whole new generation of rows and
then moves each employee's pointer (``EmployeeAnalysis.run``) in one statement, so a failure
part-way leaves everyone's previous results in place. ``visible_run`` is the newest generation
HR let people see (pilot mode reviews everything; afterwards only low-confidence analyses).
"""

from .analysis import (
    GAP_WEIGHT_MAX,
    GAP_WEIGHT_MIN,
    RESULT_FK,
    AnalysisRun,
    CareerPath,
    EmployeeAnalysis,
    EmployeeAnalysisQuerySet,
    EngineSettings,
    GapWeight,
    ReviewItem,
    ReviewStatus,
    RunSummary,
    SkillGap,
)
from .learning import Flag, LearningResource, ModelRun, Recommendation, ResourceSkill
from .moves import Candidacy, CriticalRole, Placement, PlannedMove, SuccessionCandidate
from .opportunities import Opportunity, OpportunityMatch, OpportunitySkill

__all__ = [
    "GAP_WEIGHT_MAX",
    "GAP_WEIGHT_MIN",
    "RESULT_FK",
    "AnalysisRun",
    "Candidacy",
    "CriticalRole",
    "Placement",
    "PlannedMove",
    "SuccessionCandidate",
    "CareerPath",
    "EmployeeAnalysis",
    "EmployeeAnalysisQuerySet",
    "EngineSettings",
    "Flag",
    "GapWeight",
    "LearningResource",
    "ModelRun",
    "Opportunity",
    "OpportunityMatch",
    "OpportunitySkill",
    "Recommendation",
    "ResourceSkill",
    "ReviewItem",
    "ReviewStatus",
    "RunSummary",
    "SkillGap",
]
