"""The snapshots as a spreadsheet (admin export), for reports to leadership."""

from import_export import resources

from .models import MetricSnapshot


class MetricSnapshotResource(resources.ModelResource):
    class Meta:
        model = MetricSnapshot
        fields = ["as_of", "cohort", "metric", "segment", "value", "measured", "window_days"]
        export_order = fields
