"""/me/recommendations/<pk>/: the employee accepts, dismisses (saying why) or completes a learning pick.

The picks come from a real recompute over the ``catalogue`` of the recommendations tests, so what
the employee acts on is what the engine delivered, and a recompute afterwards sees the outcome.
"""

import pytest
from django.urls import reverse

from profiles.models import LearningRecord, SkillEvidence
from recommendations import analysis
from recommendations.models import Recommendation
from recommendations.tests.test_learning import after_pilot, catalogue, live  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
Status = Recommendation.Status
ME_LEARNING = reverse("portal:me") + "#learning"


@pytest.fixture
def picked(catalogue):  # noqa: F811
    """The employee with delivered picks; the first one shown is the one acted on."""
    org, *_ = catalogue
    after_pilot()
    analysis.recompute()
    pick = Recommendation.objects.select_related("resource").filter(employee=org.employee, shown=True).first()
    assert pick is not None and pick.status == Status.DELIVERED
    return org, pick


def act(client, user, pick, **data):
    client.force_login(user)
    return client.post(reverse("portal:recommendation_act", args=[pick.pk]), data)


def learning_card(client) -> str:
    page = client.get(reverse("portal:me")).content.decode()
    return page.split('id="learning"')[1].split("</section>")[0]


def messages_of(client) -> str:
    """The messages shown in the learning card, where the redirect to /me/#learning lands."""
    card = learning_card(client)
    return card.split('class="messages"')[1].split("</ul>")[0] if 'class="messages"' in card else ""


class TestTheButtons:
    def test_the_employee_sees_accept_done_and_a_required_reason_to_dismiss(self, client, picked):
        org, pick = picked
        client.force_login(org.employee.user)
        card = learning_card(client)
        assert f'action="{reverse("portal:recommendation_act", args=[pick.pk])}"' in card
        assert 'value="accept"' in card and 'value="complete"' in card and 'value="dismiss"' in card
        assert (
            f'<label for="dismiss-reason-{pick.pk}">Why not? <span class="required">(required)</span></label>' in card
        )
        assert f'id="dismiss-reason-{pick.pk}" name="reason" maxlength="500" required' in card

    def test_the_manager_sees_flag_links_instead(self, client, picked):
        org, pick = picked
        client.force_login(org.manager.user)
        page = client.get(reverse("portal:briefing", args=[org.employee.pk])).content.decode()
        card = page.split('id="learning"')[1].split("</section>")[0]
        assert pick.resource.title in card and "recommendations/" not in card
        assert f"?flag=rec-{pick.pk}#flag" in card
        preselected = client.get(reverse("portal:briefing", args=[org.employee.pk]), {"flag": f"rec-{pick.pk}"})
        assert f'<option value="rec-{pick.pk}" selected>' in preselected.content.decode()

    def test_every_open_pick_can_be_flagged_not_only_the_first_few(self, client, picked):
        org, pick = picked
        fields = {f.attname: getattr(pick, f.attname) for f in pick._meta.concrete_fields if f.name != "id"}
        for rank in range(10, 17):  # accepted earlier, on top of today's delivered picks
            Recommendation.objects.create(**{**fields, "status": Status.ACCEPTED, "rank": rank, "shown": False})
        client.force_login(org.manager.user)
        page = client.get(reverse("portal:briefing", args=[org.employee.pk])).content.decode()
        open_picks = Recommendation.objects.filter(
            employee=org.employee, status__in=[Status.DELIVERED, Status.ACCEPTED]
        )
        assert open_picks.count() > 10
        for rec in open_picks:
            assert f'<option value="rec-{rec.pk}"' in page

    def test_the_manager_reads_the_reasons_about_the_report_not_to_them(self, client, picked):
        org, pick = picked
        assert "your " in pick.reason  # written to the employee, as /me/ shows it
        client.force_login(org.manager.user)
        page = client.get(reverse("portal:briefing", args=[org.employee.pk])).content.decode()
        card = page.split('id="learning"')[1].split("</section>")[0]
        assert pick.reason.replace("your ", "their ").replace("Your ", "Their ") in card
        assert "your " not in card.lower().replace("your review", "")


