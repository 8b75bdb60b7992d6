"""Benchmark the text layer at organisation scale (a command, not a timed test).

    python manage.py bench_text --texts 100000 [--skills 14000] [--people 100000] [--json FILE]

1. Builds a taxonomy of ``--skills`` skills (names, three aliases, a description each) and
   ``--texts`` short texts (15-40 words, half of them naming a skill), from a fixed vocabulary
   with a seeded generator: the sizes and sparsity of real ones, no database.
2. Fits the tagger and tags every text (top 5), as ``extract_skills`` and the task do; times
   the fit and the tagging, and the p50/p95 of tagging one text alone (the task's case).
3. Themes for ``--people`` people with ``--texts-per-person`` texts each over six months: fit
   (on a sample), assign every text, and the recurring themes per person.
4. Peak resident memory of this process (the maximum over all steps), and the CPU seconds of
   each part beside its wall-clock seconds: on a shared machine the two differ.
"""

import json
import resource
import time

import numpy as np
import pandas as pd
from django.core.management.base import BaseCommand

from feedback.text import themes
from feedback.text.tagger import SkillTagger

COMMON = [
    "clear",
    "team",
    "client",
    "project",
    "report",
    "data",
    "meeting",
    "plan",
    "stakeholders",
    "budget",
    "design",
    "review",
    "customer",
    "deadline",
    "analysis",
    "presentation",
    "feedback",
    "quality",
    "process",
    "risk",
    "support",
    "code",
    "model",
    "delivery",
    "workshop",
    "strategy",
    "goal",
    "dashboard",
    "pipeline",
    "contract",
    "supplier",
    "training",
    "hiring",
    "onboarding",
    "migration",
    "release",
    "incident",
    "forecast",
    "research",
    "interview",
    "policy",
    "compliance",
    "audit",
    "schedule",
    "roadmap",
    "launch",
    "metric",
    "survey",
    "campaign",
    "partner",
]
SYLLABLES = [
    "ba",
    "be",
    "bi",
    "bo",
    "ka",
    "ke",
    "ki",
    "ko",
    "la",
    "le",
    "li",
    "lo",
    "ma",
    "me",
    "mi",
    "mo",
    "na",
    "ne",
    "ni",
    "no",
    "ra",
    "re",
    "ri",
    "ro",
    "sa",
    "se",
    "si",
    "so",
    "ta",
    "te",
    "ti",
    "to",
    "va",
    "ve",
]


def vocabulary(rng, size: int) -> list[str]:
    invented = {"".join(rng.choice(SYLLABLES, size=rng.integers(2, 5))) for _ in range(size * 2)}
    return COMMON + sorted(invented)[: size - len(COMMON)]


class Words:
    """Words drawn from ``vocab`` with a Zipf-like law, sampled in bulk (drawing each phrase with
    ``rng.choice(p=...)`` would cost minutes at 14,000 skills)."""

    def __init__(self, rng, vocab: list[str], size: int = 5_000_000):
        weights = 1.0 / np.arange(1, len(vocab) + 1) ** 0.8
        self.rng = rng
        self.pool = np.asarray(vocab, dtype=object)[rng.choice(len(vocab), size=size, p=weights / weights.sum())]
        self.at = 0

    def take(self, n: int) -> list[str]:
        if self.at + n > len(self.pool):
            self.at = 0
        out = self.pool[self.at : self.at + n]
        self.at += n
        return list(out)

    def phrase(self, low: int, high: int) -> str:
        return " ".join(self.take(int(self.rng.integers(low, high + 1))))


def taxonomy(rng, n: int, vocab: list[str]) -> pd.DataFrame:
    draw = Words(rng, vocab)
    return pd.DataFrame(
        {
            "ids": np.arange(1, n + 1),
            "names": [f"{draw.phrase(1, 3)} {i}" for i in range(n)],  # unique, like a real taxonomy's names
            "aliases": ["\n".join(draw.phrase(1, 4) for _ in range(3)) for _ in range(n)],
            "descriptions": [draw.phrase(15, 25) for _ in range(n)],
        }
    )


def texts(rng, n: int, vocab: list[str], skills: pd.DataFrame) -> list[str]:
    draw = Words(rng, vocab)
    names = skills["names"].to_numpy()
    picks = rng.integers(0, len(names), size=n)
    out = []
    for i in range(n):
        body = draw.take(int(rng.integers(15, 41)))
        if i % 2 == 0:
            body.insert(int(rng.integers(0, len(body))), names[picks[i]])
        out.append(" ".join(body).capitalize() + ".")
    return out


