"""The learned ranking: metrics on hand-made lists, labels, the time split, training on the demo
history (serving only when it beats the heuristic), the scorer that falls back, the commands."""

import io
import json
import random
import tempfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone
from sklearn.linear_model import LogisticRegression

from demo import generator
from demo.catalogue import catalogue_step
from demo.context import Context, DemoSummary
from demo.first_analysis import opportunities
from demo.recommendation_history import recommendation_history
from recommendations import outcome_labels, ranking, scoring, seed_evaluation, training_tasks
from recommendations.engine.heuristic import HEURISTIC_WEIGHTS, heuristic_score
from recommendations.engine.picking import FEATURES, KINDS
from recommendations.engine.ranking_metrics import ranking_metrics
from recommendations.models import Flag, LearningResource, ModelRun, Recommendation

FAST_PASSWORDS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOG2_3 = np.log2(3.0)


def metrics(groups, scores, labels, **options):
    return ranking.group_metrics(groups=np.array(groups), scores=np.array(scores), labels=np.array(labels), **options)


class TestMetrics:
    def test_precision_recall_and_ndcg_at_3_are_exact_on_a_hand_made_list(self):
        # Ranked: 0.9 (no), 0.8 (yes), 0.7 (no) | 0.6 (yes): one of two good ones in the top three, second.
        table = metrics([1, 1, 1, 1], [0.9, 0.8, 0.7, 0.6], [0, 1, 0, 1])
        row = table.loc[1]
        assert row["precision@3"] == pytest.approx(1 / 3)
        assert row["recall@3"] == pytest.approx(1 / 2)
        assert row["ndcg@3"] == pytest.approx((1 / LOG2_3) / (1 + 1 / LOG2_3))

    def test_a_perfect_order_scores_one_and_the_scores_not_the_row_order_decide(self):
        table = metrics([7, 7, 7, 7, 7], [0.1, 0.5, 0.9, 0.2, 0.8], [0, 0, 1, 0, 1])
        assert table.loc[7].tolist() == pytest.approx([2 / 3, 1.0, 1.0])

    def test_lists_without_a_good_recommendation_are_left_out_of_the_means(self):
        table = metrics([1, 1, 2, 2], [0.9, 0.1, 0.9, 0.1], [1, 0, 0, 0])
        assert table.index.tolist() == [1]
        assert ranking_metrics(groups=[1, 1, 2, 2], scores=[0.9, 0.1, 0.9, 0.1], labels=[1, 0, 0, 0]) == {
            "precision@3": pytest.approx(1 / 2),
            "recall@3": 1.0,
            "ndcg@3": 1.0,
            "groups": 1,
        }

    def test_precision_divides_by_the_list_length_when_it_is_shorter_than_three(self):
        assert metrics([3, 3], [0.2, 0.1], [1, 0]).loc[3, "precision@3"] == pytest.approx(1 / 2)

    def test_equal_scores_fall_by_the_tiebreak_the_same_for_every_scorer(self):
        first = metrics([1, 1, 1, 1], [0.5] * 4, [0, 0, 0, 1], tiebreak=np.array([3, 2, 1, 0]))
        last = metrics([1, 1, 1, 1], [0.5] * 4, [0, 0, 0, 1], tiebreak=np.array([0, 1, 2, 3]))
        assert first.loc[1, "ndcg@3"] == 1.0
        assert last.loc[1, "ndcg@3"] == 0.0

    def test_the_bootstrap_gain_brackets_the_mean_difference(self):
        first = pd.Series([1.0, 0.5, 1.0, 0.8])
        gain = ranking.bootstrap_gain(first, pd.Series([0.5, 0.5, 0.5, 0.5]))
        assert gain["mean"] == pytest.approx(0.325)
        assert 0 <= gain["low"] <= gain["mean"] <= gain["high"] <= 0.5


def outcome_rows(**changes):
    """One delivered recommendation that turned out good; ``changes`` make it something else."""
    delivered = datetime(2026, 3, 2, 9, tzinfo=UTC)
    row = {
        "id": 1, "employee_id": 1, "resource_id": 1, "skill_id": 1,
        "created_at": delivered - timedelta(hours=3), "delivered_at": delivered,
        "acted_at": delivered + timedelta(days=5), "completed_at": delivered + timedelta(days=20),
        "status": Recommendation.Status.COMPLETED, "current_level": 1.3, "flagged": False,
        "level_before": np.nan, "level_after": 2.0,
    }  # fmt: skip
    row.update(changes)
    frame = pd.DataFrame([row])
    for name in ("created_at", "delivered_at", "acted_at", "completed_at"):
        frame[name] = pd.to_datetime(frame[name], utc=True)
    return frame


