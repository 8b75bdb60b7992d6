"""Which scorer ranks learning recommendations: the transparent heuristic, or a trained model
while one is serving (``ModelRun.serving``, see ``ranking``).

The model module (scikit-learn) is imported only when a model is asked for, so processes that
never rank learning do not pay for it.
"""

import logging

from .engine.picking import Scorer, heuristic_score

logger = logging.getLogger(__name__)

HEURISTIC = "heuristic"
POPULARITY = "popularity"
MODEL_PREFIX = "model-"
"""A trained model's scorer name: ``model-<version>``."""

_loaded: dict[str, Scorer] = {}
"""Model scorers by version: a model file is read once per process."""


def active_scorer() -> tuple[str, Scorer]:
    """The scorer's name (stored on each ``Recommendation.scorer``) and the callable.

    ``("model-<version>", its scorer)`` while a run serves and its file loads; otherwise, and
    until there is enough history to train on, ``("heuristic", heuristic_score)``.
    """
    from .ranking import load_model, model_scorer, serving_run

    run = serving_run()
    if run is None:
        return HEURISTIC, heuristic_score
    scorer = _loaded.get(run.version)
    if scorer is None:
        try:
            scorer = model_scorer(load_model(run))
        except Exception:  # a missing, unreadable or outdated file: any failure falls back
            logger.warning(
                "Model %s (%s) cannot be loaded; the heuristic ranks instead.", run.version, run.file, exc_info=True
            )
            return HEURISTIC, heuristic_score
        _loaded[run.version] = scorer
    return f"{MODEL_PREFIX}{run.version}", scorer


def popularity_scorer() -> tuple[str, Scorer]:
    """The popularity baseline: each resource's share of recommendations taken up within 30 days
    and completed, over every labelled recommendation so far (``ranking.popularity_rates``)."""
    from .ranking import popularity_rates, read_outcomes
    from .ranking import popularity_scorer as rates_scorer

    return POPULARITY, rates_scorer(popularity_rates(read_outcomes()))
