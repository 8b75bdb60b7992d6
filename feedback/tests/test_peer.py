"""Light 360 feedback: who may ask whom about what, answers that become peer evidence with their
provenance, and anonymity that needs three answers before anything is shown."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from feedback import peer
from feedback.models import FeedbackAsk, Text, TextSource
from profiles.models import EvidenceSource, SkillEvidence
from profiles.tests.factories import EmployeeFactory, UserFactory
from recommendations.engine.settings import DEFAULT_SOURCE_WEIGHTS
from recommendations.models import EngineSettings
from taxonomy.tests.factories import SkillFactory

from .fixtures import analysed, team  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def colleagues(org, n):
    return [EmployeeFactory(manager=org.manager, user=UserFactory(), email=f"c{i}@example.com") for i in range(n)]


def open_request(org, skill, people, *, by=None, anonymous=True, **kw):
    return peer.feedback_request_open(
        subject=org.employee,
        by=by or org.employee.user,
        respondents=people,
        skills=[skill],
        due_on=timezone.localdate() + timedelta(days=7),
        anonymous=anonymous,
        **kw,
    )


class TestOpen:
    def test_it_asks_each_colleague_by_email(self, analysed, django_capture_on_commit_callbacks):  # noqa: F811
        org, lead, stakeholders = analysed
        with django_capture_on_commit_callbacks(execute=True):
            request = open_request(org, stakeholders, colleagues(org, 3))
        assert request.asks.count() == 3 and len(mail.outbox) == 3
        assert stakeholders.name in mail.outbox[0].body

    def test_at_most_eight_colleagues(self, analysed):  # noqa: F811
        org, _, stakeholders = analysed
        with pytest.raises(ValidationError, match="at most 8"):
            open_request(org, stakeholders, colleagues(org, 9))

    def test_only_skills_from_the_gap_list(self, analysed):  # noqa: F811
        org, *_ = analysed
        with pytest.raises(ValidationError, match="gap list"):
            open_request(org, SkillFactory(name="Juggling"), colleagues(org, 1))

    def test_a_peer_cannot_ask_on_someone_elses_behalf(self, analysed):  # noqa: F811
        org, _, stakeholders = analysed
        with pytest.raises(ValidationError, match="manager in their line"):
            open_request(org, stakeholders, colleagues(org, 1), by=org.peer.user)

    def test_the_manager_can_ask(self, analysed):  # noqa: F811
        org, _, stakeholders = analysed
        assert open_request(org, stakeholders, [org.peer], by=org.manager.user).asks.count() == 1


class TestAnswer:
    def test_a_rating_becomes_peer_evidence_with_its_provenance(self, analysed, django_capture_on_commit_callbacks):  # noqa: F811
        org, _, stakeholders = analysed
        request = open_request(org, stakeholders, [org.peer], anonymous=False)
        ask = request.asks.get()
        with django_capture_on_commit_callbacks(execute=True):
            peer.feedback_answer(ask=ask, by=org.peer.user, levels={stakeholders.pk: 3}, comment="Calm with the board")
        evidence = SkillEvidence.objects.get(employee=org.employee, source=EvidenceSource.PEER)
        assert evidence.level == 3 and f"request #{request.pk}" in evidence.note and org.peer.full_name in evidence.note
        assert Text.objects.filter(source=TextSource.FEEDBACK_ANSWER, source_id=ask.pk).exists()

    def test_only_the_colleague_asked_answers_and_only_once(self, analysed):  # noqa: F811
        org, _, stakeholders = analysed
        ask = open_request(org, stakeholders, [org.peer]).asks.get()
        with pytest.raises(ValidationError, match="Only the colleague"):
            peer.feedback_answer(ask=ask, by=org.manager.user, levels={stakeholders.pk: 2})
        peer.feedback_answer(ask=ask, by=org.peer.user, levels={stakeholders.pk: 2})
        with pytest.raises(ValidationError, match="already answered"):
            peer.feedback_answer(ask=ask, by=org.peer.user, levels={stakeholders.pk: 2})

    def test_every_skill_is_rated_on_the_scale(self, analysed):  # noqa: F811
        org, _, stakeholders = analysed
        ask = open_request(org, stakeholders, [org.peer]).asks.get()
        with pytest.raises(ValidationError, match="Levels go from"):
            peer.feedback_answer(ask=ask, by=org.peer.user, levels={stakeholders.pk: 9})
        with pytest.raises(ValidationError, match="every skill"):
            peer.feedback_answer(ask=ask, by=org.peer.user, levels={})


class TestResults:
    def test_anonymous_answers_are_shown_pooled_from_three(self, analysed):  # noqa: F811
        org, _, stakeholders = analysed
        people = colleagues(org, 3)
        request = open_request(org, stakeholders, people)
        for person, level in zip(people[:2], (2, 4), strict=True):
            peer.feedback_answer(
                ask=FeedbackAsk.objects.get(request=request, respondent=person),
                by=person.user,
                levels={stakeholders.pk: level},
            )
        shown = peer.feedback_results(request=request)
        assert shown["answered"] == 2 and not shown["shown"] and shown["pooled"] == []
        peer.feedback_answer(
            ask=FeedbackAsk.objects.get(request=request, respondent=people[2]),
            by=people[2].user,
            levels={stakeholders.pk: 3},
        )
        shown = peer.feedback_results(request=request)
        assert shown["shown"] and shown["per_person"] == []
        assert shown["pooled"] == [{"skill__name": stakeholders.name, "mean": 3.0, "answers": 3}]
        notes = SkillEvidence.objects.filter(source=EvidenceSource.PEER).values_list("note", flat=True)
        assert all("anonymous colleague" in note for note in notes)


class TestEngine:
    def test_peer_evidence_has_a_weight_in_the_engine(self, db):
        weights = EngineSettings.objects.get_or_create(pk=1)[0].as_weights().source_weights
        assert weights["peer"] == DEFAULT_SOURCE_WEIGHTS["peer"] > 0


class TestRemind:
    def test_it_reminds_once_a_day_close_to_the_due_date(self, analysed, django_capture_on_commit_callbacks):  # noqa: F811
        org, _, stakeholders = analysed
        open_request(org, stakeholders, colleagues(org, 2))
        mail.outbox.clear()
        assert peer.feedback_remind(today=timezone.localdate() + timedelta(days=5)) == 2
        assert len(mail.outbox) == 2 and mail.outbox[0].subject.startswith("Reminder")
        assert peer.feedback_remind(today=timezone.localdate() + timedelta(days=5)) == 0
