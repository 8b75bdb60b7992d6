"""The learned ranking of learning recommendations: trained on what became of past ones, and
serving only while it beats the transparent heuristic on later data it never saw.

A training run (``train_recommender``), in order:

1. ``read_outcomes``: every delivered recommendation whose outcome window (``OUTCOME_DAYS``
   after delivery) has closed, with the feature values it was made from
   (``Recommendation.features``, taken when it was made, so nothing later leaks in), labelled by
   ``label_outcomes``:

   * 1, good: acted on within 30 days of delivery, completed, and the first manager or
     assessment rating in the skill within 90 days after completing is a level above the level
     before (the newest such rating at or before completing, else the level it was made for);
   * 0 otherwise: flagged by a manager or HR, dismissed, not acted on within 30 days, not
     completed, or completed with no rise.

2. ``time_split``: train on recommendations made before ``split_at``, hold out the last
   ``HOLDOUT_MONTHS`` calendar months. Inside the training rows, the last ``VALIDATION_MONTHS``
   months choose between the candidate models, so the holdout decides only the verdict.
3. ``fit_ranker``: a calibrated logistic regression and a histogram gradient-boosting classifier
   over ``picking.FEATURES``; the one with the better validation NDCG@3 is refitted on all
   training rows. Both are reported, with their holdout figures.
4. ``evaluate``: on the holdout, each (employee, month) group of delivered recommendations is
   ranked by the model, by the heuristic (``heuristic.heuristic_score``), by the same heuristic
   with weights tuned on the training rows by the same validation split (``tune_heuristic``)
   and by popularity (each resource's share of recommendations taken up and completed in the
   training rows); precision@3, recall@3 and NDCG@3 are averaged over the groups with a good
   recommendation, beside how many lists and good outcomes there are, and the model's
   predictions are set against what happened per decile (``reliability_table``).
   ``seed_evaluation`` repeats all this over many demo histories and a negative control.
5. ``model_run_record``: the model is saved as ``var/models/recommendation-<version>.joblib``
   under the project and a ``ModelRun`` records rows, positives, features, split, metrics and
   the verdict. It serves only when it beats the heuristic (a higher holdout NDCG@3, with the
   5th percentile of a paired bootstrap over groups above zero, so the gain is not luck) and
   there is enough history (``MIN_TRAINING_ROWS`` training rows, ``MIN_TRAINING_POSITIVES`` of
   them good); a new serving run retires the older ones.
"""

from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import sklearn
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from .engine.heuristic import HEURISTIC_WEIGHTS, heuristic_score
from .engine.picking import FEATURES, Scorer
from .engine.ranking_metrics import (
    SEED,
    K,
    bootstrap_gain,
    group_means,
    group_metrics,
)
from .models import ModelRun
from .outcome_labels import NOT_TAKEN, NotEnoughHistory, month_groups, read_outcomes, time_split
from .scoring import fallback_note

HOLDOUT_MONTHS = 4
VALIDATION_MONTHS = 3
MIN_TO_FIT = 10
"""Good and other outcomes each needed to fit at all (and record a run that does not serve)."""
MIN_TRAINING_ROWS = 1_000
MIN_TRAINING_POSITIVES = 100
"""History needed for a model to serve, however well it does."""
POPULARITY_PRIOR = 5.0
"""A resource's popularity counts like this many recommendations at the overall rate."""
MODEL_DIR = Path(settings.BASE_DIR) / "var" / "models"


# --- the scorers -----------------------------------------------------------------------------


def model_scorer(model) -> Scorer:
    """A fitted classifier as a scorer: the chance that the recommendation turns out good."""

    def score(candidates: pd.DataFrame) -> np.ndarray:
        return model.predict_proba(candidates[FEATURES].to_numpy(dtype="float64"))[:, 1]

    return score


def popularity_rates(frame: pd.DataFrame) -> pd.Series:
    """Each resource's share of its recommendations taken up within 30 days and completed,
    smoothed toward the overall share (``POPULARITY_PRIOR``); ``attrs["overall"]`` holds that."""
    taken = pd.Series(~frame["outcome"].isin(NOT_TAKEN).to_numpy(), index=frame["resource_id"].to_numpy())
    overall = float(taken.mean()) if len(taken) else 0.0
    grouped = taken.groupby(level=0)
    rates = (grouped.sum() + POPULARITY_PRIOR * overall) / (grouped.size() + POPULARITY_PRIOR)
    rates.attrs["overall"] = overall
    return rates


