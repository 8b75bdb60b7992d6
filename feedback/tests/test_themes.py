"""Recurring themes: planted themes are found per person with counts, authors, trend and quotes;
team themes need five people; HR hides a wrong one for good."""

from datetime import timedelta

import pandas as pd
import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from feedback import themes
from feedback.models import Text, TextSource, Theme
from feedback.text import themes as model

MEETINGS = [
    "ran the client workshop and kept the meeting focused on decisions",
    "her workshop facilitation kept the client meeting on track",
    "facilitated the planning workshop, the meeting ended with clear decisions",
    "the client workshop she facilitated finished early with decisions made",
]
CODE = [
    "reviewed the pull request carefully and caught the failing unit tests",
    "his code review found bugs before release, unit tests now pass",
    "wrote unit tests for the billing code and reviewed two pull requests",
    "careful code review, added unit tests to the pull request",
]
NOISE = ["lunch was late today", "the office moved floors", "parking is full again", "holiday plans next month"]


def frame(rows):
    now = pd.Timestamp("2026-12-01")
    return pd.DataFrame(
        [
            {"text_id": i, "employee_id": e, "author_id": a, "written_at": now - pd.Timedelta(days=d), "body": b}
            for i, (e, a, d, b) in enumerate(rows, start=1)
        ]
    )


class TestModel:
    def test_planted_themes_recur_per_person_with_counts_trend_and_quotes(self):
        rows = [(1, 10 + i, 10 + 20 * i, body) for i, body in enumerate(MEETINGS)]
        rows += [(2, 20 + i, 100, body) for i, body in enumerate(CODE)]
        rows += [(3, 30, 5, body) for body in NOISE]
        texts = frame(rows * 2)
        fitted = model.themes_fit(texts["body"].tolist(), n_themes=3)
        found = model.recurring(model.assign(fitted, texts), fitted, start="2026-06-01", end="2026-12-01")
        mine = found[found["employee_id"] == 1].iloc[0]
        assert any(word in mine["label"] for word in ("workshop", "meeting", "client", "facilitat", "decisions"))
        assert mine["texts"] >= 4 and mine["authors"] == 4
        assert mine["trend"] == "rising" and len(mine["quotes"]) == 2
        theirs = found[found["employee_id"] == 2].iloc[0]
        assert any(word in theirs["label"] for word in ("code", "unit", "pull", "review"))

    def test_a_team_theme_needs_five_people(self):
        rows = [(person, 99, 10, body) for person in range(1, 5) for body in MEETINGS]
        rows += [(9, 98, 10, body) for body in NOISE]
        texts = frame(rows).assign(team=7)
        fitted = model.themes_fit(texts["body"].tolist(), n_themes=2)
        assigned = model.assign(fitted, texts)
        kw = {"start": "2026-06-01", "end": "2026-12-01", "group": "team", "min_people": model.TEAM_MIN_PEOPLE}
        assert model.recurring(assigned, fitted, **kw).empty  # four people only
        more = frame(rows + [(5, 97, 3, body) for body in MEETINGS]).assign(team=7)
        assert not model.recurring(model.assign(fitted, more), fitted, **kw).empty


@pytest.mark.django_db
class TestThemesCompute:
    def texts(self, employee, bodies, *, authors):
        now = timezone.now()
        for i, body in enumerate(bodies):
            Text.objects.create(
                employee=employee,
                author=authors[i % len(authors)],
                source=TextSource.API,
                source_id=Text.objects.count() + 1,
                body=body,
                written_at=now - timedelta(days=7 * i),
            )

    def test_it_writes_themes_and_keeps_hidden_ones_hidden(self, org):
        self.texts(org.employee, MEETINGS * 2, authors=[org.manager.user, org.peer.user])
        self.texts(org.peer, CODE * 2, authors=[org.manager.user])
        self.texts(org.outsider, NOISE, authors=[org.outsider_manager.user])
        assert themes.themes_compute(n_themes=3) >= 2
        theme = Theme.objects.filter(employee=org.employee).first()
        assert theme.texts >= 4 and theme.authors == 2 and theme.quotes
        with pytest.raises(PermissionDenied):
            themes.theme_hide(theme=theme, by=org.manager.user, reason="wrong")
        themes.theme_hide(theme=theme, by=org.hr_user, reason="These were one event, not a pattern")
        themes.themes_compute(n_themes=3)
        assert not Theme.objects.filter(employee=org.employee, label=theme.label, hidden=False).exists()
        assert Theme.objects.filter(employee=org.employee, label=theme.label, hidden=True).count() == 1

    def test_one_person_on_demand_leaves_the_others(self, org):
        self.texts(org.employee, MEETINGS * 2, authors=[org.peer.user])
        self.texts(org.peer, CODE * 2, authors=[org.manager.user])
        themes.themes_compute(n_themes=3)
        theirs = set(Theme.objects.filter(employee=org.peer).values_list("pk", flat=True))
        themes.themes_compute(employee_ids=[org.employee.pk], n_themes=3)
        assert set(Theme.objects.filter(employee=org.peer).values_list("pk", flat=True)) == theirs