class TestLabels:
    @pytest.mark.parametrize(
        "changes, outcome",
        [
            ({}, "good"),
            ({"flagged": True}, "flagged"),
            ({"status": Recommendation.Status.DISMISSED, "completed_at": None}, "dismissed"),
            ({"acted_at": datetime(2026, 4, 10, tzinfo=UTC)}, "not acted on in 30 days"),
            (
                {"acted_at": None, "completed_at": None, "status": Recommendation.Status.WITHDRAWN},
                "not acted on in 30 days",
            ),
            ({"completed_at": None, "status": Recommendation.Status.ACCEPTED}, "not completed"),
            ({"completed_at": datetime(2026, 8, 1, tzinfo=UTC)}, "not completed"),  # after the outcome window
            ({"level_after": np.nan}, "no rise"),
            ({"level_after": 1.0}, "no rise"),
            ({"level_before": 2.0}, "no rise"),  # the rating after only repeats the newest one before
            ({"level_before": 1.0, "current_level": 2.4}, "good"),  # measured from the rating, not the estimate
        ],
    )
    def test_each_outcome_gets_its_label(self, changes, outcome):
        labelled = outcome_labels.label_outcomes(outcome_rows(**changes))
        assert labelled["outcome"].item() == outcome
        assert labelled["label"].item() == (outcome == "good")


class TestTimeSplit:
    def frame(self, days):
        start = datetime(2025, 11, 20, tzinfo=UTC)
        return pd.DataFrame({"created_at": pd.to_datetime([start + timedelta(days=d) for d in days], utc=True)})

    def test_it_holds_out_whole_calendar_months_and_trains_only_on_earlier_rows(self):
        train, holdout, split_at = ranking.time_split(self.frame(range(0, 150, 3)), months=2)
        assert split_at == pd.Timestamp("2026-03-01", tz="UTC")
        assert train["created_at"].max() < split_at <= holdout["created_at"].min()
        assert len(train) + len(holdout) == 50

    def test_it_refuses_when_nothing_is_older_than_the_holdout(self):
        with pytest.raises(ranking.NotEnoughHistory):
            ranking.time_split(self.frame([0, 1, 2]), months=4)
        with pytest.raises(ranking.NotEnoughHistory):
            ranking.time_split(self.frame([]).iloc[:0], months=4)


class ModelFiles:
    """Model files go to a temporary folder, and no model stays loaded between tests."""

    def setUp(self):
        super().setUp()
        self.model_dir = Path(self.enterContext(tempfile.TemporaryDirectory()))
        self.enterContext(mock.patch.object(ranking, "MODEL_DIR", self.model_dir))
        self.enterContext(mock.patch.dict(scoring._loaded, clear=True))


def tiny_model():
    rng = np.random.default_rng(0)
    x = rng.random((60, len(FEATURES)))
    return LogisticRegression().fit(x, (x[:, 0] > 0.5).astype(int))


def model_run(**fields):
    values = {
        "version": "20260101-000000", "algorithm": "test", "rows": 0, "positives": 0,
        "features": FEATURES, "split_at": timezone.now(), "serving": True,
    }  # fmt: skip
    return ModelRun.objects.create(**{**values, **fields})


