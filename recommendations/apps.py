from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "recommendations"
    verbose_name = "Gap analysis and recommendations"

    def ready(self):
        from auditlog.registry import auditlog

        from profiles.quality import CHECKS

        from . import outcome_receivers, receivers  # noqa: F401  connect the event receivers
        from .models import Candidacy, CriticalRole, Placement, PlannedMove, ReviewItem, SuccessionCandidate
        from .quality import STALE_ANALYSIS_CHECK

        # Every human decision on a move or a succession pool is in the audit log, with its actor.
        for model in (ReviewItem, SuccessionCandidate, CriticalRole, Candidacy, Placement, PlannedMove):
            if not auditlog.contains(model):
                auditlog.register(model)
        if STALE_ANALYSIS_CHECK not in CHECKS:
            CHECKS.append(STALE_ANALYSIS_CHECK)
