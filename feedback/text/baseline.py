"""The plain label-matching baseline the tagger is measured against.

A skill is mentioned when its name or one of its aliases appears in the text as a whole phrase
(case-insensitive, on word boundaries). Longer labels rank first (more specific: "data
visualisation" before "data"). No stems, no description, no weights: what a careful keyword
search would do.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence

from .tagger import split_aliases

_TOKEN = re.compile(r"[^\W_][\w+#]*", re.UNICODE)


def _tokens(text: str) -> tuple[str, ...]:
    return tuple(t.lower() for t in _TOKEN.findall(text or ""))


class LabelMatcher:
    def __init__(self, *, names: Sequence[str], aliases: Sequence):
        # first token -> [(label tokens, skill index)], so a text is scanned once, token by token
        self._by_first: dict[str, list[tuple[tuple[str, ...], int]]] = defaultdict(list)
        for index, (name, extra) in enumerate(zip(names, aliases, strict=True)):
            for label in {_tokens(label) for label in [name, *split_aliases(extra)]}:
                if label:
                    self._by_first[label[0]].append((label, index))

    def scores(self, text: str) -> dict[int, int]:
        """Skill index -> length (in characters) of its longest label found in the text."""
        tokens = _tokens(text)
        found: dict[int, int] = {}
        for position, token in enumerate(tokens):
            for label, index in self._by_first.get(token, ()):
                if tokens[position : position + len(label)] == label:
                    length = sum(map(len, label)) + len(label) - 1
                    if length > found.get(index, 0):
                        found[index] = length
        return found

    def rank(self, text: str, *, top: int = 5) -> list[int]:
        found = self.scores(text)
        return sorted(found, key=lambda index: (-found[index], index))[:top]
