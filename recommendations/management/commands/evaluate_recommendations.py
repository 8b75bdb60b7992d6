"""Replay the held-out later months of the recommendation history and compare the scorers.

    python manage.py evaluate_recommendations           # this database's history, a side-by-side table
    python manage.py evaluate_recommendations --json    # the same figures as JSON
    python manage.py evaluate_recommendations --seeds 10 [--employees 300] [--strengths 1,0] [--json]

Trains the model exactly as ``train_recommender`` does, on the recommendations made before the
last four months, and records nothing. Each (employee, month) list of recommendations in those
months is ranked by the model, by the transparent heuristic with its fixed weights, by the same
heuristic with weights tuned on the training months, and by popularity; the table shows
precision@3, recall@3 and NDCG@3 over the lists with a good outcome, the training and holdout
sizes, the model's reliability per decile, and what the model leans on (``recommendations.ranking``).

``--seeds N`` evaluates N independent demo histories per planted strength instead, each built in
a throwaway SQLite database (``recommendations.seed_evaluation``; ``--strengths 1,0``: the
demo's strength and the negative control, where nothing is planted), and prints the distribution.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from recommendations import ranking, scoring, seed_evaluation
from recommendations.engine.ranking_metrics import METRICS

SCORER_LABELS = {
    "heuristic": "heuristic (fixed weights)",
    "tuned heuristic": "heuristic (weights tuned on training months)",
    "popularity": "popularity (taken up and completed)",
}


class Command(BaseCommand):
    help = "Compare the ranking model, the heuristic and popularity on the held-out later months (precision@3, recall@3, NDCG@3)."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", dest="as_json", help="Print the figures as JSON.")
        parser.add_argument(
            "--no-importances", action="store_true", help="Skip the permutation importances (the slowest part)."
        )
        parser.add_argument(
            "--seeds", type=int, default=0, help="Evaluate this many independent demo histories per strength instead."
        )
        parser.add_argument("--first-seed", type=int, default=1, help="With --seeds: the first seed (default 1).")
        parser.add_argument(
            "--employees", type=int, default=300, help="With --seeds: people in each demo organisation (default 300)."
        )
        parser.add_argument(
            "--strengths",
            default="1,0",
            help="With --seeds: planted strengths, comma-separated (default 1,0: the demo's, and the negative control).",
        )
        parser.add_argument("--jobs", type=int, default=1, help="With --seeds: histories built at once (default 1).")

    def handle(self, *args, as_json: bool, no_importances: bool, seeds: int, **options):
        if seeds:
            self._seeds(seeds=seeds, as_json=as_json, **options)
            return
        try:
            evaluation = ranking.evaluate(ranking.read_outcomes(), importances=not no_importances)
        except ranking.NotEnoughHistory as error:
            raise CommandError(f"Nothing to evaluate yet: {error}") from error
        if as_json:
            self.stdout.write(json.dumps(evaluation.as_dict(), indent=2))
        else:
            self.stdout.write(report(evaluation))

    def _seeds(self, *, seeds, as_json, first_seed, employees, strengths, jobs, verbosity, **options):
        try:
            levels = [float(value) for value in strengths.split(",") if value.strip()]
        except ValueError as error:
            raise CommandError(f"--strengths takes numbers separated by commas, not {strengths!r}.") from error
        runs = [
            seed_evaluation.Run(seed=seed, strength=level, employees=employees)
            for level in levels
            for seed in range(first_seed, first_seed + seeds)
        ]

        def progress(result):
            if verbosity >= 1:
                state = "failed" if "error" in result else ("serves" if result["evaluation"]["serves"] else "declined")
                self.stderr.write(f"  strength {result['strength']:g}, seed {result['seed']}: {state}")

        conditions = seed_evaluation.summarise(seed_evaluation.evaluate_seeds(runs, jobs=jobs, progress=progress))
        verdict = seed_evaluation.goal_verdict(conditions)
        if as_json:
            self.stdout.write(json.dumps({"conditions": conditions, "goal": verdict}, indent=2))
        else:
            self.stdout.write(seeds_report(conditions, verdict))


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
    lines.insert(
        -2,
        f"            in {evaluation.holdout_lists:,} lists in all; the figures below average the "
        f"{data['holdout']['lists_with_a_good_one']:,} with a good one",
    )
    width = max(len(label) for label in labels.values())
    lines.append(f"  {'scorer':<{width}}  {'precision@' + str(k):>12}  {'recall@' + str(k):>9}  {'NDCG@' + str(k):>7}")
    for name, label in labels.items():
        figures = data["metrics"][name]
        lines.append(
            f"  {label:<{width}}  {figures[f'precision@{k}']:>12.3f}  {figures[f'recall@{k}']:>9.3f}  "
            f"{figures[f'ndcg@{k}']:>7.3f}"
        )
    verdict = "the model beats the heuristic" if evaluation.beats_heuristic else "the model does not beat the heuristic"
    lines.append("")
    for name, gain in data["ndcg_gain"].items():
        lines.append(
            f"Model minus {name}, NDCG@{k}: {gain['mean']:+.3f} (90% bootstrap interval over lists "
            f"{gain['low']:+.3f} to {gain['high']:+.3f})."
        )
    lines += [
        f"Serving rule (model minus the fixed heuristic, 5th percentile above zero): {verdict}.",
        "Tuned heuristic weights: " + ", ".join(f"{n} {w:g}" for n, w in data["tuned_heuristic_weights"].items()) + ".",
        scoring.fallback_note(data),
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
    if data["reliability"]:
        lines += ["", "Reliability (holdout, per decile of the model's predicted chance of a good outcome):"]
        lines.append(f"  {'decile':>6} {'rows':>6} {'predicted':>10} {'observed':>9} {'taken up':>9}")
        lines += [
            f"  {row['decile']:>6} {row['rows']:>6} {row['predicted']:>10.3f} {row['observed']:>9.3f} "
            f"{row['taken_up']:>9.3f}"
            for row in data["reliability"]
        ]
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


def seeds_report(conditions: list[dict], verdict: dict) -> str:
    """The distribution over seeds as a person reads it: one block per planted strength."""
    lines = []
    for condition in conditions:
        n = condition["evaluated"]
        holdout = condition["holdout"]
        lines += [
            f"Planted strength {condition['strength']:g} ({condition['role']}): {n} seeds evaluated "
            f"({', '.join(map(str, condition['seeds']))}), {', '.join(map(str, condition['employees']))} employees each.",
            f"  held out per seed: {holdout['lists_with_a_good_one'].get('mean', 0):,.0f} lists with a good "
            f"recommendation (min {holdout['lists_with_a_good_one'].get('min', 0):,.0f}), "
            f"{holdout['positives'].get('mean', 0):,.0f} good of {holdout['rows'].get('mean', 0):,.0f} recommendations",
            f"  {'scorer':<46}" + "".join(f"{metric + ' mean ± sd':>22}" for metric in METRICS),
        ]
        for scorer in seed_evaluation.SCORERS:
            label = "model" if scorer == "model" else SCORER_LABELS[scorer]
            cells = "".join(
                f"{figures['mean']:>14.3f} ± {figures['sd']:.3f}" if figures.get("n") else f"{'-':>22}"
                for figures in condition["metrics"][scorer].values()
            )
            lines.append(f"  {label:<46}{cells}")
        beats = ", ".join(f"{name} in {count}/{n}" for name, count in condition["model_beats"].items())
        lines += [
            f"  the model has the higher NDCG@3 than: {beats}",
            f"  the serving rule serves it in {condition['serves']}/{n} seeds",
        ]
        if condition.get("ranks"):
            ranking_ndcg = condition["ranking_ndcg"]
            lines.append(
                "  what would rank people's picks: "
                + ", ".join(f"{name} in {count}/{n}" for name, count in condition["ranks"].items())
                + (
                    f" (its NDCG@3 {ranking_ndcg['mean']:.3f} ± {ranking_ndcg['sd']:.3f})"
                    if ranking_ndcg.get("n")
                    else ""
                )
            )
        for failure in condition["failed"]:
            lines.append(f"  seed {failure['seed']} failed: {failure['error'][:200]}")
        lines.append("")
    for name, figures in verdict.items():
        goal = "at least 9 in 10" if name == "planted" else "at most 1 in 10"
        lines.append(
            f"Goal ({name}: serves {goal}): {figures['serves']}/{figures['of']}, {'met' if figures['met'] else 'not met'}."
        )
    return "\n".join(lines)
