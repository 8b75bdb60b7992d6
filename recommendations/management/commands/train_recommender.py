"""Train the recommendation ranking model on the labelled history and record the run.

    python manage.py train_recommender            # train, save the model file, record a ModelRun
    python manage.py train_recommender --dry-run  # train and report; write nothing
    python manage.py train_recommender --unless-serving  # only when no model serves yet (``make run``)

The model is saved as ``var/models/recommendation-<version>.joblib`` and serves (ranks new
recommendations) only when it beats the transparent heuristic on the held-out later months and
there is enough history; otherwise the heuristic keeps ranking (``recommendations.ranking``).
The scheduled task ``recommendations.training_tasks.train_recommender_task`` does the same.
"""

from django.core.management.base import BaseCommand, CommandError

from recommendations import ranking

from .evaluate_recommendations import report


class Command(BaseCommand):
    help = "Train the recommendation ranking model, record the run, and serve it only if it beats the heuristic."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Train and report, but save and record nothing.")
        parser.add_argument(
            "--unless-serving",
            action="store_true",
            help="Do nothing when a trained model already serves (and its file is there).",
        )

    def handle(self, *args, dry_run: bool, unless_serving: bool, verbosity: int, **options):
        run = ranking.serving_run()
        if unless_serving and run is not None and ranking.model_path(run.version).exists():
            if verbosity >= 1:
                self.stdout.write(
                    f"Model {run.version} already serves; nothing trained (drop --unless-serving to retrain)."
                )
            return
        try:
            evaluation = ranking.evaluate(ranking.read_outcomes())
        except ranking.NotEnoughHistory as error:
            raise CommandError(f"Nothing to train on yet: {error}") from error
        if verbosity >= 2:
            self.stdout.write(report(evaluation) + "\n")
        key = f"ndcg@{ranking.K}"
        figures = ", ".join(
            f"{name} {evaluation.metrics[name][key]:.3f}" for name in ("model", "heuristic", "popularity")
        )
        summary = (
            f"{evaluation.ranker.algorithm}: {evaluation.train_rows:,} training rows ({evaluation.train_positives:,} good); "
            f"holdout NDCG@{ranking.K} {figures}"
        )
        if dry_run:
            if verbosity >= 1:
                self.stdout.write(
                    f"Dry run, nothing saved. {summary}; it would {'' if evaluation.serves else 'not '}serve."
                )
            return
        run = ranking.model_run_record(evaluation=evaluation)
        if verbosity >= 1:
            serving = ranking.serving_run()
            if run.serving:
                verdict = "serving"
            elif serving is not None:
                verdict = f"not serving: model {serving.version} keeps ranking"
            else:
                verdict = f"not serving: the {run.get_fallback_display().lower()} ranks"
            message = f"Model {run.version} ({run.file}) {summary}; {verdict}."
            self.stdout.write(self.style.SUCCESS(message) if run.serving else message)
            if not run.serving:
                self.stdout.write(f"  {run.notes}")
