"""Replay the held-out later months of the recommendation history and compare the scorers.

    python manage.py evaluate_recommendations           # a side-by-side table
    python manage.py evaluate_recommendations --json    # the same figures as JSON

Trains the model exactly as ``train_recommender`` does, on the recommendations made before the
last four months, and records nothing. Each (employee, month) list of recommendations in those
months is ranked by the model, by the transparent heuristic and by popularity; the table shows
precision@3, recall@3 and NDCG@3 over the lists with a good outcome, the training and holdout
sizes, the features, and what the model leans on (``recommendations.ranking``).
"""

import json

from django.core.management.base import BaseCommand, CommandError

from recommendations import ranking

SCORER_LABELS = {
    "heuristic": "heuristic (transparent weighted sum)",
    "popularity": "popularity (taken up and completed)",
}


class Command(BaseCommand):
    help = "Compare the ranking model, the heuristic and popularity on the held-out later months (precision@3, recall@3, NDCG@3)."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", dest="as_json", help="Print the figures as JSON.")

    def handle(self, *args, as_json: bool, **options):
        try:
            evaluation = ranking.evaluate(ranking.read_outcomes())
        except ranking.NotEnoughHistory as error:
            raise CommandError(f"Nothing to evaluate yet: {error}") from error
        if as_json:
            self.stdout.write(json.dumps(evaluation.as_dict(), indent=2))
        else:
            self.stdout.write(report(evaluation))


def report(evaluation: ranking.Evaluation) -> str:
    """The evaluation as the table and notes a person reads."""
    data = evaluation.as_dict()
    k = ranking.K
    split = evaluation.split_at.date().isoformat()
    outcomes = ", ".join(f"{count:,} {name}" for name, count in data["train"]["outcomes"].items())
    lines = [
        f"Recommendations held out: those made from {split} (the last {ranking.HOLDOUT_MONTHS} months).",
        f"  training  {evaluation.train_rows:>7,} recommendations made before {split}, "
        f"{evaluation.train_positives:,} good ({outcomes})",
        f"  holdout   {evaluation.holdout_rows:>7,} recommendations, {evaluation.holdout_positives:,} good, in "
        f"{data['metrics']['model']['groups']:,} (employee, month) lists with a good one",
        f"  features  {len(data['features'])}: {', '.join(data['features'])}",
        "",
    ]
    labels = {"model": f"model ({evaluation.ranker.algorithm})", **SCORER_LABELS}
    width = max(len(label) for label in labels.values())
    lines.append(f"  {'scorer':<{width}}  {'precision@' + str(k):>12}  {'recall@' + str(k):>9}  {'NDCG@' + str(k):>7}")
    for name, label in labels.items():
        figures = data["metrics"][name]
        lines.append(
            f"  {label:<{width}}  {figures[f'precision@{k}']:>12.3f}  {figures[f'recall@{k}']:>9.3f}  "
            f"{figures[f'ndcg@{k}']:>7.3f}"
        )
    gain = data["ndcg_gain_over_heuristic"]
    verdict = "the model beats the heuristic" if evaluation.beats_heuristic else "the model does not beat the heuristic"
    lines += [
        "",
        f"Model minus heuristic, NDCG@{k}: {gain['mean']:+.3f} (90% bootstrap interval over lists "
        f"{gain['low']:+.3f} to {gain['high']:+.3f}): {verdict}.",
        "Candidate models, NDCG@3 on the validation months (which chose) and on the holdout: "
        + "; ".join(
            f"{name} {figures['validation_ndcg']:.3f} / {figures['holdout_ndcg']:.3f}"
            for name, figures in data["candidates"].items()
        )
        + ".",
    ]
    if not evaluation.enough_history:
        lines.append(
            f"Too little history to serve a model: it needs {ranking.MIN_TRAINING_ROWS:,} training rows and "
            f"{ranking.MIN_TRAINING_POSITIVES} good ones."
        )
    if data["importances"]:
        lines += ["", "What the model leans on (holdout ROC AUC lost when the feature is shuffled):"]
        lines += [
            f"  {item['feature']:<26} {item['auc_drop']:.3f} ± {item['spread']:.3f}" for item in data["importances"]
        ]
    if data["logistic_coefficients"]:
        strongest = list(data["logistic_coefficients"].items())[:8]
        lines += [
            "Logistic regression weights on standardised features (+ makes a good outcome likelier):",
            "  " + ", ".join(f"{name} {weight:+.2f}" for name, weight in strongest),
        ]
    return "\n".join(lines)
