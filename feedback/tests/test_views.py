"""The text pages: giving feedback to a colleague found by name, a person's texts with their
skill mentions (escaped, never rendered as HTML), one-click evidence, and HR hiding a theme."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from feedback import mentions
from feedback.models import FeedbackAsk, Signal, SkillMention, Text, TextSource, Theme
from profiles.models import SkillEvidence
from taxonomy.tests.factories import SkillFactory

from .fixtures import analysed, team  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def sql(db):
    mentions.tagger_forget()
    yield SkillFactory(name="SQL", aliases="structured query language", description="Querying databases.")
    mentions.tagger_forget()


class TestGive:
    def test_a_colleague_is_found_by_name_and_thanked(self, client, org, sql, django_capture_on_commit_callbacks):
        client.force_login(org.employee.user)
        page = client.get(reverse("feedback:give"), {"q": org.peer.last_name[:3]})
        assert org.peer.full_name in page.content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            answer = client.post(
                reverse("feedback:give"), {"recipient": org.peer.pk, "text": "Your SQL review saved the release."}
            )
        assert answer.status_code == 302
        signal = Signal.objects.get(employee=org.peer, kind=Signal.Kind.PEER_ACKNOWLEDGMENT)
        assert signal.author == org.employee.user
        assert SkillMention.objects.filter(employee=org.peer, skill=sql).exists()

    def test_feedback_to_oneself_is_refused(self, client, org):
        client.force_login(org.employee.user)
        answer = client.post(reverse("feedback:give"), {"recipient": org.employee.pk, "text": "Well done me"})
        assert answer.status_code == 400 and "reflection" in answer.content.decode()

    def test_the_search_needs_two_letters_and_returns_at_most_ten(self, client, org):
        client.force_login(org.employee.user)
        assert client.get(reverse("feedback:people"), {"q": "a"}).json() == {"results": []}
        found = client.get(reverse("feedback:people"), {"q": org.outsider.first_name}).json()["results"]
        assert org.outsider.pk in {row["id"] for row in found} and len(found) <= 10
        assert set(found[0]) == {"id", "name", "role"}


class TestTexts:
    def text(self, org, body):
        text = mentions.text_record(
            employee=org.employee,
            source=TextSource.API,
            source_id=Text.objects.count() + 1,
            body=body,
            author=org.peer.user,
            written_at=timezone.now(),
        )
        mentions.text_tag(text=text)
        return text

    def test_it_shows_texts_with_their_mentions_and_escapes_html(self, client, org, sql):
        self.text(org, "Rewrote the SQL report <script>alert('x')</script><b>fast</b>")
        client.force_login(org.manager.user)
        page = client.get(reverse("feedback:texts", args=[org.employee.pk])).content.decode()
        assert "SQL" in page and "Turn into evidence" in page
        assert "<script>alert" not in page and "&lt;script&gt;" in page

    def test_the_page_costs_the_same_queries_for_one_text_or_many(self, client, org, sql):
        client.force_login(org.manager.user)
        url = reverse("feedback:texts", args=[org.employee.pk])
        self.text(org, "SQL tuning")
        client.get(url)
        with CaptureQueriesContext(connection) as one:
            client.get(url)
        for n in range(6):
            self.text(org, f"Great SQL number {n}")
        with CaptureQueriesContext(connection) as seven:
            client.get(url)
        assert len(seven) == len(one) <= 14

    def test_the_manager_turns_a_mention_into_evidence(self, client, org, sql):
        text = self.text(org, "Her SQL window functions are excellent")
        mention = SkillMention.objects.get(text=text)
        client.force_login(org.manager.user)
        answer = client.post(reverse("feedback:mention_evidence", args=[mention.pk]), {"level": 3})
        assert answer.status_code == 302
        evidence = SkillEvidence.objects.get(employee=org.employee, skill=sql, source="manager")
        assert evidence.level == 3 and "window functions" in evidence.note

    def test_hr_hides_a_theme(self, client, org):
        now = timezone.now()
        theme = Theme.objects.create(
            employee=org.employee,
            label="lunch, parking",
            texts=3,
            authors=2,
            trend="steady",
            window_start=now.date(),
            window_end=now.date(),
            computed_at=now,
        )
        client.force_login(org.hr_user)
        client.post(reverse("feedback:theme_hide", args=[theme.pk]), {"reason": "Not about work"})
        theme.refresh_from_db()
        client.get(reverse("feedback:texts", args=[org.employee.pk]))  # shows the "hidden" message once
        assert theme.hidden and theme.hidden_by == org.hr_user
        page = client.get(reverse("feedback:texts", args=[org.employee.pk])).content.decode()
        assert "lunch, parking" not in page


class TestThreeSixty:
    def test_ask_answer_and_see_the_result(self, client, analysed):  # noqa: F811
        org, _, stakeholders = analysed
        client.force_login(org.employee.user)
        page = client.get(reverse("feedback:request_new", args=[org.employee.pk])).content.decode()
        assert org.peer.full_name in page and stakeholders.name in page
        due = (timezone.localdate() + timezone.timedelta(days=7)).isoformat()
        answer = client.post(
            reverse("feedback:request_new", args=[org.employee.pk]),
            {"respondents": [org.peer.pk], "skills": [stakeholders.pk], "due_on": due},
        )
        assert answer.status_code == 302
        ask = FeedbackAsk.objects.get(respondent=org.peer)
        client.force_login(org.peer.user)
        assert stakeholders.name in client.get(reverse("feedback:requests")).content.decode()
        answer = client.post(reverse("feedback:ask_answer", args=[ask.pk]), {f"skill_{stakeholders.pk}": 3})
        assert answer.status_code == 302
        assert SkillEvidence.objects.filter(employee=org.employee, source="peer", level=3).exists()
        client.force_login(org.employee.user)
        detail = client.get(reverse("feedback:request_detail", args=[ask.request_id])).content.decode()
        assert "1 of 1 answered" in detail and "at least 3" in detail  # anonymous: nothing shown from one answer
