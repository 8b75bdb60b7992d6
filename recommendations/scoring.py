"""Which scorer ranks learning recommendations: a trained model while one is serving
(``ModelRun.serving``, see ``ranking``); otherwise the transparent heuristic, with the weights
tuned on the training months when the newest training run found them better
(``ModelRun.fallback``), else with its fixed weights.

The model module (scikit-learn) is imported only when a model is asked for, so processes that
never rank learning do not pay for it.
"""

import logging

from .engine.heuristic import heuristic_score
from .engine.picking import Scorer

logger = logging.getLogger(__name__)

HEURISTIC = "heuristic"
POPULARITY = "popularity"
MODEL_PREFIX = "model-"
"""A trained model's scorer name: ``model-<version>``."""
TUNED_PREFIX = "tuned-heuristic-"
"""The tuned heuristic's scorer name: ``tuned-heuristic-<version of the run that tuned it>``."""

_loaded: dict[str, Scorer] = {}
"""Model scorers by version: a model file is read once per process."""


def active_scorer() -> tuple[str, Scorer]:
    """The scorer's name (stored on each ``Recommendation.scorer``) and the callable.

    ``("model-<version>", its scorer)`` while a run serves and its file loads; otherwise
    ``heuristic_scorer()``.
    """
    from .ranking import load_model, model_scorer, serving_run

    run = serving_run()
    if run is None:
        return heuristic_scorer()
    scorer = _loaded.get(run.version)
    if scorer is None:
        try:
            scorer = model_scorer(load_model(run))
        except Exception:  # a missing, unreadable or outdated file: any failure falls back
            logger.warning(
                "Model %s (%s) cannot be loaded; the heuristic ranks instead.", run.version, run.file, exc_info=True
            )
            return heuristic_scorer()
        _loaded[run.version] = scorer
    return f"{MODEL_PREFIX}{run.version}", scorer


def heuristic_scorer() -> tuple[str, Scorer]:
    """The heuristic that ranks while no model serves: ``("tuned-heuristic-<version>", its
    weights)`` when the newest training run chose the tuned weights, else ``("heuristic",
    heuristic_score)`` (also before any run, and when the run's weights are not the heuristic's
    terms of today)."""
    from .engine.heuristic import HEURISTIC_WEIGHTS
    from .models import ModelRun
    from .ranking import latest_run, weighted_scorer

    run = latest_run()
    if run is None or run.fallback != ModelRun.Fallback.TUNED:
        return HEURISTIC, heuristic_score
    weights = (run.metrics or {}).get("tuned_heuristic_weights") or {}
    if set(weights) != set(HEURISTIC_WEIGHTS):
        logger.warning("Run %s's tuned weights are not the heuristic's terms; the fixed ones rank.", run.version)
        return HEURISTIC, heuristic_score
    return f"{TUNED_PREFIX}{run.version}", weighted_scorer({name: float(value) for name, value in weights.items()})


def popularity_scorer() -> tuple[str, Scorer]:
    """The popularity baseline: each resource's share of recommendations taken up within 30 days
    and completed, over every labelled recommendation so far (``ranking.popularity_rates``)."""
    from .ranking import popularity_rates, read_outcomes
    from .ranking import popularity_scorer as rates_scorer

    return POPULARITY, rates_scorer(popularity_rates(read_outcomes()))


def fallback_note(metrics: dict) -> str:
    """Which heuristic ranks while the model does not serve, and why, from a run's metrics."""
    tuned = metrics.get("tuned_heuristic") or {}
    validation, fixed = tuned.get("validation_ndcg"), tuned.get("fixed_validation_ndcg")
    if validation is None or fixed is None:
        return "The fixed heuristic ranks while the model does not serve."
    key = "ndcg@3"
    held_out = metrics.get("metrics", {})
    tuned_holdout = held_out.get("tuned heuristic", {}).get(key, 0.0)
    fixed_holdout = held_out.get("heuristic", {}).get(key, 0.0)
    figures = (
        f"validation NDCG@3 {validation:.3f} against the fixed weights' {fixed:.3f}, "
        f"held out {tuned_holdout:.3f} against {fixed_holdout:.3f}"
    )
    if tuned.get("ranks_when_the_model_does_not"):
        return f"While the model does not serve, the tuned heuristic ranks ({figures})."
    reason = "no better on the validation months" if validation <= fixed else "worse on the held-out months"
    return f"While the model does not serve, the fixed heuristic ranks: the tuned weights were {reason} ({figures})."