class TestActiveScorer(ModelFiles, TestCase):
    def test_the_heuristic_ranks_while_no_model_serves(self):
        model_run(serving=False, file=ranking.save_model(tiny_model(), version="20260101-000000"))
        assert scoring.active_scorer() == ("heuristic", heuristic_score)

    def test_the_heuristic_ranks_when_the_serving_model_file_is_missing(self):
        model_run(file="var/models/recommendation-gone.joblib")
        with self.assertLogs("recommendations.scoring", "WARNING"):
            assert scoring.active_scorer() == ("heuristic", heuristic_score)

    def test_the_heuristic_ranks_when_the_model_was_trained_on_other_features(self):
        run = model_run(file=ranking.save_model(tiny_model(), version="20260101-000000"))
        with (
            mock.patch.object(ranking, "FEATURES", [*FEATURES, "something_new"]),
            self.assertLogs("recommendations.scoring"),
        ):
            assert scoring.active_scorer()[0] == "heuristic"
        assert run.serving

    def test_a_serving_model_ranks_under_its_version(self):
        model_run(file=ranking.save_model(tiny_model(), version="20260101-000000"))
        name, score = scoring.active_scorer()
        candidates = pd.DataFrame(np.eye(2, len(FEATURES)), columns=FEATURES)
        assert name == "model-20260101-000000"
        assert score(candidates).shape == (2,) and ((score(candidates) >= 0) & (score(candidates) <= 1)).all()

    TUNED_WEIGHTS = {**HEURISTIC_WEIGHTS, "format_completion_rate": 0.5, "gap_rank": 0.1}

    def candidates(self):
        rng = np.random.default_rng(3)
        return pd.DataFrame(rng.random((20, len(FEATURES))) + 1.0, columns=FEATURES)

    def test_the_tuned_heuristic_ranks_while_no_model_serves_when_the_newest_run_chose_it(self):
        model_run(version="20260101-000000", serving=False, fallback=ModelRun.Fallback.FIXED)
        model_run(
            version="20260201-000000", serving=False, fallback=ModelRun.Fallback.TUNED,
            metrics={"tuned_heuristic_weights": self.TUNED_WEIGHTS},
        )  # fmt: skip
        name, score = scoring.active_scorer()
        assert name == "tuned-heuristic-20260201-000000"
        candidates = self.candidates()
        assert score(candidates) == pytest.approx(ranking.weighted_scorer(self.TUNED_WEIGHTS)(candidates))
        assert not np.allclose(score(candidates), heuristic_score(candidates))

    def test_the_fixed_heuristic_ranks_when_the_newest_run_kept_it(self):
        model_run(
            version="20260101-000000", serving=False, fallback=ModelRun.Fallback.TUNED,
            metrics={"tuned_heuristic_weights": self.TUNED_WEIGHTS},
        )  # fmt: skip
        model_run(version="20260201-000000", serving=False, fallback=ModelRun.Fallback.FIXED)
        assert scoring.active_scorer() == ("heuristic", heuristic_score)

    def test_a_serving_model_ranks_before_any_heuristic_and_the_tuned_one_stands_in_for_a_missing_file(self):
        run = model_run(
            fallback=ModelRun.Fallback.TUNED, metrics={"tuned_heuristic_weights": self.TUNED_WEIGHTS},
            file=ranking.save_model(tiny_model(), version="20260101-000000"),
        )  # fmt: skip
        assert scoring.active_scorer()[0] == "model-20260101-000000"
        scoring._loaded.clear()
        ModelRun.objects.filter(pk=run.pk).update(file="var/models/recommendation-gone.joblib")
        with self.assertLogs("recommendations.scoring", "WARNING"):
            assert scoring.active_scorer()[0] == "tuned-heuristic-20260101-000000"

    def test_without_history_training_and_evaluation_say_so(self):
        assert training_tasks.train_recommender_task() is None
        for command in ("train_recommender", "evaluate_recommendations"):
            with pytest.raises(CommandError, match="no labelled recommendations"):
                call_command(command, stdout=io.StringIO())


def build_demo_with_recommendation_history():
    """The pilot with its catalogue and recommendation history, whether or not ``generator.STEPS``
    lists those steps yet."""
    steps = list(generator.STEPS)
    if catalogue_step not in steps:
        steps.insert(steps.index(opportunities) + 1, catalogue_step)
    if recommendation_history not in steps:
        steps.insert(steps.index(catalogue_step) + 1, recommendation_history)
    with mock.patch.object(generator, "STEPS", steps):
        generator.build_demo()


