"""HR's home: every work queue counted and linked; figures never measured are not shown as 0."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback.models import SkillContest
from profiles.models import DataQualityFlag, SyncRun
from profiles.quality import quality_scan
from recommendations.models import ReviewItem
from taxonomy.tests.factories import SkillFactory

pytestmark = pytest.mark.django_db


def stat(page: str, href: str) -> str:
    """The text of the stat tile linking to ``href``, tags stripped."""
    match = re.search(rf'<a class="stat[^"]*" href="{re.escape(href)}">(.*?)</a>', page, re.S)
    assert match, f"no tile links to {href}"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


class TestHrHome:
    def test_it_counts_every_queue_and_links_each(self, client, org):
        for person, kind, reason in [
            (org.employee, ReviewItem.Kind.GAP_ANALYSIS, ReviewItem.Reason.PILOT),
            (org.peer, ReviewItem.Kind.GAP_ANALYSIS, ReviewItem.Reason.LOW_CONFIDENCE),
            (org.manager, ReviewItem.Kind.RECOMMENDATION, ReviewItem.Reason.FLAGGED),
        ]:
            ReviewItem.objects.create(employee=person, kind=kind, reason=reason)
        SkillContest.objects.create(
            employee=org.employee, skill=SkillFactory(), claimed_level=3, level_on_record=1, reason="I lead it"
        )
        SyncRun.objects.create(source=SyncRun.Source.FILE, kind="people", status=SyncRun.Status.FAILED)
        quality_scan()
        flags = DataQualityFlag.objects.filter(resolved_at__isnull=True).count()
        client.force_login(org.hr_user)
        page = client.get(reverse("hr_home")).content.decode()
        review = reverse("recommendations:review_queue")
        assert stat(page, f"{review}?kind=gap_analysis") == "2 gap analyses waiting for review"
        assert stat(page, f"{review}?kind=recommendation") == (
            "1 person's learning picks waiting for review (1 flagged as wrong)"
        )
        assert stat(page, reverse("portal:contests")) == "1 contested skill level"
        assert stat(page, reverse("quality:flags")) == f"{flags} open data-quality flag{'s' if flags != 1 else ''}"
        assert stat(page, reverse("hr_data:syncs") + "?status=failed") == "1 failed data delivery in the last 30 days"
        assert stat(page, reverse("feedback:cadence")) == "0 quarterly reviews overdue"
        assert "✓ 0" not in page

    def test_overdue_quarterly_reviews_are_counted_and_link_to_the_cadence_page(self, client, org):
        from datetime import timedelta

        from feedback.models import ReviewCycle
        from feedback.reviews import review_cycle_open

        today = timezone.localdate()
        late = today - timedelta(days=1)
        cycle = ReviewCycle.objects.create(
            name="Q", period_start=late, period_end=today, self_due_on=late, manager_due_on=today
        )
        opened = review_cycle_open(cycle=cycle)
        client.force_login(org.hr_user)
        page = client.get(reverse("hr_home")).content.decode()
        assert opened > 1 and stat(page, reverse("feedback:cadence")) == f"{opened} quarterly reviews overdue"

    def test_before_the_first_scan_the_flags_are_not_scanned_yet_not_zero(self, client, org):
        client.force_login(org.hr_user)
        page = client.get(reverse("hr_home")).content.decode()
        assert stat(page, reverse("quality:flags")) == "– data-quality flags: not scanned yet"

    def test_the_review_queue_link_filters_by_kind(self, client, org):
        ReviewItem.objects.create(employee=org.employee, kind=ReviewItem.Kind.GAP_ANALYSIS, reason="pilot")
        ReviewItem.objects.create(employee=org.peer, kind=ReviewItem.Kind.RECOMMENDATION, reason="pilot")
        client.force_login(org.hr_user)
        response = client.get(reverse("recommendations:review_queue"), {"kind": "recommendation"})
        assert [item.employee for item in response.context["items"]] == [org.peer]


class TestDataQualityPage:
    def test_before_the_first_scan_no_tile_shows_zero(self, client, org):
        client.force_login(org.hr_user)
        page = client.get(reverse("quality:flags")).content.decode()
        assert "Not scanned yet" in page
        tiles = re.findall(r'<span class="n">([^<]*)</span>', page)
        assert tiles and set(tiles) == {"–"}

    def test_after_a_scan_the_tiles_are_counts(self, client, org):
        quality_scan()
        DataQualityFlag.objects.update(resolved_at=timezone.now())
        client.force_login(org.hr_user)
        page = client.get(reverse("quality:flags")).content.decode()
        assert "Not scanned yet" not in page and set(re.findall(r'<span class="n">([^<]*)</span>', page)) == {"0"}


class TestAdminIndex:
    def test_hr_models_come_before_the_task_tables(self, client, org):
        client.force_login(org.hr_user)
        response = client.get(reverse("admin:index"))
        labels = [app["app_label"] for app in response.context["app_list"]]
        assert labels[:3] == ["taxonomy", "profiles", "recommendations"]
        if "django_q" in labels:
            assert labels.index("django_q") > labels.index("metrics" if "metrics" in labels else "recommendations")
