from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "feedback"
    verbose_name = "Feedback: signals, check-ins and skill contests"

    def ready(self):
        from . import receivers  # noqa: F401  connect the event receivers
