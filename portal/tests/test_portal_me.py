"""/me/: where I stand, what to work on, is this right, where I can go, tell us, my progress."""

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback.models import CheckIn, Signal, SkillContest
from feedback.tests.fixtures import analysed, team  # noqa: F401  (fixtures)
from profiles.models import CareerAspiration, SkillEvidence
from taxonomy.tests.factories import AnchorFactory

pytestmark = pytest.mark.django_db


def me_page(client, org):
    client.force_login(org.employee.user)
    response = client.get(reverse("portal:me"))
    assert response.status_code == 200
    return response.content.decode()


class TestWhereIStand:
    def test_it_shows_level_target_next_level_anchor_and_last_assessed(self, client, analysed):  # noqa: F811
        org, _, stakeholders = analysed
        AnchorFactory(skill=stakeholders, level=2, description="Keeps stakeholders informed without being asked")
        page = me_page(client, org)
        standing = page.split('id="standing"')[1].split("</section>")[0]
        assert "Stakeholder management" in standing and "Keeps stakeholders informed without being asked" in standing
        assert "Level 2:" in standing  # the next level above the current 1
        assessed = (
            SkillEvidence.objects.filter(employee=org.employee, skill=stakeholders).latest("observed_at").observed_at
        )
        assert f"{assessed.day} {assessed:%b %Y}" in standing  # when it was last assessed

    def test_confirming_adds_self_evidence_and_says_thanks(self, client, analysed):  # noqa: F811
        org, _, stakeholders = analysed
        client.force_login(org.employee.user)
        response = client.post(reverse("portal:skill_confirm", args=[stakeholders.pk]), {"level": 1}, follow=True)
        assert "you confirmed Stakeholder management at level 1" in response.content.decode()
        evidence = SkillEvidence.objects.filter(employee=org.employee, skill=stakeholders).latest("created_at")
        assert (evidence.source, evidence.level, evidence.note[:9]) == ("self", 1, "confirmed")

    def test_a_role_without_requirements_says_what_to_do(self, client, org):
        assert "HR has not defined the competencies" in me_page(client, org)


class TestContest:
    def test_the_form_shows_what_each_level_looks_like_and_says_what_went_wrong(self, client, analysed):  # noqa: F811
        org, _, stakeholders = analysed
        AnchorFactory(skill=stakeholders, level=3, description="Negotiates trade-offs between teams")
        client.force_login(org.employee.user)
        url = reverse("portal:skill_contest", args=[stakeholders.pk])
        page = client.get(url).content.decode()
        assert "Negotiates trade-offs between teams" in page and "On record: level 1" in page
        response = client.post(url, {"claimed_level": 3, "reason": "", "evidence_url": "not a link"})
        assert response.status_code == 400
        text = response.content.decode()
        assert "Say briefly why the level is wrong" in text and "Enter a full web address" in text
        assert not SkillContest.objects.exists()

    def test_a_contest_goes_to_the_manager_whose_decision_is_kept_as_evidence(self, client, analysed):  # noqa: F811
        org, _, stakeholders = analysed
        original = set(
            SkillEvidence.objects.filter(employee=org.employee, skill=stakeholders).values_list(
                "pk", "level", "source", "note"
            )
        )
        client.force_login(org.employee.user)
        response = client.post(
            reverse("portal:skill_contest", args=[stakeholders.pk]),
            {
                "claimed_level": 3,
                "reason": "I run the quarterly stakeholder reviews",
                "evidence_url": "https://example.com/review",
            },
        )
        assert response.status_code == 302
        contest = SkillContest.objects.get()
        assert "waiting for a decision" in me_page(client, org)

        client.force_login(org.manager.user)
        assert "Skill levels contested (1)" in client.get(reverse("portal:team")).content.decode()
        decide = reverse("portal:contest_decide", args=[contest.pk])
        assert "I run the quarterly stakeholder reviews" in client.get(decide).content.decode()
        assert (
            client.post(decide, {"decision": "adjusted", "level": 2, "note": "Two of the four reviews"}).status_code
            == 302
        )

        contest.refresh_from_db()
        evidence = contest.decision_evidence
        assert (contest.status, contest.decided_level, contest.decided_by) == ("adjusted", 2, org.manager.user)
        assert (evidence.source, evidence.level, evidence.recorded_by) == ("manager", 2, org.manager.user)
        assert f"Skill contest #{contest.pk} adjusted" in evidence.note and "Two of the four reviews" in evidence.note
        kept = set(
            SkillEvidence.objects.filter(employee=org.employee, skill=stakeholders)
            .exclude(pk=evidence.pk)
            .values_list("pk", "level", "source", "note")
        )
        assert kept == original  # the earlier evidence is untouched
        page = me_page(client, org)
        assert "Adjusted to another level" in page and "Two of the four reviews" in page

    def test_a_decision_without_a_reason_is_refused_with_the_reason_why(self, client, analysed):  # noqa: F811
        org, _, stakeholders = analysed
        contest = SkillContest.objects.create(
            employee=org.employee, skill=stakeholders, claimed_level=3, reason="x", level_on_record=1
        )
        client.force_login(org.manager.user)
        response = client.post(reverse("portal:contest_decide", args=[contest.pk]), {"decision": "upheld", "note": ""})
        assert response.status_code == 400 and "Say why you decided this way" in response.content.decode()


