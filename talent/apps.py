from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TalentConfig(AppConfig):
    name = "talent"
    verbose_name = "Talent platform"

    def ready(self):
        from . import access  # noqa: F401  registers the "may see" rule
        from .roles import hr_group_ensure

        # Not sender=self: post_migrate is sent only for apps with models, and talent has none.
        post_migrate.connect(hr_group_ensure, dispatch_uid="talent.hr_group_ensure")
        post_migrate.connect(cache_table_ensure, dispatch_uid="talent.cache_table_ensure")
        pages_follow_the_taxonomy()


def pages_follow_the_taxonomy():
    """Cached portal pages are built anew when what every page reads changes (talent.pagecache)."""
    from django.db.models.signals import post_delete, post_save

    from recommendations.receivers import SHARED_MODELS
    from taxonomy.signals import taxonomy_written

    from .pagecache import taxonomy_changed

    for model in SHARED_MODELS:
        uid = f"talent.pages_follow.{model._meta.label_lower}"
        post_save.connect(taxonomy_changed, sender=model, dispatch_uid=uid)
        post_delete.connect(taxonomy_changed, sender=model, dispatch_uid=uid)
    taxonomy_written.connect(taxonomy_changed, dispatch_uid="talent.pages_follow.taxonomy_import")


def cache_table_ensure(using="default", **kwargs):
    """The database caches (sign-in rate limits, engine versions; portal pages) need their tables
    wherever migrate ran."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)
