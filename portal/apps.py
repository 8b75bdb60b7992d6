from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Employee and manager portals"

    def ready(self):
        pages_follow_the_taxonomy()


def pages_follow_the_taxonomy():
    """Cached portal pages are built anew when what every page reads changes (portal.pagecache)."""
    from django.db.models.signals import post_delete, post_save

    from feedback.models import ReviewCycle
    from recommendations.receivers import SHARED_MODELS
    from taxonomy.signals import taxonomy_written

    from .pagecache import taxonomy_changed

    # A review cycle's name and due dates show on the pages of everyone in it.
    for model in (*SHARED_MODELS, ReviewCycle):
        uid = f"portal.pages_follow.{model._meta.label_lower}"
        post_save.connect(taxonomy_changed, sender=model, dispatch_uid=uid)
        post_delete.connect(taxonomy_changed, sender=model, dispatch_uid=uid)
    taxonomy_written.connect(taxonomy_changed, dispatch_uid="portal.pages_follow.taxonomy_import")