def popularity_scorer(rates: pd.Series) -> Scorer:
    """Ranks by ``popularity_rates``; a resource nobody had yet gets the overall share."""
    overall = rates.attrs.get("overall", 0.0)

    def score(candidates: pd.DataFrame) -> np.ndarray:
        return candidates["resource_id"].map(rates).fillna(overall).to_numpy(dtype="float64")

    return score


def heuristic_terms(candidates: pd.DataFrame) -> np.ndarray:
    """The heuristic's terms (rows x HEURISTIC_WEIGHTS, in its order), each as
    ``heuristic.heuristic_score`` shapes it: ``heuristic_terms(x) @ weights`` is that score."""

    def column(name: str) -> np.ndarray:
        return candidates[name].to_numpy(dtype="float64")

    terms = {
        "gap_rank": 1.0 / np.maximum(column("gap_rank"), 1.0),
        "resource_uplift": np.clip(column("resource_uplift"), 0.0, 1.0),
        "gaps_covered": np.clip(column("gaps_covered") - 1.0, 0.0, 2.0),
        "format_engagement": np.minimum(column("format_engagement") / np.log1p(240.0), 1.0),
    }
    return np.column_stack([terms[name] if name in terms else column(name) for name in HEURISTIC_WEIGHTS])


def weighted_scorer(weights: dict[str, float]) -> Scorer:
    """The heuristic's terms under other weights (``tune_heuristic``)."""
    vector = np.array([weights[name] for name in HEURISTIC_WEIGHTS], dtype="float64")

    def score(candidates: pd.DataFrame) -> np.ndarray:
        return heuristic_terms(candidates) @ vector

    return score


TUNING_FACTORS = (0.0, 0.25, 0.5, 2.0, 4.0)
"""What each weight is multiplied by in a step of the tuning search (the sign is kept)."""
TUNING_PASSES = 2


def _coordinate_search(frame: pd.DataFrame) -> dict[str, float]:
    """Weights that raise the mean NDCG@3 on ``frame``: from the fixed ones, each weight in turn
    is multiplied by each of TUNING_FACTORS and the best kept (only a strict gain moves it)."""
    terms, groups, labels, tiebreak = heuristic_terms(frame), month_groups(frame), frame["label"], _tiebreak(frame)
    weights = np.array(list(HEURISTIC_WEIGHTS.values()), dtype="float64")

    def objective(vector: np.ndarray) -> float:
        table = group_metrics(groups=groups, scores=terms @ vector, labels=labels, tiebreak=tiebreak)
        return float(table[f"ndcg@{K}"].mean()) if len(table) else 0.0

    best = objective(weights)
    for _ in range(TUNING_PASSES):
        for j in range(len(weights)):
            base = weights[j] if weights[j] != 0 else list(HEURISTIC_WEIGHTS.values())[j]
            for factor in TUNING_FACTORS:
                trial = weights.copy()
                trial[j] = base * factor
                value = objective(trial)
                if value > best + 1e-12:
                    best, weights = value, trial
    return dict(zip(HEURISTIC_WEIGHTS, weights.round(4).tolist(), strict=True))


@dataclass(frozen=True)
class Tuning:
    """The heuristic's weights tuned on the training months (``tune_heuristic``) and how they
    did on the validation months against the fixed ones."""

    weights: dict[str, float]  # the tuned weights, or the fixed ones when tuning did not beat them
    validation_ndcg: float  # the weights found before the validation months, on those months
    fixed_validation_ndcg: float  # the fixed weights on the same months

    @property
    def beats_fixed(self) -> bool:
        return self.validation_ndcg > self.fixed_validation_ndcg

    def as_dict(self) -> dict:
        return {
            "validation_ndcg": self.validation_ndcg,
            "fixed_validation_ndcg": self.fixed_validation_ndcg,
            "beats_fixed_on_validation": self.beats_fixed,
        }