class TestTellUs:
    def test_stating_a_goal_keeps_the_earlier_one(self, client, analysed):  # noqa: F811
        org, lead, _ = analysed
        client.force_login(org.employee.user)
        response = client.post(reverse("portal:aspiration"), {"target_role": "", "interests": "data platform work"})
        assert response.status_code == 302
        assert list(
            CareerAspiration.objects.filter(employee=org.employee)
            .order_by("-stated_at")
            .values_list("interests", flat=True)
        ) == [
            "data platform work",
            "",
        ]

    def test_saying_a_role_is_not_wanted_is_kept_shown_and_carried_to_the_next_goal(self, client, analysed):  # noqa: F811
        org, lead, _ = analysed
        client.force_login(org.employee.user)
        response = client.post(
            reverse("portal:aspiration"), {"target_role": "", "interests": "data work", "not_wanted_roles": [lead.pk]}
        )
        assert response.status_code == 302
        newest = CareerAspiration.objects.filter(employee=org.employee).latest("stated_at")
        assert list(newest.not_wanted_roles.all()) == [lead]
        page = me_page(client, org)
        assert f"Not for me: {lead.title}" in page
        # the form starts from the current goal, so updating the goal does not silently drop the refusal
        form = page.split('id="goal-heading"')[1].split("</form>")[0]
        assert f'<option value="{lead.pk}" selected>' in form

    def test_aiming_for_a_role_one_does_not_want_is_refused_with_a_reason(self, client, analysed):  # noqa: F811
        org, lead, _ = analysed
        client.force_login(org.employee.user)
        before = CareerAspiration.objects.count()
        response = client.post(
            reverse("portal:aspiration"), {"target_role": lead.pk, "interests": "", "not_wanted_roles": [lead.pk]}
        )
        assert response.status_code == 400
        assert "cannot also be a role you do not want" in response.content.decode()
        assert CareerAspiration.objects.count() == before

    def test_an_empty_goal_says_what_to_fill_in(self, client, org):
        client.force_login(org.employee.user)
        response = client.post(reverse("portal:aspiration"), {"target_role": "", "interests": " "})
        assert response.status_code == 400 and "Name a role, some interests, or both." in response.content.decode()

    def test_a_reflection_is_saved_as_a_signal_and_shown(self, client, org):
        client.force_login(org.employee.user)
        response = client.post(reverse("portal:reflection"), {"text": "Led my first retro"})
        assert response.status_code == 302 and response.url.endswith("#tell-us")
        assert Signal.objects.get().kind == "self_reflection"
        page = me_page(client, org)
        assert "Led my first retro" in page
        # the answer is shown where the redirect lands, inside "Tell us", not at the top of the page
        tell_us = page.split('id="tell-us"')[1].split("</section>")[0]
        assert "Reflection saved." in tell_us and page.count("Reflection saved.") == 1
        response = client.post(reverse("portal:reflection"), {"text": ""})
        assert response.status_code == 400 and "Write a sentence or two" in response.content.decode()

    def test_the_employee_answers_the_post_conversation_question(self, client, org):
        checkin = CheckIn.objects.create(
            employee=org.employee, manager=org.manager, held_on=timezone.localdate(), notes="x"
        )
        assert "One question about your check-in" in me_page(client, org)
        assert client.post(reverse("portal:checkin_answer", args=[checkin.pk]), {"relevance": 4}).status_code == 302
        checkin.refresh_from_db()
        assert checkin.employee_relevance == 4
        assert "One question about your check-in" not in me_page(client, org)

    def test_someone_elses_checkin_cannot_be_answered(self, client, org):
        checkin = CheckIn.objects.create(
            employee=org.peer, manager=org.manager, held_on=timezone.localdate(), notes="x"
        )
        client.force_login(org.employee.user)
        assert client.post(reverse("portal:checkin_answer", args=[checkin.pk]), {"relevance": 4}).status_code == 404


