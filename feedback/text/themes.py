"""Recurring themes: what keeps coming up in the texts about a person (or a team) over a window.

TF-IDF over light stems and stem pairs, then NMF: each of ``n_themes`` components is a theme,
labelled by its three strongest words (as people wrote them, not as stems). Each text belongs to
its strongest theme when that theme holds at least ``min_share`` of its weight. Per person, a
theme *recurs* when ``min_texts`` or more of their texts in the window belong to it; it carries
how many texts and distinct authors, a trend (the later half of the window against the earlier)
and the two texts that express it best, as quotes.

For a team the same themes are counted across its members, and a theme is shown only when at
least ``TEAM_MIN_PEOPLE`` people's texts carry it, so no one is singled out.

Pure: pandas in, pandas out. The model is fitted on at most ``FIT_SAMPLE`` texts and applied to
all of them, which keeps 100,000 people (a few texts each) within a couple of minutes.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import TfidfVectorizer

from .tagger import EmptyText, analyse, clean, words

FIT_SAMPLE = 40_000
TEAM_MIN_PEOPLE = 5
QUOTE_CHARS = 200

TEXT_COLUMNS = ["text_id", "employee_id", "author_id", "written_at", "body"]
THEME_COLUMNS = ["employee_id", "theme", "label", "texts", "authors", "people", "trend", "quotes", "text_ids"]


@dataclass
class ThemeModel:
    vectorizer: TfidfVectorizer
    nmf: NMF
    labels: list[str]

    def weights(self, bodies: list[str]) -> np.ndarray:
        return self.nmf.transform(self.vectorizer.transform(bodies)).astype(np.float32)


def _surface_forms(bodies: list[str], limit: int = 20_000) -> dict[str, str]:
    """The most common way each stem is written, from (a sample of) the texts."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for body in bodies[:limit]:
        for stem_, surface in words(body):
            counts[stem_][surface.lower()] += 1
    return {stem_: forms.most_common(1)[0][0] for stem_, forms in counts.items()}


def themes_fit(bodies: list[str], *, n_themes: int = 20, seed: int = 0, hidden: set[str] = frozenset()) -> ThemeModel:
    """Fit the theme model on ``bodies`` (a sample of at most FIT_SAMPLE is used).

    ``hidden`` are labels HR hid: a fitted theme with a hidden label is kept in the model (so its
    texts do not fall into another theme) but reported by no one.
    """
    rng = np.random.default_rng(seed)
    sample = bodies
    if len(bodies) > FIT_SAMPLE:
        sample = [bodies[i] for i in rng.choice(len(bodies), FIT_SAMPLE, replace=False)]
    min_df = 2 if len(sample) < 1000 else 5
    vectorizer = TfidfVectorizer(
        analyzer=analyse, sublinear_tf=True, min_df=min_df, max_df=0.3, max_features=20_000, dtype=np.float32
    )
    matrix = vectorizer.fit_transform(sample)
    n_themes = max(1, min(n_themes, matrix.shape[0] - 1, matrix.shape[1] - 1))
    nmf = NMF(n_components=n_themes, init="nndsvda", max_iter=300, random_state=seed)
    nmf.fit(matrix)
    terms = vectorizer.get_feature_names_out()
    surface = _surface_forms(sample)
    labels = []
    for component in nmf.components_:
        picked: list[str] = []
        for index in np.argsort(-component):
            words_ = [surface.get(part, part) for part in terms[index].split(" ")]
            phrase = " ".join(words_)
            if not any(w in picked_word for picked_word in picked for w in words_):
                picked.append(phrase)
            if len(picked) == 3:
                break
        labels.append(", ".join(picked))
    return ThemeModel(vectorizer=vectorizer, nmf=nmf, labels=labels)


def assign(model: ThemeModel, texts: pd.DataFrame, *, min_share: float = 0.3) -> pd.DataFrame:
    """``texts`` with ``theme`` (-1 for none) and ``strength`` columns."""
    if texts.empty:
        return texts.assign(theme=pd.Series(dtype="int64"), strength=pd.Series(dtype="float32"))
    weights = np.vstack(
        [model.weights(texts["body"].iloc[low : low + 20_000].tolist()) for low in range(0, len(texts), 20_000)]
    )
    totals = weights.sum(axis=1)
    best = weights.argmax(axis=1)
    strength = weights[np.arange(len(best)), best]
    share = np.divide(strength, totals, out=np.zeros_like(strength), where=totals > 0)
    theme = np.where((share >= min_share) & (strength > 0), best, -1)
    return texts.assign(theme=theme.astype("int64"), strength=strength)


def _quote(body: str) -> str:
    try:
        plain = clean(body).text
    except EmptyText:
        return ""
    return plain if len(plain) <= QUOTE_CHARS else plain[: QUOTE_CHARS - 1].rstrip() + "…"


def recurring(
    assigned: pd.DataFrame,
    model: ThemeModel,
    *,
    start,
    end,
    group: str = "employee_id",
    min_texts: int = 2,
    min_people: int = 1,
    hidden: set[str] = frozenset(),
) -> pd.DataFrame:
    """Themes that recur per ``group`` (a person, or a team column), strongest first.

    One row per (group, theme) with ``texts``, distinct ``authors``, distinct ``people`` the texts
    are about, ``trend`` and two ``quotes``; themes below ``min_texts`` or ``min_people`` and
    themes whose label is in ``hidden`` are left out.
    """
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    rows = assigned[(assigned["theme"] >= 0)]
    if rows.empty:
        return pd.DataFrame(columns=[*THEME_COLUMNS[:1], *THEME_COLUMNS[1:]]).rename(columns={"employee_id": group})
    counts = rows.groupby([group, "theme"], sort=False).agg(
        texts=("text_id", "size"), authors=("author_id", "nunique"), people=("employee_id", "nunique")
    )
    counts = counts[(counts["texts"] >= min_texts) & (counts["people"] >= min_people)].reset_index()
    counts["label"] = [model.labels[t] for t in counts["theme"]]
    counts = counts[~counts["label"].isin(hidden)]
    if counts.empty:
        return counts.assign(trend=[], quotes=[], text_ids=[])
    kept = rows.merge(counts[[group, "theme"]], on=[group, "theme"])
    kept = kept.sort_values([group, "theme", "strength"], ascending=[True, True, False])
    middle = start + (end - start) / 2
    kept["later"] = (pd.to_datetime(kept["written_at"]) >= middle).astype("int64")
    by = kept.groupby([group, "theme"], sort=False)
    summary = by.agg(later=("later", "sum"), texts=("text_id", "size"), text_ids=("text_id", list))
    summary["quotes"] = (
        by.head(2)
        .groupby([group, "theme"], sort=False)["body"]
        .agg(lambda bodies: [q for q in map(_quote, bodies) if q])
    )
    earlier = summary["texts"] - summary["later"]
    summary["trend"] = np.select(
        [summary["later"] > earlier, summary["later"] < earlier], ["rising", "fading"], default="steady"
    )
    counts = counts.merge(
        summary[["trend", "quotes", "text_ids"]].reset_index(), on=[group, "theme"], how="left", validate="one_to_one"
    )
    return counts.sort_values([group, "texts"], ascending=[True, False]).reset_index(drop=True)