@override_settings(PASSWORD_HASHERS=FAST_PASSWORDS)
class TestTrainingOnTheDemoHistory(ModelFiles, TestCase):
    """The demo's pilot history (seed 2026) as the training pipeline reads it. Whether the model
    wins there is one draw of a distribution: ``TestPlantedSignal`` and ``evaluate_recommendations
    --seeds`` test that; here only what holds for any seed."""

    @classmethod
    def setUpTestData(cls):
        with override_settings(PASSWORD_HASHERS=FAST_PASSWORDS):
            build_demo_with_recommendation_history()
        cls.frame = ranking.read_outcomes()
        cls.evaluation = ranking.evaluate(cls.frame)
        cls.strong = ranking.evaluate(synthetic_history(seed=1, strength=1.0), importances=False)

    def test_the_history_is_large_enough_and_every_recommendation_keeps_its_features(self):
        assert len(self.frame) >= ranking.MIN_TRAINING_ROWS
        assert self.frame["label"].sum() >= ranking.MIN_TRAINING_POSITIVES
        assert Flag.objects.filter(recommendation__isnull=False).exists()
        snapshot = Recommendation.objects.values_list("features", flat=True).first()
        assert set(snapshot) == set(FEATURES)

    def test_stored_outcomes_count_the_same_as_labelling_the_whole_history(self):
        now = timezone.now()
        everything = outcome_labels.outcome_rows_select(now=now).read()
        full = outcome_labels.learned_rates(outcome_labels.label_outcomes(everything))
        assert full["completion_seen"] > 0 and full["uplift_seen"] > 0
        Recommendation.objects.update(outcome="")
        # Stored as of two months ago; the windows closed since are labelled when read.
        assert 0 < outcome_labels.outcomes_label(now=now - timedelta(days=60)) < len(everything)
        rest = outcome_labels.outcome_rows_select(now=now, unlabelled_only=True).read()
        stored = outcome_labels.outcome_counts_select(now=now).read()
        assert 0 < len(rest) < len(everything)
        assert outcome_labels.learned_rates(outcome_labels.label_outcomes(rest), stored=stored) == full
        assert outcome_labels.outcomes_label(now=now) == len(rest)
        assert outcome_labels.outcome_rows_select(now=now, unlabelled_only=True).read().empty
        assert outcome_labels.outcomes_label(now=now) == 0  # nothing twice

    def test_timestamps_follow_each_other(self):
        frame = self.frame
        assert (frame["delivered_at"] > frame["created_at"]).all()
        acted = frame["acted_at"].notna()
        assert (frame.loc[acted, "acted_at"] > frame.loc[acted, "delivered_at"]).all()
        completed = frame["completed_at"].notna()
        assert (frame.loc[completed, "completed_at"] > frame.loc[completed, "acted_at"]).all()

    def test_the_time_split_has_no_look_ahead(self):
        train, holdout, split_at = ranking.time_split(self.frame, months=ranking.HOLDOUT_MONTHS)
        assert train["created_at"].max() < holdout["created_at"].min()
        assert train["created_at"].max() < split_at <= holdout["created_at"].min()
        assert self.evaluation.train_rows == len(train) and self.evaluation.holdout_rows == len(holdout)

    def test_every_scorer_is_measured_on_the_same_lists_with_their_counts(self):
        metrics = self.evaluation.metrics
        assert set(metrics) == {"model", *ranking.BASELINES}
        assert len({figures["groups"] for figures in metrics.values()}) == 1
        assert 0 < metrics["model"]["groups"] <= self.evaluation.holdout_lists
        assert self.evaluation.as_dict()["holdout"]["positives"] == self.evaluation.holdout_positives
        assert set(self.evaluation.gains) == set(ranking.BASELINES)

    def test_the_reliability_table_has_ten_deciles_of_rising_predictions_over_every_holdout_row(self):
        table = self.evaluation.reliability
        assert [row["decile"] for row in table] == list(range(1, 11))
        assert sum(row["rows"] for row in table) == self.evaluation.holdout_rows
        predicted = [row["predicted"] for row in table]
        assert predicted == sorted(predicted)
        assert all(0 <= row["observed"] <= row["taken_up"] <= 1 for row in table)

    def test_a_run_that_beats_the_heuristic_is_recorded_and_serves(self):
        run = ranking.model_run_record(evaluation=self.strong)
        assert run.serving and run.beats_heuristic
        assert (run.rows, run.positives, run.features) == (
            self.strong.train_rows,
            self.strong.train_positives,
            FEATURES,
        )
        assert run.split_at == self.strong.split_at.to_pydatetime()
        assert set(run.metrics["metrics"]) == {"model", *ranking.BASELINES}
        assert len(run.metrics["reliability"]) == 10
        assert (self.model_dir / f"recommendation-{run.version}.joblib").exists()
        assert scoring.active_scorer()[0] == f"model-{run.version}"

    def test_the_model_run_admin_page_shows_the_scorers_and_the_reliability_table(self):
        run = ranking.model_run_record(evaluation=self.strong)
        self.client.force_login(User.objects.create_superuser("admin", "admin@example.com", "x"))
        page = self.client.get(reverse("admin:recommendations_modelrun_change", args=[run.pk])).content.decode()
        assert "<th>tuned heuristic</th>" in page and "reliability" in page
        assert page.count("<td>10</td>") >= 1  # the tenth decile's row

    def declined(self, *, validation: float, fixed: float, tuned_holdout: float):
        """``self.strong`` with the model declined (its bootstrap interval reaches below zero) and
        the tuned weights' validation and held-out NDCG@3 as given."""
        metrics = {**self.strong.metrics, "tuned heuristic": {**self.strong.metrics["tuned heuristic"]}}
        metrics["tuned heuristic"]["ndcg@3"] = tuned_holdout
        return replace(
            self.strong,
            gains={**self.strong.gains, "heuristic": {"mean": 0.01, "low": -0.02, "high": 0.04}},
            tuning=ranking.Tuning(weights=self.TUNED, validation_ndcg=validation, fixed_validation_ndcg=fixed),
            metrics=metrics,
        )

    TUNED = {**HEURISTIC_WEIGHTS, "format_completion_rate": 0.5}

    def test_when_the_model_is_declined_the_tuned_heuristic_ranks_if_it_won_on_validation(self):
        fixed_holdout = self.strong.metrics["heuristic"]["ndcg@3"]
        run = ranking.model_run_record(evaluation=self.declined(validation=0.7, fixed=0.6, tuned_holdout=fixed_holdout))
        assert not run.serving and run.fallback == ModelRun.Fallback.TUNED
        assert "the tuned heuristic ranks (validation NDCG@3 0.700 against the fixed weights' 0.600" in run.notes
        assert scoring.active_scorer()[0] == f"tuned-heuristic-{run.version}"
        self.client.force_login(User.objects.create_superuser("admin", "admin@example.com", "x"))
        page = self.client.get(reverse("admin:recommendations_modelrun_change", args=[run.pk])).content.decode()
        assert "Which scorer ranks now" in page and "This run&#x27;s model does not serve" in page
        assert "the tuned heuristic ranks" in page

    def test_the_fixed_heuristic_ranks_when_the_tuned_one_lost_on_validation_or_held_out(self):
        fixed_holdout = self.strong.metrics["heuristic"]["ndcg@3"]
        lost = ranking.model_run_record(evaluation=self.declined(validation=0.6, fixed=0.6, tuned_holdout=1.0))
        assert lost.fallback == ModelRun.Fallback.FIXED and "no better on the validation months" in lost.notes
        worse = ranking.model_run_record(
            evaluation=self.declined(validation=0.7, fixed=0.6, tuned_holdout=fixed_holdout - 0.01)
        )
        assert worse.fallback == ModelRun.Fallback.FIXED and "worse on the held-out months" in worse.notes
        assert scoring.active_scorer() == ("heuristic", heuristic_score)

    def test_with_the_labels_shuffled_the_model_does_not_serve(self):
        serving = ranking.model_run_record(evaluation=self.strong)
        shuffled = self.frame.copy()
        order = np.random.default_rng(7).permutation(len(shuffled))
        for column in ("label", "outcome"):  # which recommendations turned out good, at random
            shuffled[column] = shuffled[column].to_numpy()[order]
        run = ranking.model_run_record(evaluation=ranking.evaluate(shuffled, importances=False))
        assert not run.beats_heuristic and not run.serving
        assert "does not beat the heuristic" in run.notes
        assert ranking.serving_run() == serving

    def test_a_new_serving_run_retires_the_older_one(self):
        older = ranking.model_run_record(evaluation=self.strong)
        newer = ranking.model_run_record(evaluation=self.strong)
        older.refresh_from_db()
        assert newer.version != older.version
        assert newer.serving and not older.serving

    def test_too_little_history_never_serves(self):
        with mock.patch.object(ranking, "MIN_TRAINING_POSITIVES", 10**6):
            run = ranking.model_run_record(evaluation=self.strong)
        assert run.beats_heuristic and not run.serving
        assert "Not enough history" in run.notes

    def test_the_step_adds_nothing_the_second_time(self):
        before = Recommendation.objects.count()
        ctx = Context(
            employees=40, seed=2026, rng=random.Random(2026), progress=None, summary=DemoSummary(40, 2026), spec=None
        )
        recommendation_history(ctx)
        assert Recommendation.objects.count() == before
        assert ctx.summary.tables["past recommendations"].unchanged > ranking.MIN_TRAINING_ROWS

    def test_evaluate_prints_the_four_scorers_side_by_side(self):
        out = io.StringIO()
        call_command("evaluate_recommendations", stdout=out)
        text = out.getvalue()
        for needle in (
            "model (",
            "heuristic (fixed weights)",
            "heuristic (weights tuned on training months)",
            "popularity",
            "precision@3",
            "recall@3",
            "NDCG@3",
            "lists in all",
            "Reliability",
            "format_completion_rate",
        ):
            assert needle in text
        assert not ModelRun.objects.exists()

    def test_evaluate_prints_valid_json_with_the_same_figures(self):
        out = io.StringIO()
        call_command("evaluate_recommendations", "--json", "--no-importances", stdout=out)
        data = json.loads(out.getvalue())
        assert data["metrics"] == self.evaluation.metrics
        assert data["features"] == FEATURES and data["train"]["rows"] == self.evaluation.train_rows
        assert data["holdout"]["lists"] == self.evaluation.holdout_lists and data["importances"] == []

    def test_train_recommender_records_a_run_and_dry_run_records_nothing(self):
        call_command("train_recommender", "--dry-run", stdout=io.StringIO())
        assert not ModelRun.objects.exists()
        out = io.StringIO()
        call_command("train_recommender", stdout=out)
        run = ModelRun.objects.get()
        assert run.version in out.getvalue() and "serving" in out.getvalue()
        assert Path(ranking.MODEL_DIR / f"recommendation-{run.version}.joblib").exists()

    def test_unless_serving_trains_only_when_no_model_serves_or_its_file_is_gone(self):
        first = ranking.model_run_record(evaluation=self.strong)
        out = io.StringIO()
        call_command("train_recommender", "--unless-serving", stdout=out)
        assert ModelRun.objects.count() == 1 and "already serves" in out.getvalue()
        ranking.model_path(first.version).unlink()
        call_command("train_recommender", "--unless-serving", stdout=io.StringIO())
        assert ModelRun.objects.count() == 2


