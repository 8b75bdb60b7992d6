"""The skill-mention tagger: which taxonomy skills a piece of free text speaks of.

scikit-learn TF-IDF, no model download. Each skill is described three ways, and a text is scored
against all three:

1. **Labels** (the skill's name and each alias, one row each). A label is scored by its
   *coverage*: the share of its IDF-weighted words and word pairs (light English stems, so
   "negotiating" meets "negotiate") found in the text, damped for labels made of common words
   only. A skill takes its best label. Coverage, not cosine, because a label is three words
   and a text is thirty: the question is whether the label is *in* the text.
2. **Description**: cosine between the text and the skill's description (TF-IDF, words that
   occur in most descriptions dropped). It finds a skill described without being named.
3. **Character n-grams** (optional, ``char_weight``): the top candidates are re-scored on
   character 3-5-grams of their labels, which forgives spelling variants ("analyse" and
   "analyze", "programme" and "program") that stems miss.

Score = ``label_weight`` * label + ``description_weight`` * description (+ ``char_weight`` *
chars); a skill is a mention from ``threshold`` up. Every mention carries the text's own words
that matched. Texts are scored in chunks as sparse products, so 100,000 texts against 14,000
skills is a few matrix products, not a loop.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

MAX_CHARS = 5000  # a longer text is tagged on its first MAX_CHARS characters, and says so
CHUNK = 500  # texts scored per sparse product; bounds the dense (chunk x label rows) block

_SCRIPT = re.compile(r"<(script|style)\b.*?(</\1\s*>|$)", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]{0,2000}>")
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[^\W_][\w+#]*", re.UNICODE)
# Words that say nothing about a skill in workplace text, beyond scikit-learn's English list.
STOP_WORDS = frozenset(ENGLISH_STOP_WORDS) | {
    "use",
    "using",
    "used",
    "work",
    "working",
    "good",
    "great",
    "really",
    "thank",
    "thanks",
    "team",
    "week",
    "month",
    "quarter",
}
# (suffix, replacement), first match wins: "negotiation", "negotiating", "negotiate" -> "negotiat".
_SUFFIXES = (
    ("ations", "at"),
    ("ation", "at"),
    ("ities", "it"),
    ("ings", ""),
    ("ing", ""),
    ("ies", ""),
    ("ied", ""),
    ("ed", ""),
    ("es", ""),
    ("s", ""),
    ("e", ""),
    ("y", ""),
)


class EmptyText(ValueError):
    """Nothing to tag once markup and spaces are removed."""


@dataclass(frozen=True)
class Cleaned:
    text: str
    truncated: bool


def clean(text: str, *, max_chars: int = MAX_CHARS) -> Cleaned:
    """Plain text for tagging: scripts and tags removed, entities decoded, spaces collapsed;
    cut at ``max_chars``. Raises ``EmptyText`` when nothing is left."""
    text = _SCRIPT.sub(" ", text or "")
    text = html.unescape(_TAG.sub(" ", text))
    text = _SPACE.sub(" ", text).strip()
    if not text:
        raise EmptyText("The text is empty: write a sentence or two to tag.")
    truncated = len(text) > max_chars
    return Cleaned(text=text[:max_chars], truncated=truncated)


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A light English stemmer: one common suffix off, keeping at least four letters."""
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            if suffix == "s" and word.endswith("ss"):
                break  # "process", "business"
            return word[: -len(suffix)] + replacement
    return word


def words(text: str) -> list[tuple[str, str]]:
    """(stem, surface word) for each word that is not a stop word, in order."""
    out = []
    for match in _WORD.finditer(text):
        surface = match.group()
        lower = surface.lower()
        if lower in STOP_WORDS or (len(lower) == 1 and not lower.isalpha()):
            continue
        out.append((stem(lower), surface))
    return out


def analyse(text: str) -> list[str]:
    """Stems and adjacent stem pairs: the features of every word-level vectorizer here."""
    stems = [s for s, _ in words(text)]
    return stems + [f"{a} {b}" for a, b in zip(stems, stems[1:], strict=False)]


def analyse_unigrams(text: str) -> list[str]:
    return [s for s, _ in words(text)]


def split_aliases(aliases) -> list[str]:
    if aliases is None:
        return []
    if isinstance(aliases, str):
        aliases = aliases.splitlines()
    return [a.strip() for a in aliases if a and a.strip()]


