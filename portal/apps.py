from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Employee and manager portals"

    def ready(self):
        post_migrate.connect(table_versions_install, dispatch_uid="portal.table_versions_install")


def table_versions_install(sender, using="default", **kwargs):
    """Every table gets its version trigger after each migrate (portal.pagecache keys pages on
    them): tables created since, and SQLite's, which altering a table drops, included."""
    from django.db import connections

    from core import tableversions

    tableversions.install(connection=connections[using])