@override_settings(PASSWORD_HASHERS=FAST_PASSWORDS)
class TestNegativeControlDemo(ModelFiles, TestCase):
    """The demo built with nothing planted (``seed_demo --planted-strength 0``): outcomes do not
    depend on any feature, so the serving rule must decline the model."""

    @classmethod
    def setUpTestData(cls):
        with override_settings(PASSWORD_HASHERS=FAST_PASSWORDS):
            generator.build_demo(planted=0.0)
        cls.evaluation = ranking.evaluate(ranking.read_outcomes(), importances=False)

    def test_the_serving_rule_declines_the_model(self):
        assert not self.evaluation.serves
        assert self.evaluation.gain["low"] <= 0

    def test_the_history_still_has_enough_rows_to_train_on(self):
        assert self.evaluation.enough_history


def test_the_catalogue_must_exist_before_the_history(db):
    assert not LearningResource.objects.exists()
    ctx = Context(employees=40, seed=1, rng=random.Random(1), progress=None, summary=DemoSummary(40, 1), spec=None)
    recommendation_history(ctx)
    assert not Recommendation.objects.exists()
    assert "catalogue is empty" in ctx.summary.notes[0]


# --- properties on synthetic histories ----------------------------------------------------------


def synthetic_history(*, seed: int, strength: float, people: int = 80, months: int = 10, per_list: int = 8):
    """A labelled history in ``read_outcomes``' shape with one planted preference of known
    strength: each person's true liking for each format (log-odds ``strength x 1.5 x liking``),
    of which ``format_completion_rate`` shows a noisy trace. Strength 0: labels are independent
    of every feature."""
    rng = np.random.default_rng(seed)
    kinds, resources = len(KINDS), 60
    liking = rng.standard_normal((people, kinds))
    resource_kind = rng.integers(0, kinds, resources)
    lists = people * months
    n = lists * per_list
    person = np.repeat(np.arange(people), months * per_list)
    month = np.tile(np.repeat(np.arange(months), per_list), people)
    resource = np.concatenate([rng.choice(resources, per_list, replace=False) for _ in range(lists)])
    kind = resource_kind[resource]
    features = {name: rng.random(n) for name in FEATURES}
    features.update(
        gap_rank=np.tile(np.arange(1, per_list + 1), lists).astype("float64"),
        gap_priority=rng.uniform(0, 0.3, n),
        level_fit=rng.choice([1.0, 0.6, 0.3], n, p=[0.7, 0.2, 0.1]),
        format_completion_rate=1 / (1 + np.exp(-(liking[person, kind] + 0.7 * rng.standard_normal(n)))),
        format_engagement=rng.uniform(0, 8, n),
        log_hours=rng.uniform(0.5, 4, n),
        gaps_covered=rng.integers(1, 3, n).astype("float64"),
        **{f"kind_{name}": (kind == code).astype("float64") for code, name in enumerate(KINDS)},
    )
    good = rng.random(n) < 1 / (1 + np.exp(-(-2.3 + strength * 1.5 * liking[person, kind])))
    start = pd.Timestamp("2025-01-01", tz="UTC")
    created = [start + pd.DateOffset(months=int(m)) for m in range(months)]
    frame = pd.DataFrame(features)[FEATURES].assign(
        employee_id=person + 1,
        resource_id=resource + 1,
        created_at=pd.DatetimeIndex(created)[month] + pd.to_timedelta(rng.uniform(0, 20, n), unit="D"),
        outcome=np.where(good, "good", rng.choice([*ranking.NOT_TAKEN, "no rise"], n)),
        label=good.astype("int64"),
    )
    return frame.sort_values("created_at", kind="stable").reset_index(drop=True)


