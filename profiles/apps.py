from django.apps import AppConfig


class ProfilesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "profiles"

    def ready(self):
        from . import access  # noqa: F401  registers the "may see" rule
        from .audit import register_audited_models

        register_audited_models()