def tune_heuristic(train: pd.DataFrame) -> Tuning:
    """The heuristic's weights tuned on the training rows by the model's validation split: search
    on the rows before the validation months (``_coordinate_search``); if the weights found beat
    the fixed ones on the validation months, search again on all training rows and keep those,
    else the fixed weights. The fair transparent baseline: the model is fitted, so is it."""
    fit_part, validation = _validation_split(train)
    found = _coordinate_search(fit_part)

    def validation_ndcg(weights: dict[str, float]) -> float:
        return float(_group_metrics(validation, weighted_scorer(weights)(validation))[f"ndcg@{K}"].mean())

    tuning = Tuning(
        weights=dict(HEURISTIC_WEIGHTS),
        validation_ndcg=validation_ndcg(found),
        fixed_validation_ndcg=validation_ndcg(dict(HEURISTIC_WEIGHTS)),
    )
    if tuning.beats_fixed:
        return Tuning(
            weights=_coordinate_search(train),
            validation_ndcg=tuning.validation_ndcg,
            fixed_validation_ndcg=tuning.fixed_validation_ndcg,
        )
    return tuning


# --- fitting ---------------------------------------------------------------------------------


def candidate_models() -> dict[str, object]:
    """The two model families tried, unfitted."""
    return {
        "calibrated logistic regression": CalibratedClassifierCV(
            make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2_000)), method="sigmoid", cv=3
        ),
        "gradient boosting": HistGradientBoostingClassifier(
            learning_rate=0.05, max_iter=200, max_leaf_nodes=15, min_samples_leaf=40, l2_regularization=1.0,
            early_stopping=False, random_state=SEED,
        ),
    }  # fmt: skip


def _fit(model, frame: pd.DataFrame):
    return model.fit(frame[FEATURES].to_numpy(dtype="float64"), frame["label"].to_numpy(dtype="int64"))


def _tiebreak(frame: pd.DataFrame) -> np.ndarray:
    """A fixed random order for equal scores, the same for every scorer."""
    return np.random.default_rng(SEED).permutation(len(frame))


def _group_metrics(frame: pd.DataFrame, scores: np.ndarray) -> pd.DataFrame:
    return group_metrics(groups=month_groups(frame), scores=scores, labels=frame["label"], tiebreak=_tiebreak(frame))