class TestPlantedSignal:
    """What the evaluation must get right whatever the seed: find a planted preference, decline
    when there is none, and give intervals that mean what they say."""

    @pytest.mark.parametrize("seed", [11, 12])
    def test_the_model_recovers_a_planted_preference_of_known_strength_and_serves(self, seed):
        evaluation = ranking.evaluate(synthetic_history(seed=seed, strength=1.0), importances=False)
        assert evaluation.serves and evaluation.gain["low"] > 0.02
        weights = evaluation.coefficients
        assert max(weights, key=weights.get) == "format_completion_rate"

    def test_the_tuned_heuristic_finds_the_planted_feature_but_the_fixed_one_keeps_its_weights(self):
        evaluation = ranking.evaluate(synthetic_history(seed=13, strength=1.0), importances=False)
        tuned = evaluation.tuned_weights
        assert tuned["format_completion_rate"] > HEURISTIC_WEIGHTS["format_completion_rate"]
        assert evaluation.metrics["tuned heuristic"]["ndcg@3"] > evaluation.metrics["heuristic"]["ndcg@3"]

    def test_with_nothing_planted_the_serving_rule_declines_in_nearly_every_seed(self):
        served = [
            ranking.evaluate(synthetic_history(seed=seed, strength=0.0), importances=False).serves
            for seed in range(21, 25)
        ]
        assert sum(served) <= 1

    def test_the_bootstrap_interval_covers_the_true_difference_about_nine_times_in_ten(self):
        rng = np.random.default_rng(5)
        true_gain, covered, trials = 0.05, 0, 300
        for trial in range(trials):
            lists = 120
            model = pd.Series(rng.uniform(0, 1, lists))
            heuristic = model - true_gain + rng.normal(0, 0.3, lists)  # per-list differences average true_gain
            interval = ranking.bootstrap_gain(model, heuristic, samples=500, seed=trial)
            covered += interval["low"] <= true_gain <= interval["high"]
        assert 0.84 <= covered / trials <= 0.95  # a 90% interval

    def test_the_heuristic_terms_under_its_own_weights_give_its_score(self):
        frame = synthetic_history(seed=3, strength=0.0, people=5, months=2)
        assert np.allclose(ranking.weighted_scorer(dict(HEURISTIC_WEIGHTS))(frame), heuristic_score(frame))

    def test_the_reliability_table_of_a_calibrated_prediction_matches_what_happened(self):
        rng = np.random.default_rng(2)
        predicted = rng.uniform(0, 0.5, 20_000)
        good = rng.random(20_000) < predicted
        table = ranking.reliability_table(predicted=predicted, good=good, taken_up=good)
        assert len(table) == 10 and sum(row["rows"] for row in table) == 20_000
        assert all(abs(row["predicted"] - row["observed"]) < 0.03 for row in table)


