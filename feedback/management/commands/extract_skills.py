"""Tag free text with the taxonomy's skills, one text per line: HR tries the tagger on its own text.

    python manage.py extract_skills FILE [--top K] [--json]

FILE is UTF-8 with one text per line (``-`` reads standard input). Each line is tagged against
the current taxonomy (``feedback.text.tagger``) and its top K skills (default 5) printed with
their scores and the words that matched. ``--json`` prints one list, one object per input line in
input order: ``{"text": ..., "skills": [{"name": ..., "score": ...}, ...]}``, plus ``"note"``
when a line was empty, cut, not valid UTF-8 or in a language the taxonomy does not speak.
"""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from feedback.mentions import tagger_fit_from_taxonomy
from feedback.text.tagger import MAX_CHARS, EmptyText, clean
from taxonomy.models import Skill

NOTE_EMPTY = "empty line: nothing to tag"
NOTE_ENCODING = "not valid UTF-8: nothing tagged"
NOTE_TRUNCATED = f"tagged on its first {MAX_CHARS:,} characters only"
NOTE_LANGUAGE = "no skill matched, and the text does not read as English: only English is supported"


def read_lines(path: str) -> list[tuple[str | None, str | None]]:
    """(text, note) per line; text is None when the line cannot be read."""
    try:
        raw = sys.stdin.buffer.read() if path == "-" else open(path, "rb").read()  # noqa: SIM115
    except OSError as error:
        raise CommandError(f"Cannot read {path}: {error.strerror}.") from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    lines = []
    for line in raw.splitlines():
        try:
            lines.append((line.decode("utf-8"), None))
        except UnicodeDecodeError:
            lines.append((None, NOTE_ENCODING))
    return lines


class Command(BaseCommand):
    help = "Tag each line of FILE with the taxonomy skills it speaks of (top K with scores)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="UTF-8 text, one text per line; - for standard input.")
        parser.add_argument("--top", type=int, default=5, help="Skills to print per text (default 5).")
        parser.add_argument("--json", action="store_true", help="Print JSON: one object per input line.")

    def handle(self, *args, file, top, json, **options):
        if top < 1:
            raise CommandError("--top must be 1 or more.")
        lines = read_lines(file)
        if not lines:
            raise CommandError(f"{file} is empty: write one text per line.")
        tagger = tagger_fit_from_taxonomy()
        if tagger is None:
            raise CommandError("The taxonomy has no skills yet: import it first (import_taxonomy).")
        names = dict(Skill.objects.values_list("pk", "name"))
        results = [self.tag(tagger, text, note, top=top, names=names) for text, note in lines]
        if json:
            self.stdout.write(_json_dumps(results))
            return
        for number, result in enumerate(results, start=1):
            self.stdout.write(f"{number}: {_preview(result['text'])}")
            if result.get("note"):
                self.stdout.write(f"   ({result['note']})")
            for skill in result["skills"]:
                self.stdout.write(f"   {skill['score']:.3f}  {skill['name']}  [{', '.join(skill['matched'])}]")

    @staticmethod
    def tag(tagger, text, note, *, top, names) -> dict:
        result = {"text": text if text is not None else "", "skills": []}
        if text is None:
            result["note"] = note
            return result
        try:
            clean(text)
        except EmptyText:
            result["note"] = NOTE_EMPTY
            return result
        tagged = tagger.tag_one(text, top=top)
        result["skills"] = [
            {"name": names[m.skill_id], "score": m.score, "matched": list(m.matched)} for m in tagged.mentions
        ]
        notes = [NOTE_TRUNCATED] if tagged.truncated else []
        if not tagged.language_supported:
            notes.append(NOTE_LANGUAGE)
        if notes:
            result["note"] = "; ".join(notes)
        return result


def _json_dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1)


def _preview(text: str, limit: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
