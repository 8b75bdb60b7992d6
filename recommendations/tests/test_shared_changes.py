"""A change to what every analysis reads (taxonomy, catalogue, settings) tells the other processes."""

import pytest

from recommendations import analysis, receivers
from recommendations.models import LearningResource

pytestmark = pytest.mark.django_db


def item(n):
    return LearningResource.objects.create(title=f"Course {n}", kind="course", format="self_paced", hours=1)


def test_a_catalogue_change_is_seen_by_other_processes_before_and_after_it_commits(
    django_capture_on_commit_callbacks,
):
    before = analysis.shared_version()
    with django_capture_on_commit_callbacks(execute=True):
        item(1)
        during = analysis.shared_version()
    after = analysis.shared_version()

    assert before != during != after


def test_a_file_of_many_rows_bumps_once_now_and_once_at_commit(monkeypatch, django_capture_on_commit_callbacks):
    bumps = []
    monkeypatch.setattr(receivers, "shared_bump", lambda: bumps.append(len(bumps)))

    with django_capture_on_commit_callbacks(execute=True):
        for n in range(50):
            item(n)
        assert bumps == [0]

    assert bumps == [0, 1]