def people_texts(rng, people: int, per_person: int, vocab: list[str], today: pd.Timestamp) -> pd.DataFrame:
    draw = Words(rng, vocab)
    topics = [np.asarray(rng.choice(vocab[:600], size=8, replace=False), dtype=object) for _ in range(30)]
    n = people * per_person
    employee = np.repeat(np.arange(1, people + 1), per_person)
    own_topic = rng.integers(0, len(topics), size=people)
    bodies = []
    for i in range(n):
        topic = topics[own_topic[employee[i] - 1]] if rng.random() < 0.7 else topics[int(rng.integers(0, 30))]
        body = list(topic[rng.integers(0, len(topic), size=5)]) + draw.take(int(rng.integers(8, 20)))
        rng.shuffle(body)
        bodies.append(" ".join(body) + ".")
    return pd.DataFrame(
        {
            "text_id": np.arange(1, n + 1),
            "employee_id": employee,
            "author_id": rng.integers(1, people + 1, size=n),
            "written_at": today - pd.to_timedelta(rng.integers(0, 182, size=n), unit="D"),
            "body": bodies,
        }
    )


def peak_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


class Command(BaseCommand):
    help = "Time the skill tagger and the theme model on generated text at organisation scale."

    def add_arguments(self, parser):
        parser.add_argument("--texts", type=int, default=100_000)
        parser.add_argument("--skills", type=int, default=14_000)
        parser.add_argument("--people", type=int, default=100_000)
        parser.add_argument("--texts-per-person", type=int, default=3)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--json", dest="json_path", help="Also write the figures to this file as JSON.")

    def handle(self, *args, texts: int, skills: int, people: int, texts_per_person: int, seed, json_path, **opts):
        rng = np.random.default_rng(seed)
        vocab = vocabulary(rng, 8_000)
        frame = taxonomy(rng, skills, vocab)
        corpus = globals()["texts"](rng, texts, vocab, frame)
        self.stderr.write(f"Generated {skills:,} skills and {texts:,} texts; tagging ...")

        cpu = time.process_time()
        started = time.perf_counter()
        tagger = SkillTagger.fit(**{column: frame[column].tolist() for column in frame.columns})
        fit_seconds = time.perf_counter() - started
        started = time.perf_counter()
        tagged = tagger.tag(corpus, top=5)
        tag_seconds = time.perf_counter() - started
        tag_cpu = time.process_time() - cpu
        single = []
        for body in corpus[:200]:
            one = time.perf_counter()
            tagger.tag_one(body, top=5)
            single.append((time.perf_counter() - one) * 1000)
        tag_peak = peak_mb()
        del tagger, tagged

        self.stderr.write(f"Themes for {people:,} people x {texts_per_person} texts ...")
        today = pd.Timestamp.now().normalize()
        frame_texts = people_texts(rng, people, texts_per_person, vocab, today)
        cpu = time.process_time()
        started = time.perf_counter()
        model = themes.themes_fit(frame_texts["body"].tolist(), seed=seed)
        theme_fit = time.perf_counter() - started
        assigned = themes.assign(model, frame_texts)
        found = themes.recurring(assigned, model, start=today - pd.Timedelta(days=182), end=today)
        theme_seconds = time.perf_counter() - started
        theme_cpu = time.process_time() - cpu

        figures = {
            "skills": skills,
            "texts": texts,
            "tag_fit_seconds": round(fit_seconds, 2),
            "tag_seconds": round(tag_seconds, 2),
            "tag_total_seconds": round(fit_seconds + tag_seconds, 2),
            "tag_fit_and_tag_cpu_seconds": round(tag_cpu, 2),
            "texts_per_second": round(texts / tag_seconds) if tag_seconds else None,
            "one_text_ms_p50": round(float(np.percentile(single, 50)), 1),
            "one_text_ms_p95": round(float(np.percentile(single, 95)), 1),
            "peak_memory_mb_after_tagging": tag_peak,
            "theme_people": people,
            "theme_texts": len(frame_texts),
            "theme_fit_seconds": round(theme_fit, 2),
            "theme_total_seconds": round(theme_seconds, 2),
            "theme_total_cpu_seconds": round(theme_cpu, 2),
            "people_with_a_theme": int(found["employee_id"].nunique()) if len(found) else 0,
            "peak_memory_mb": peak_mb(),
        }
        self.stdout.write(json.dumps(figures, indent=1))
        if json_path:
            with open(json_path, "w") as handle:
                json.dump(figures, handle, indent=1)