class TestAccept:
    def test_it_moves_the_pick_into_the_plan_and_says_so(self, client, picked):
        org, pick = picked
        response = act(client, org.employee.user, pick, action="accept")
        assert response.status_code == 302 and response["Location"] == ME_LEARNING
        pick.refresh_from_db()
        assert pick.status == Status.ACCEPTED and pick.acted_at is not None
        card = learning_card(client)
        assert f"Accepted: {pick.resource.title}. It is in your plan." in card.split('class="messages"')[1]
        assert pick.resource.title in card.split("Accepted, in the plan")[1]
        assert 'value="accept"' not in card.split("Accepted, in the plan")[1]  # only done or dismiss from here

    def test_accepting_twice_says_why_not(self, client, picked):
        org, pick = picked
        act(client, org.employee.user, pick, action="accept")
        act(client, org.employee.user, pick, action="accept")
        assert f"“{pick.resource.title}” cannot be accepted: it is already accepted." in messages_of(client)


class TestDismiss:
    def test_without_a_reason_nothing_changes_and_the_message_says_why(self, client, picked):
        org, pick = picked
        response = act(client, org.employee.user, pick, action="dismiss", reason="   ")
        assert response["Location"] == ME_LEARNING
        said = messages_of(client)
        assert f"Nothing changed for “{pick.resource.title}”. Say why it is dismissed" in said
        pick.refresh_from_db()
        assert (pick.status, pick.acted_at, pick.dismissed_reason) == (Status.DELIVERED, None, "")

    def test_with_a_reason_it_is_kept_and_never_recommended_again(self, client, picked):
        org, pick = picked
        act(client, org.employee.user, pick, action="dismiss", reason="I took a similar course last year")
        assert f"Dismissed: {pick.resource.title}. It will not be recommended to you again." in messages_of(client)
        pick.refresh_from_db()
        assert pick.status == Status.DISMISSED and pick.dismissed_reason == "I took a similar course last year"
        assert pick.resource.title not in learning_card(client)

        analysis.recompute()

        assert pick.resource.title not in live(org.employee)
        assert Recommendation.objects.filter(employee=org.employee, resource=pick.resource).count() == 1


class TestComplete:
    def test_it_adds_learning_history_and_evidence(self, client, picked):
        org, pick = picked
        act(client, org.employee.user, pick, action="complete")
        assert f"Done: {pick.resource.title}. It is in your learning history" in messages_of(client)
        pick.refresh_from_db()
        assert pick.status == Status.COMPLETED and pick.completed_at is not None
        assert LearningRecord.objects.filter(employee=org.employee, external_id=f"recommendation:{pick.pk}").exists()
        assert SkillEvidence.objects.filter(
            employee=org.employee, skill=pick.skill, source="learning", external_id=f"recommendation:{pick.pk}"
        ).exists()

    def test_an_accepted_pick_can_be_completed(self, client, picked):
        org, pick = picked
        act(client, org.employee.user, pick, action="accept")
        act(client, org.employee.user, pick, action="complete")
        pick.refresh_from_db()
        assert pick.status == Status.COMPLETED
        assert "Accepted, in the plan" not in learning_card(client)


@pytest.mark.parametrize("action", ["", "delete", "ACCEPT"])
def test_an_unknown_action_changes_nothing(client, picked, action):
    org, pick = picked
    response = act(client, org.employee.user, pick, action=action)
    assert response["Location"] == ME_LEARNING
    assert "Nothing changed: choose Accept, Mark as done or Dismiss" in messages_of(client)
    pick.refresh_from_db()
    assert pick.status == Status.DELIVERED and pick.acted_at is None


@pytest.mark.parametrize(("who", "status"), [("peer", 404), ("manager", 404), ("director", 404), ("hr_user", 403)])
def test_only_the_employee_it_was_made_for_may_act(client, picked, who, status):
    org, pick = picked
    person = getattr(org, who)
    user = person if who == "hr_user" else person.user
    for data in ({"action": "accept"}, {"action": "dismiss", "reason": "Not needed"}, {"action": "complete"}):
        assert act(client, user, pick, **data).status_code == status
    pick.refresh_from_db()
    assert pick.status == Status.DELIVERED and pick.acted_at is None


def test_a_get_is_refused(client, picked):
    org, pick = picked
    client.force_login(org.employee.user)
    assert client.get(reverse("portal:recommendation_act", args=[pick.pk])).status_code == 405
    client.logout()
    response = client.post(reverse("portal:recommendation_act", args=[pick.pk]), {"action": "accept"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
