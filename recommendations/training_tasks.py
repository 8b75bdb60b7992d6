"""The scheduled training of the recommendation ranking model (a django-q2 task)."""

import logging

from . import ranking

logger = logging.getLogger(__name__)


def train_recommender_task() -> int | None:
    """Train on the labelled history and record a ``ModelRun`` (it serves only if it beats the
    heuristic); returns its id, or None while there is too little history to train on."""
    try:
        run = ranking.train_recommender()
    except ranking.NotEnoughHistory as error:
        logger.info("The recommendation model was not trained: %s", error)
        return None
    logger.info("Recommendation model %s trained (%s).", run.version, "serving" if run.serving else "not serving")
    return run.pk