@dataclass(frozen=True)
class Mention:
    skill_id: int
    score: float
    matched: tuple[str, ...]  # the text's own words that matched, in text order


@dataclass
class Tagged:
    mentions: list[Mention]
    truncated: bool = False
    language_supported: bool = True  # False: nothing matched and the text reads as another language


@dataclass
class SkillTagger:
    """Fitted on a taxonomy: ``ids`` with their ``names``, ``aliases`` and ``descriptions``."""

    ids: np.ndarray
    names: list[str]
    aliases: list[list[str]]
    descriptions: list[str]
    label_weight: float = 0.6
    description_weight: float = 0.4
    char_weight: float = 0.3
    threshold: float = 0.3
    generic_damping: float = 3.0  # IDF mass at which a label counts ~63% (1 - 1/e) of its coverage
    _fitted: dict = field(default_factory=dict, repr=False)

    @classmethod
    def fit(cls, *, ids: Sequence[int], names: Sequence[str], aliases: Sequence, descriptions: Sequence[str], **params):
        tagger = cls(
            ids=np.asarray(ids, dtype=np.int64),
            names=list(names),
            aliases=[split_aliases(a) for a in aliases],
            descriptions=[d or "" for d in descriptions],
            **params,
        )
        tagger._fit()
        return tagger

    # --- fitting ---------------------------------------------------------------------------

    def _fit(self) -> None:
        label_texts, label_skill = [], []
        for index, (name, aliases) in enumerate(zip(self.names, self.aliases, strict=True)):
            seen = set()
            for label in [name, *aliases]:
                key = label.casefold()
                if key not in seen:
                    seen.add(key)
                    label_texts.append(label)
                    label_skill.append(index)
        # Labels of one skill are contiguous, so a skill's best label is a reduceat over columns.
        label_skill = np.asarray(label_skill, dtype=np.int64)
        starts = np.flatnonzero(np.r_[True, label_skill[1:] != label_skill[:-1]])

        labels = TfidfVectorizer(analyzer=analyse, binary=True, norm=None, dtype=np.float32)
        weights = labels.fit_transform(label_texts).tocsr()
        mass = np.asarray(weights.sum(axis=1)).ravel()
        mass[mass == 0] = 1.0
        # Each label row sums to its damping factor: full coverage of "management" (one common
        # word) scores below full coverage of "stakeholder management".
        damping = 1.0 - np.exp(-mass / self.generic_damping)
        coverage = sp.diags((damping / mass).astype(np.float32)) @ weights

        # Words in more than a fifth of the descriptions ("skills", "people") say nothing; a
        # taxonomy too small for a fifth to be a count keeps them all.
        max_df = 0.2 if len(self.names) >= 20 else 1.0
        descriptions = TfidfVectorizer(analyzer=analyse_unigrams, sublinear_tf=True, max_df=max_df, dtype=np.float32)
        description_texts = [f"{name}. {text}" for name, text in zip(self.names, self.descriptions, strict=True)]
        description_matrix = descriptions.fit_transform(description_texts).tocsr()

        self._fitted = {
            "labels": labels,
            "coverage_t": coverage.T.tocsr(),
            "label_texts": label_texts,
            "label_skill": label_skill,
            "starts": starts,
            "descriptions": descriptions,
            "description_t": description_matrix.T.tocsr(),
            "label_vocabulary": set(labels.vocabulary_),
        }
        if self.char_weight:
            chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), lowercase=True, dtype=np.float32)
            self._fitted["chars"] = chars
            self._fitted["char_labels"] = chars.fit_transform(label_texts).tocsr()

    @property
    def size(self) -> int:
        return len(self.ids)

    # --- scoring ---------------------------------------------------------------------------

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """Dense (texts x skills) scores of already-cleaned texts (one chunk: keep it small)."""
        f = self._fitted
        present = f["labels"].transform(texts)
        present.data[:] = 1.0
        label_rows = (present @ f["coverage_t"]).toarray()
        label_score = np.maximum.reduceat(label_rows, f["starts"], axis=1) if label_rows.shape[1] else label_rows
        description = (f["descriptions"].transform(texts) @ f["description_t"]).toarray()
        return self.label_weight * label_score + self.description_weight * description

    def tag(self, texts: Iterable[str], *, top: int = 5, threshold: float | None = None) -> list[Tagged]:
        """Tag each text: at most ``top`` mentions at or above ``threshold``, best first.

        Texts are cleaned here (``clean``): an empty one raises ``EmptyText`` before any scoring,
        so call ``clean`` first to handle it per text.
        """
        threshold = self.threshold if threshold is None else threshold
        cleaned = [clean(text) for text in texts]
        results: list[Tagged] = []
        for low in range(0, len(cleaned), CHUNK):
            chunk = cleaned[low : low + CHUNK]
            plain = [c.text for c in chunk]
            scores = self.scores(plain)
            if self.char_weight:
                scores = self._rescore_chars(plain, scores, top=top)
            for row, item in enumerate(chunk):
                results.append(self._mentions(item, scores[row], top=top, threshold=threshold))
        return results

    def tag_one(self, text: str, *, top: int = 5, threshold: float | None = None) -> Tagged:
        return self.tag([text], top=top, threshold=threshold)[0]

    def rank(self, texts: Sequence[str], *, top: int = 5) -> np.ndarray:
        """The ``top`` skill indexes per text, best first, whatever their score (for evaluation)."""
        out = []
        for low in range(0, len(texts), CHUNK):
            plain = [clean(t).text for t in texts[low : low + CHUNK]]
            scores = self.scores(plain)
            if self.char_weight:
                scores = self._rescore_chars(plain, scores, top=top)
            best = np.argsort(-scores, axis=1, kind="stable")[:, :top]
            out.append(best)
        return np.vstack(out) if out else np.zeros((0, top), dtype=np.int64)

    def _rescore_chars(self, texts: Sequence[str], scores: np.ndarray, *, top: int) -> np.ndarray:
        """Blend in character n-gram similarity for the best ``4 * top`` candidates of each text."""
        f = self._fitted
        keep = min(max(4 * top, 20), scores.shape[1])
        candidates = np.argpartition(-scores, keep - 1, axis=1)[:, :keep]
        text_chars = f["chars"].transform(texts)
        label_skill, starts = f["label_skill"], f["starts"]
        ends = np.r_[starts[1:], len(label_skill)]
        out = scores.copy()
        for row in range(scores.shape[0]):
            skills = candidates[row]
            label_rows = np.concatenate([np.arange(starts[s], ends[s]) for s in skills])
            similarity = (f["char_labels"][label_rows] @ text_chars[row].T).toarray().ravel()
            best = np.maximum.reduceat(similarity, np.r_[0, np.cumsum(ends[skills] - starts[skills])[:-1]])
            out[row, skills] += self.char_weight * best
        return out

    def _mentions(self, item: Cleaned, row: np.ndarray, *, top: int, threshold: float) -> Tagged:
        n = min(top, row.shape[0])
        if n == 0:
            return Tagged(mentions=[], truncated=item.truncated)
        best = np.argpartition(-row, n - 1)[:n]
        best = best[np.argsort(-row[best], kind="stable")]
        text_words = words(item.text)
        mentions = [
            Mention(skill_id=int(self.ids[i]), score=round(float(row[i]), 4), matched=self._matched(i, text_words))
            for i in best
            if row[i] >= threshold and row[i] > 0
        ]
        supported = bool(mentions) or _reads_as_english(text_words, item.text)
        return Tagged(mentions=mentions, truncated=item.truncated, language_supported=supported)

    def _matched(self, skill: int, text_words: list[tuple[str, str]]) -> tuple[str, ...]:
        """The text's words that this skill's labels or description share, in text order."""
        f = self._fitted
        stems = set()
        for label in [self.names[skill], *self.aliases[skill]]:
            stems.update(s for s, _ in words(label))
        description_vocabulary = f["descriptions"].vocabulary_
        column = f["description_t"].getrow  # rows of description_t are terms
        shared = []
        seen = set()
        for stem_, surface in text_words:
            if stem_ in seen:
                continue
            in_label = stem_ in stems
            in_description = False
            if not in_label and stem_ in description_vocabulary:
                in_description = column(description_vocabulary[stem_])[0, skill] > 0
            if in_label or in_description:
                seen.add(stem_)
                shared.append(surface)
        return tuple(shared[:8])


def _reads_as_english(text_words: list[tuple[str, str]], text: str) -> bool:
    """Whether a text that matched nothing still reads as English: it has English stop words."""
    tokens = [m.group().lower() for m in _WORD.finditer(text)]
    if len(tokens) < 4:
        return True  # too short to say
    english = sum(1 for t in tokens if t in ENGLISH_STOP_WORDS)
    return english / len(tokens) >= 0.1
