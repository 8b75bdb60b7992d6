from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TalentConfig(AppConfig):
    name = "talent"
    verbose_name = "Talent platform"

    def ready(self):
        from . import task_allowlist  # noqa: F401  the task worker runs only this project's task functions
        from .roles import hr_group_ensure

        # Not sender=self: post_migrate is sent only for apps with models, and talent has none.
        post_migrate.connect(hr_group_ensure, dispatch_uid="talent.hr_group_ensure")
        post_migrate.connect(cache_table_ensure, dispatch_uid="talent.cache_table_ensure")


def cache_table_ensure(using="default", **kwargs):
    """The database caches (sign-in rate limits, engine versions; portal pages) need their tables
    wherever migrate ran."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)
