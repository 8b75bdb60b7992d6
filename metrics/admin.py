from django.contrib import admin
from import_export.admin import ExportMixin

from core.spreadsheets import FORMATS
from profiles.admin import ReadOnlyAdmin

from .models import BiasAudit, BiasFinding, MetricSnapshot
from .resources import MetricSnapshotResource


@admin.register(MetricSnapshot)
class MetricSnapshotAdmin(ExportMixin, ReadOnlyAdmin):
    """Taken by ``metrics_snapshot`` (weekly); read on /hr/metrics/; exported as CSV or Excel for
    reports to leadership."""

    resource_classes = [MetricSnapshotResource]
    export_formats = FORMATS

    list_display = ["as_of", "metric", "cohort", "segment", "value", "measured", "window_days"]
    list_filter = ["metric", "cohort", "as_of"]


class BiasFindingInline(admin.TabularInline):
    model = BiasFinding
    fields = ["outcome", "attribute", "group", "people", "value", "ratio_to_best", "flagged"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(BiasAudit)
class BiasAuditAdmin(ReadOnlyAdmin):
    list_display = ["as_of", "ran_at", "employees", "flagged"]
    inlines = [BiasFindingInline]