# --- evaluation over many seeds -------------------------------------------------------------------


def seed_result(seed, strength, *, serves, gain=0.1):
    metrics = {
        scorer: {"precision@3": 0.4, "recall@3": 0.8, "ndcg@3": 0.7 + (gain if scorer == "model" else 0), "groups": 50}
        for scorer in ("model", *ranking.BASELINES)
    }
    evaluation = {
        "algorithm": "gradient boosting",
        "serves": serves,
        "metrics": metrics,
        "model_beats": dict.fromkeys(ranking.BASELINES, gain > 0),
        "ndcg_gain": {name: {"mean": gain, "low": gain - 0.05, "high": gain + 0.05} for name in ranking.BASELINES},
        "holdout": {"rows": 900, "positives": 80, "lists": 200, "lists_with_a_good_one": 50},
        "train": {"rows": 4000, "positives": 400},
        "reliability": [{"decile": 1, "rows": 90, "predicted": 0.05, "observed": 0.04, "taken_up": 0.1}],
    }
    return {"seed": seed, "strength": strength, "employees": 300, "evaluation": evaluation}


class TestSeedDistribution:
    def test_it_summarises_each_strength_with_spread_counts_and_the_goal(self):
        results = [seed_result(seed, 1.0, serves=seed != 3) for seed in range(1, 11)]
        results += [seed_result(seed, 0.0, serves=seed == 1, gain=-0.01) for seed in range(1, 11)]
        results.append({"seed": 11, "strength": 0.0, "employees": 300, "error": "seed_demo failed"})
        planted, control = seed_evaluation.summarise(results)
        assert (planted["strength"], planted["role"], planted["serves"], planted["evaluated"]) == (
            1.0,
            "planted",
            9,
            10,
        )
        assert control["role"] == "negative control" and control["serves"] == 1 and control["failed"][0]["seed"] == 11
        assert planted["metrics"]["model"]["ndcg@3"] == {"n": 10, "mean": 0.8, "sd": 0.0, "min": 0.8, "max": 0.8}
        assert planted["model_beats"] == dict.fromkeys(ranking.BASELINES, 10)
        assert planted["holdout"]["lists_with_a_good_one"]["mean"] == 50
        assert planted["reliability"] == [
            {"decile": 1, "rows": 900, "predicted": 0.05, "observed": 0.04, "taken_up": 0.1}
        ]
        verdict = seed_evaluation.goal_verdict([planted, control])
        assert verdict["planted"]["met"] and verdict["control"]["met"]

    def test_each_seed_is_built_and_evaluated_in_a_throwaway_database(self):
        calls = []

        def manage(*args, database):
            calls.append((args[0], database.name))
            database.touch()
            if args[0] == "evaluate_recommendations":
                return json.dumps(seed_result(0, 1.0, serves=True)["evaluation"])
            return ""

        runs = [
            seed_evaluation.Run(seed=seed, strength=strength, employees=40)
            for strength in (1.0, 0.0)
            for seed in (1, 2)
        ]
        with mock.patch.object(seed_evaluation, "_manage", side_effect=manage):
            results = seed_evaluation.evaluate_seeds(runs)
        assert calls[0] == ("migrate", "template.sqlite3")
        assert [name for name, _ in calls[1:]] == ["seed_demo", "evaluate_recommendations"] * 4
        assert len({database for _, database in calls}) == 5
        assert [(r["seed"], r["strength"], r["evaluation"]["serves"]) for r in results] == [
            (1, 1.0, True), (2, 1.0, True), (1, 0.0, True), (2, 0.0, True),
        ]  # fmt: skip

    def test_the_command_prints_the_distribution_and_the_goal(self):
        results = [seed_result(seed, s, serves=s == 1.0) for s in (1.0, 0.0) for seed in (1, 2)]
        out = io.StringIO()
        with mock.patch.object(seed_evaluation, "evaluate_seeds", return_value=results):
            call_command("evaluate_recommendations", "--seeds", "2", stdout=out, stderr=io.StringIO())
        text = out.getvalue()
        assert "Planted strength 1 (planted): 2 seeds" in text and "negative control" in text
        assert "serves it in 2/2 seeds" in text and "serves it in 0/2 seeds" in text
        assert "Goal (planted: serves at least 9 in 10): 2/2, met." in text
        out = io.StringIO()
        with mock.patch.object(seed_evaluation, "evaluate_seeds", return_value=results):
            call_command("evaluate_recommendations", "--seeds", "2", "--json", stdout=out, stderr=io.StringIO())
        data = json.loads(out.getvalue())
        assert [c["strength"] for c in data["conditions"]] == [1.0, 0.0] and data["goal"]["control"]["met"]
