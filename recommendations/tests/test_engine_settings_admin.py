"""HR sets the engine's knobs in the admin: every evidence source's weight (the 360 "peer" and the
deep review's "review" among them) and the deep-review period, each used by the engine."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from profiles.access import HR_GROUP
from profiles.tests.factories import UserFactory
from recommendations.models import EngineSettings
from talent.roles import hr_group_ensure

pytestmark = pytest.mark.django_db


def form_data(settings: EngineSettings, **changes) -> dict:
    fields = [
        "urgency_weight", "leverage_weight", "demand_weight", "core_multiplier", "half_life_days",
        "weight_assessment", "weight_manager", "weight_learning", "weight_inferred", "weight_self",
        "weight_peer", "weight_review", "review_every_months", "review_self_days", "review_manager_days",
    ]  # fmt: skip
    data = {name: getattr(settings, name) for name in fields}
    data |= {"review_threshold": settings.review_threshold * 100, "pilot_mode": "on" if settings.pilot_mode else ""}
    return data | changes


@pytest.fixture
def hr_client(client):
    hr_group_ensure()
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=HR_GROUP))
    client.force_login(user)
    return client


def test_hr_sets_the_peer_and_review_weights_and_the_engine_uses_them(hr_client):
    settings = EngineSettings.load()
    url = reverse("admin:recommendations_enginesettings_change", args=[settings.pk])
    page = hr_client.get(url)
    assert "Weight peer" in page.text and "Weight review" in page.text and "Quarterly deep reviews" in page.text
    response = hr_client.post(url, form_data(settings, weight_peer=0.7, weight_review=0.8, review_every_months=6))
    assert response.status_code == 302, response.context["adminform"].form.errors
    weights = EngineSettings.load().as_weights().source_weights
    assert (weights["peer"], weights["review"]) == (0.7, 0.8)
    assert EngineSettings.load().review_every_months == 6


def test_a_negative_weight_or_a_period_over_a_year_is_refused_with_the_reason(hr_client):
    settings = EngineSettings.load()
    url = reverse("admin:recommendations_enginesettings_change", args=[settings.pk])
    page = hr_client.post(url, form_data(settings, weight_peer=-1))
    assert page.status_code == 200 and "Evidence weights cannot be negative." in page.text
    page = hr_client.post(url, form_data(settings, review_every_months=13))
    assert "Deep reviews open every 1 to 12 months." in page.text
    page = hr_client.post(url, form_data(settings, review_self_days=30, review_manager_days=10))
    assert "due on or after the self-assessment" in page.text
    assert EngineSettings.load().weight_peer == settings.weight_peer
