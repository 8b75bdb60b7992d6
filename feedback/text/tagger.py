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
CHUNK = 1000  # texts scored per sparse product
COMMON_SHARE, COMMON_MIN = 0.02, 30  # a feature in more labels than this share (and count) is common

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

        # Words in more than one description in twenty ("skills", "people") say nothing; a
        # taxonomy of fewer than 100 skills keeps them all.
        max_df = 0.05 if len(self.names) >= 100 else 1.0
        descriptions = TfidfVectorizer(analyzer=analyse_unigrams, sublinear_tf=True, max_df=max_df, dtype=np.float32)
        description_texts = [f"{name}. {text}" for name, text in zip(self.names, self.descriptions, strict=True)]
        description_matrix = descriptions.fit_transform(description_texts).tocsr()

        # A feature in more than COMMON_SHARE of the labels ("manage", "data") is too common to
        # find a label by: it counts in a label's mass but not in its coverage, which keeps the
        # product sparse. A label made only of such words ("project management") is scored on
        # all of its words, densely, against every text.
        document_frequency = np.bincount(weights.indices, minlength=weights.shape[1])
        findable = (document_frequency <= max(COMMON_MIN, COMMON_SHARE * len(label_texts))).astype(np.float32)
        has_findable = np.asarray((weights @ sp.diags(findable)).sum(axis=1)).ravel() > 0
        coverage_t = coverage.T.tocsr()

        self._fitted = {
            "labels": labels,
            "findable_t": (sp.diags(findable) @ coverage_t).tocsr(),
            "common_only": np.flatnonzero(~has_findable),
            "common_only_t": coverage_t[:, np.flatnonzero(~has_findable)].tocsr(),
            "label_skill": label_skill,
            "starts": starts,
            "descriptions": descriptions,
            "description_t": description_matrix.T.tocsr(),
            "label_stems": [
                frozenset(s for label in [name, *aliases] for s, _ in words(label))
                for name, aliases in zip(self.names, self.aliases, strict=True)
            ],
            "description_stems": _row_sets(description_matrix, descriptions.get_feature_names_out()),
        }
        if self.char_weight:
            chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), lowercase=True, dtype=np.float32)
            self._fitted["chars"] = chars
            self._fitted["char_labels"] = chars.fit_transform(label_texts).tocsr()

    @property
    def size(self) -> int:
        return len(self.ids)

    # --- scoring ---------------------------------------------------------------------------

    def _label_scores(self, present: sp.csr_matrix) -> sp.csr_matrix:
        """(texts x skills) best label coverage, sparse."""
        f = self._fitted
        shape = (present.shape[0], self.size)
        found = (present @ f["findable_t"]).tocsr()
        found.sort_indices()  # row by row, labels in order, so (row, skill) keys come sorted
        best = _max_per_sorted_cell(found, f["label_skill"], shape=shape)
        if len(f["common_only"]):
            common = (present @ f["common_only_t"]).tocoo()
            labels = len(f["label_skill"])
            common = sp.csr_matrix((common.data, (common.row, f["common_only"][common.col])), shape=(shape[0], labels))
            common.sort_indices()
            best = best.maximum(_max_per_sorted_cell(common, f["label_skill"], shape=shape))
        return best

    def scores(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Sparse (texts x skills) scores of cleaned texts: labels and descriptions combined."""
        f = self._fitted
        present = f["labels"].transform(texts).tocsr()
        present.data[:] = 1.0
        description = f["descriptions"].transform(texts) @ f["description_t"]
        return (self.label_weight * self._label_scores(present) + self.description_weight * description).tocsr()

    def _best(self, texts: Sequence[str], *, top: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per text, (skill indexes, scores) of its best candidates, best first."""
        scores = self.scores(texts)
        keep = max(2 * top, 10) if self.char_weight else top
        rows = []
        for row in range(scores.shape[0]):
            low, high = scores.indptr[row], scores.indptr[row + 1]
            skills, values = scores.indices[low:high], scores.data[low:high]
            if len(values) > keep:
                part = np.argpartition(-values, keep - 1)[:keep]
                skills, values = skills[part], values[part]
            rows.append((skills.astype(np.int64), values.astype(np.float64)))
        if self.char_weight:
            rows = self._rescore_chars(texts, rows)
        out = []
        for skills, values in rows:
            order = np.lexsort((skills, -values))[:top]
            out.append((skills[order], values[order]))
        return out

    def _rescore_chars(self, texts, rows):
        """Add character n-gram similarity (cosine, best label) to each text's candidates."""
        f = self._fitted
        starts = f["starts"]
        ends = np.r_[starts[1:], len(f["label_skill"])]
        pair_text, pair_skill = [], []
        for row, (skills, _) in enumerate(rows):
            pair_text.append(np.full(len(skills), row))
            pair_skill.append(skills)
        if not pair_text:
            return rows
        pair_text, pair_skill = np.concatenate(pair_text), np.concatenate(pair_skill)
        counts = ends[pair_skill] - starts[pair_skill]
        label_text = np.repeat(pair_text, counts)
        label_pair = np.repeat(np.arange(len(pair_skill)), counts)
        offsets = np.repeat(np.cumsum(counts) - counts, counts)
        label_rows = np.repeat(starts[pair_skill], counts) + (np.arange(counts.sum()) - offsets)
        text_chars = f["chars"].transform(texts).tocsr()
        similarity = np.asarray(text_chars[label_text].multiply(f["char_labels"][label_rows]).sum(axis=1)).ravel()
        best = np.zeros(len(pair_skill))
        np.maximum.at(best, label_pair, similarity)
        out, at = [], 0
        for skills, values in rows:
            out.append((skills, values + self.char_weight * best[at : at + len(skills)]))
            at += len(skills)
        return out

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
            best = self._best([c.text for c in chunk], top=top)
            for item, (skills, values) in zip(chunk, best, strict=True):
                results.append(self._mentions(item, skills, values, threshold=threshold))
        return results

    def tag_one(self, text: str, *, top: int = 5, threshold: float | None = None) -> Tagged:
        return self.tag([text], top=top, threshold=threshold)[0]

    def rank(self, texts: Sequence[str], *, top: int = 5) -> list[list[int]]:
        """The best ``top`` skill indexes per text, whatever their score (for evaluation)."""
        out = []
        for low in range(0, len(texts), CHUNK):
            plain = [clean(t).text for t in texts[low : low + CHUNK]]
            out.extend(skills.tolist() for skills, _ in self._best(plain, top=top))
        return out

    def _mentions(self, item: Cleaned, skills: np.ndarray, values: np.ndarray, *, threshold: float) -> Tagged:
        text_words = words(item.text)
        mentions = [
            Mention(skill_id=int(self.ids[i]), score=round(float(v), 4), matched=self._matched(i, text_words))
            for i, v in zip(skills, values, strict=True)
            if v >= threshold and v > 0
        ]
        supported = bool(mentions) or _reads_as_english(text_words, item.text)
        return Tagged(mentions=mentions, truncated=item.truncated, language_supported=supported)

    def _matched(self, skill: int, text_words: list[tuple[str, str]]) -> tuple[str, ...]:
        """The text's words that this skill's labels or description share, in text order."""
        label, description = self._fitted["label_stems"][skill], self._fitted["description_stems"][skill]
        shared, seen = [], set()
        for stem_, surface in text_words:
            if stem_ not in seen and (stem_ in label or stem_ in description):
                seen.add(stem_)
                shared.append(surface)
        return tuple(shared[:8])


def _row_sets(matrix: sp.csr_matrix, terms: np.ndarray) -> list[frozenset]:
    return [frozenset(terms[matrix.indices[a:b]]) for a, b in zip(matrix.indptr[:-1], matrix.indptr[1:], strict=True)]


def _max_per_sorted_cell(matrix: sp.csr_matrix, column_group: np.ndarray, *, shape) -> sp.csr_matrix:
    """Group ``matrix``'s columns by ``column_group`` (non-decreasing along a row, which sorted
    label columns are) and keep each group's largest value per row."""
    if matrix.nnz == 0:
        return sp.csr_matrix(shape, dtype=np.float32)
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    groups = column_group[matrix.indices]
    starts = np.flatnonzero(np.r_[True, (rows[1:] != rows[:-1]) | (groups[1:] != groups[:-1])])
    best = np.maximum.reduceat(matrix.data, starts)
    return sp.csr_matrix((best.astype(np.float32), (rows[starts], groups[starts])), shape=shape)


def _reads_as_english(text_words: list[tuple[str, str]], text: str) -> bool:
    """Whether a text that matched nothing still reads as English: it has English stop words."""
    tokens = [m.group().lower() for m in _WORD.finditer(text)]
    if len(tokens) < 4:
        return True  # too short to say
    english = sum(1 for t in tokens if t in ENGLISH_STOP_WORDS)
    return english / len(tokens) >= 0.1