def _validation_split(train: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rows before the last VALIDATION_MONTHS of ``train``, those months); both ``train`` when
    there is too little history to hold months back."""
    try:
        fit_part, validation, _ = time_split(train, months=VALIDATION_MONTHS)
    except NotEnoughHistory:
        return train, train
    if fit_part["label"].nunique() < 2 or validation["label"].sum() == 0:
        return train, train
    return fit_part, validation


@dataclass
class Ranker:
    """The chosen model and the other candidates, all fitted on every training row."""

    algorithm: str
    models: dict[str, object]  # candidate -> fitted model
    validation: dict[str, float] = field(default_factory=dict)  # candidate -> NDCG@3 on the validation months

    @property
    def model(self):
        return self.models[self.algorithm]


def fit_ranker(train: pd.DataFrame) -> Ranker:
    """Fit each candidate on the training rows before the validation months, keep the better
    validation NDCG@3 (the first listed on a tie), then refit every candidate on all rows."""
    fit_part, validation = _validation_split(train)
    scores = {
        name: float(_group_metrics(validation, model_scorer(_fit(model, fit_part))(validation))[f"ndcg@{K}"].mean())
        for name, model in candidate_models().items()
    }
    best = max(scores, key=lambda name: scores[name])
    return Ranker(
        algorithm=best,
        models={name: _fit(model, train) for name, model in candidate_models().items()},
        validation=scores,
    )


# --- one evaluation --------------------------------------------------------------------------

BASELINES = ("heuristic", "tuned heuristic", "popularity")
FIXED, TUNED = ModelRun.Fallback.FIXED, ModelRun.Fallback.TUNED
RELIABILITY_BINS = 10


@dataclass
class Evaluation:
    """A trained ranker compared with the baselines on the held-out months."""

    ranker: Ranker
    split_at: pd.Timestamp
    train_rows: int
    train_positives: int
    holdout_rows: int
    holdout_positives: int
    holdout_lists: int  # (employee, month) lists held out, with a good recommendation or not
    outcomes: dict[str, int]  # training rows by outcome
    metrics: dict[str, dict]  # "model" and each of BASELINES -> metric -> value, and "groups"
    candidates: dict[str, dict]  # each candidate model's validation and holdout NDCG@3
    gains: dict[str, dict]  # baseline -> model minus baseline NDCG@3 per list: mean, bootstrap 5th and 95th percentiles
    tuning: Tuning  # the tuned heuristic's weights and validation figures (``tune_heuristic``)
    reliability: list[dict]  # the model's predicted chance of a good outcome against what happened, per decile
    importances: list[dict]  # what the model leans on: holdout ROC AUC lost when a feature is shuffled
    coefficients: dict[str, float]  # the logistic regression's weights on standardised features

    @property
    def gain(self) -> dict:
        """Model minus the fixed heuristic (the scorer that ranks when the model does not)."""
        return self.gains["heuristic"]

    @property
    def enough_history(self) -> bool:
        return self.train_rows >= MIN_TRAINING_ROWS and self.train_positives >= MIN_TRAINING_POSITIVES

    def beats(self, baseline: str) -> bool:
        """A higher holdout NDCG@3 than ``baseline`` (not yet a verdict: see ``beats_heuristic``)."""
        key = f"ndcg@{K}"
        return self.metrics["model"][key] > self.metrics[baseline][key]

    @property
    def beats_heuristic(self) -> bool:
        """The serving rule's test: a higher NDCG@3 than the heuristic that would rank instead,
        with the 5th percentile of the paired bootstrap above zero."""
        return self.beats("heuristic") and self.gain["low"] > 0

    @property
    def serves(self) -> bool:
        return self.beats_heuristic and self.enough_history

    @property
    def tuned_weights(self) -> dict[str, float]:
        return self.tuning.weights

    @property
    def tuned_heuristic_ranks(self) -> bool:
        """Whether the tuned heuristic, not the fixed one, ranks while the model does not serve:
        its weights beat the fixed ones on the validation months (the months the model is chosen
        on) and do no worse on the held-out months."""
        key = f"ndcg@{K}"
        return self.tuning.beats_fixed and self.metrics["tuned heuristic"][key] >= self.metrics["heuristic"][key]

    @property
    def fallback(self) -> str:
        """The scorer that ranks while the model does not serve: ``TUNED`` or ``FIXED``."""
        return TUNED if self.tuned_heuristic_ranks else FIXED

    def as_dict(self) -> dict:
        return {
            "algorithm": self.ranker.algorithm,
            "split_at": self.split_at.isoformat(),
            "train": {"rows": self.train_rows, "positives": self.train_positives, "outcomes": self.outcomes},
            "holdout": {
                "rows": self.holdout_rows,
                "positives": self.holdout_positives,
                "lists": self.holdout_lists,
                "lists_with_a_good_one": self.metrics["model"]["groups"],
                "months": HOLDOUT_MONTHS,
            },
            "features": list(FEATURES),
            "metrics": self.metrics,
            "candidates": self.candidates,
            "ndcg_gain": self.gains,
            "ndcg_gain_over_heuristic": self.gain,
            "model_beats": {baseline: self.beats(baseline) for baseline in BASELINES},
            "beats_heuristic": self.beats_heuristic,
            "enough_history": self.enough_history,
            "serves": self.serves,
            "tuned_heuristic_weights": self.tuned_weights,
            "tuned_heuristic": {**self.tuning.as_dict(), "ranks_when_the_model_does_not": self.tuned_heuristic_ranks},
            "reliability": self.reliability,
            "importances": self.importances,
            "logistic_coefficients": self.coefficients,
        }


def evaluate(frame: pd.DataFrame, *, importances: bool = True) -> Evaluation:
    """Split ``frame`` (from ``read_outcomes``) in time, fit on the earlier rows, and compare the
    model with the baselines on the later ones (``importances=False`` skips the slowest part,
    the permutation importances, for evaluations over many seeds).

    On one thread: for a few thousand rows threads cost more than they save, and the task worker
    shares its machine.
    """
    with threadpool_limits(limits=1):
        return _evaluate(frame, importances=importances)


def _evaluate(frame: pd.DataFrame, *, importances: bool) -> Evaluation:
    train, holdout, split_at = time_split(frame, months=HOLDOUT_MONTHS)
    good = int(train["label"].sum())
    if min(good, len(train) - good) < MIN_TO_FIT:
        raise NotEnoughHistory(
            f"The {len(train)} training rows have {good} good outcomes: fitting needs {MIN_TO_FIT} of each kind."
        )
    ranker = fit_ranker(train)
    tuning = tune_heuristic(train)
    predicted = model_scorer(ranker.model)(holdout)
    scorers = {
        "heuristic": heuristic_score,
        "tuned heuristic": weighted_scorer(tuning.weights),
        "popularity": popularity_scorer(popularity_rates(train)),
    }
    per_group = {"model": _group_metrics(holdout, predicted)}
    per_group.update({name: _group_metrics(holdout, scorer(holdout)) for name, scorer in scorers.items()})
    key = f"ndcg@{K}"
    logistic = next((model for name, model in ranker.models.items() if "logistic" in name), None)
    return Evaluation(
        ranker=ranker,
        split_at=split_at,
        train_rows=len(train),
        train_positives=good,
        holdout_rows=len(holdout),
        holdout_positives=int(holdout["label"].sum()),
        holdout_lists=len(np.unique(month_groups(holdout))),
        outcomes={str(name): int(count) for name, count in train["outcome"].value_counts().items()},
        metrics={name: group_means(table) for name, table in per_group.items()},
        candidates={
            name: {
                "validation_ndcg": ranker.validation[name],
                "holdout_ndcg": float(_group_metrics(holdout, model_scorer(model)(holdout))[key].mean()),
            }
            for name, model in ranker.models.items()
        },
        gains={name: bootstrap_gain(per_group["model"][key], per_group[name][key]) for name in BASELINES},
        tuning=tuning,
        reliability=reliability_table(
            predicted=predicted,
            good=holdout["label"].to_numpy(),
            taken_up=~holdout["outcome"].isin(NOT_TAKEN).to_numpy(),
        ),
        importances=permutation_importances(ranker.model, holdout) if importances else [],
        coefficients=logistic_coefficients(logistic) if logistic is not None else {},
    )


def reliability_table(*, predicted, good, taken_up, bins: int = RELIABILITY_BINS) -> list[dict]:
    """Calibration, one row per decile of the predicted chance of a good outcome (lowest first):
    rows, mean predicted, observed share good, observed share taken up (acted on within 30 days
    and completed). A calibrated model has predicted close to observed in every row."""
    predicted = np.asarray(predicted, dtype="float64")
    if len(predicted) == 0:
        return []
    decile = np.minimum((np.argsort(np.argsort(predicted, kind="stable")) * bins) // len(predicted), bins - 1)
    table = pd.DataFrame({"decile": decile + 1, "predicted": predicted, "observed": good, "taken_up": taken_up}).astype(
        {"observed": "float64", "taken_up": "float64"}
    )
    grouped = table.groupby("decile")
    rows = grouped.size()
    means = grouped[["predicted", "observed", "taken_up"]].mean()
    return [
        {
            "decile": int(d),
            "rows": int(rows[d]),
            "predicted": round(float(means.at[d, "predicted"]), 4),
            "observed": round(float(means.at[d, "observed"]), 4),
            "taken_up": round(float(means.at[d, "taken_up"]), 4),
        }
        for d in rows.index
    ]


def permutation_importances(model, holdout: pd.DataFrame, *, top: int = 8) -> list[dict]:
    """The holdout ROC AUC the model loses when each feature is shuffled, the largest first."""
    if holdout["label"].nunique() < 2:
        return []
    x, y = holdout[FEATURES].to_numpy(dtype="float64"), holdout["label"].to_numpy(dtype="int64")
    result = permutation_importance(model, x, y, scoring="roc_auc", n_repeats=5, random_state=SEED)
    order = np.argsort(-result.importances_mean)[:top]
    return [
        {
            "feature": FEATURES[i],
            "auc_drop": float(result.importances_mean[i]),
            "spread": float(result.importances_std[i]),
        }
        for i in order
    ]


def logistic_coefficients(calibrated) -> dict[str, float]:
    """The logistic regression's weights on standardised features, averaged over the calibration
    folds, largest first: positive makes a good outcome likelier."""
    weights = np.mean(
        [fold.estimator.named_steps["logisticregression"].coef_[0] for fold in calibrated.calibrated_classifiers_],
        axis=0,
    )
    return {FEATURES[i]: round(float(weights[i]), 3) for i in np.argsort(-np.abs(weights))}


# --- the model file and the ModelRun ---------------------------------------------------------


def model_path(version: str) -> Path:
    return MODEL_DIR / f"recommendation-{version}.joblib"


def save_model(model, *, version: str) -> str:
    """Write the model file; returns the path stored on the run (relative to the project when under it)."""
    path = model_path(version)
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump({"model": model, "features": list(FEATURES), "version": version, "sklearn": sklearn.__version__}, path)
    try:
        return str(path.relative_to(settings.BASE_DIR))
    except ValueError:
        return str(path)


def load_model(run: ModelRun):
    """The fitted model of ``run``. Raises when the file is missing or unreadable (OSError,
    unpickling errors) or was trained on other features than the engine computes (ValueError)."""
    path = Path(run.file)
    stored = joblib.load(path if path.is_absolute() else Path(settings.BASE_DIR) / path)
    if stored.get("features") != list(FEATURES):
        raise ValueError(f"Model {run.version} was trained on other features than the engine computes now.")
    return stored["model"]


def serving_run() -> ModelRun | None:
    return ModelRun.objects.filter(serving=True).order_by("-trained_at", "-pk").first()


def latest_run() -> ModelRun | None:
    """The newest training run: its ``fallback`` says which heuristic ranks while no model serves."""
    return ModelRun.objects.order_by("-trained_at", "-pk").first()


def _new_version(now) -> str:
    base = now.strftime("%Y%m%d-%H%M%S")
    taken = set(ModelRun.objects.filter(version__startswith=base).values_list("version", flat=True))
    number = 1
    version = base
    while version in taken:
        number += 1
        version = f"{base}-{number}"
    return version


@transaction.atomic
def model_run_record(*, evaluation: Evaluation, now=None) -> ModelRun:
    """Save the model file and record the run; when it serves, older runs stop serving."""
    version = _new_version(now or timezone.now())
    notes = [
        f"{evaluation.ranker.algorithm} chosen on validation NDCG@{K} ("
        + ", ".join(f"{name} {score:.3f}" for name, score in evaluation.ranker.validation.items())
        + ")."
    ]
    if not evaluation.enough_history:
        notes.append(
            f"Not enough history to serve: {evaluation.train_rows} training rows, {evaluation.train_positives} good "
            f"(needs {MIN_TRAINING_ROWS} and {MIN_TRAINING_POSITIVES})."
        )
    if not evaluation.beats_heuristic:
        notes.append("It does not beat the heuristic on the holdout.")
    notes.append(fallback_note(evaluation.as_dict()))
    run = ModelRun(
        version=version,
        algorithm=evaluation.ranker.algorithm,
        rows=evaluation.train_rows,
        positives=evaluation.train_positives,
        features=list(FEATURES),
        split_at=evaluation.split_at.to_pydatetime(),
        metrics=evaluation.as_dict(),
        beats_heuristic=evaluation.beats_heuristic,
        serving=evaluation.serves,
        fallback=evaluation.fallback,
        file=save_model(evaluation.ranker.model, version=version),
        notes=" ".join(notes),
    )
    run.full_clean()
    run.save()
    if run.serving:
        ModelRun.objects.filter(serving=True).exclude(pk=run.pk).update(serving=False)
    return run


def train_recommender(*, now=None) -> ModelRun:
    """Read the labelled history, train and evaluate, save and record (the module docstring).

    Raises ``NotEnoughHistory`` when there is nothing to train on yet.
    """
    now = now or timezone.now()
    return model_run_record(evaluation=evaluate(read_outcomes(now=now)), now=now)
