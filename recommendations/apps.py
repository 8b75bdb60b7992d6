from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "recommendations"
    verbose_name = "Gap analysis and recommendations"

    def ready(self):
        from profiles.quality import CHECKS

        from . import outcome_receivers, receivers  # noqa: F401  connect the event receivers
        from .quality import STALE_ANALYSIS_CHECK

        if STALE_ANALYSIS_CHECK not in CHECKS:
            CHECKS.append(STALE_ANALYSIS_CHECK)