class TestWhereICanGoAndProgress:
    def test_the_aspired_role_is_always_shown_with_readiness(self, client, analysed):  # noqa: F811
        org, lead, _ = analysed
        page = me_page(client, org)
        careers = page.split('id="careers"')[1].split("</section>")[0]
        assert "Team Lead" in careers and "Your stated goal" in careers and "% ready" in careers
        assert "Team Lead, Payments" in careers  # the open opportunity that fits

    def test_a_new_goal_not_yet_analysed_is_still_shown(self, client, analysed):  # noqa: F811
        from taxonomy.tests.factories import RoleFactory

        org, *_ = analysed
        CareerAspiration.objects.create(
            employee=org.employee, target_role=RoleFactory(title="Head of Data"), stated_at=timezone.now()
        )
        assert "Your goal: Head of Data." in me_page(client, org)

    def test_progress_is_a_chart_with_its_data_and_a_table(self, client, analysed):  # noqa: F811
        org, *_ = analysed
        page = me_page(client, org)
        assert (
            'id="progress-data"' in page
            and "vendor/chart.js/chart.umd.min.js" in page
            and "js/progress-chart.js" in page
        )
        assert "The same numbers as a table" in page

    def test_empty_states_say_what_to_do_next(self, client, org):
        page = me_page(client, org)
        assert "No gap analysis yet" in page
        assert "nothing to chart" in page and "Confirm or claim a level" in page
        assert "No learning recorded yet" in page
        assert "You have not named a role you are aiming for" in page
        assert "chart.umd.min.js" not in page  # no chart, no script


def test_the_learning_cards_slot_is_filled(client, analysed):  # noqa: F811
    org, *_ = analysed
    assert "Learning to do next" in me_page(client, org)


def test_me_reads_a_fixed_number_of_queries(client, analysed, django_assert_max_num_queries):  # noqa: F811
    org, _, stakeholders = analysed
    client.force_login(org.employee.user)
    with django_assert_max_num_queries(60) as few:
        client.get(reverse("portal:me"))
    for n in range(20):
        SkillEvidence.objects.create(
            employee=org.employee, skill=stakeholders, level=n % 4, source="self", observed_at=timezone.now()
        )
        Signal.objects.create(employee=org.employee, kind="self_reflection", text=f"note {n}")
        SkillContest.objects.create(
            employee=org.employee, skill=stakeholders, claimed_level=3, reason="x", status="declined"
        )
    with django_assert_max_num_queries(60) as many:
        client.get(reverse("portal:me"))
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_decided_contest_is_not_decided_again(client, analysed):  # noqa: F811
    org, _, stakeholders = analysed
    contest = SkillContest.objects.create(
        employee=org.employee, skill=stakeholders, claimed_level=3, reason="x", status="upheld", decided_level=3
    )
    client.force_login(org.director.user)
    response = client.post(reverse("portal:contest_decide", args=[contest.pk]), {"decision": "declined", "note": "No"})
    assert response.status_code == 400 and "already decided" in response.content.decode()
