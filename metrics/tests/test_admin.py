"""HR exports the snapshots from the admin for reports to leadership."""

import pytest
from django.urls import reverse
from django.utils import timezone
from import_export.forms import SelectableFieldsExportForm

from metrics.models import Metric, MetricSnapshot
from metrics.resources import MetricSnapshotResource

pytestmark = pytest.mark.django_db


def test_hr_exports_the_snapshots_as_csv(client, org):
    MetricSnapshot.objects.create(
        as_of=timezone.localdate(), cohort="pilot", metric=Metric.ENGAGEMENT, value=0.42, measured=50, window_days=90
    )
    client.force_login(org.hr_user)
    fields = {
        SelectableFieldsExportForm.create_boolean_field_name(MetricSnapshotResource, name): "on"
        for name in MetricSnapshotResource().get_export_order()
    }
    response = client.post(reverse("admin:metrics_metricsnapshot_export"), {"format": "0", "resource": "0", **fields})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    header, row = response.content.decode().splitlines()[:2]
    assert header == "as_of,cohort,metric,segment,value,measured,window_days"
    assert row.split(",")[1:] == ["pilot", "engagement", "", "0.42", "50", "90"]


def test_nobody_can_change_a_snapshot_in_the_admin(client, org):
    snapshot = MetricSnapshot.objects.create(
        as_of=timezone.localdate(), cohort="all", metric=Metric.RETENTION, value=0.9, measured=10, window_days=90
    )
    client.force_login(org.hr_user)
    url = reverse("admin:metrics_metricsnapshot_change", args=[snapshot.pk])
    client.post(url, {"value": "1.0"})
    snapshot.refresh_from_db()
    assert snapshot.value == 0.9
