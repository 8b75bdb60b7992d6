"""Maya Fernandes's levels in the pilot demo (issue 17): levels she can believe.

On the weighted mean her SQL read "level 2, last assessed 15 Apr 2026, Skills assessment" while
that assessment recorded 3, her chart showed averages no observation ever recorded (Storytelling
with data 1.8, then 1.1), and completing a course pulled levels down (Data visualisation,
Experiment design). ``engine.proficiency`` now reads a level from one observation and lets
learning only raise it.
"""

import datetime as dt
import re

import pytest
from django.urls import reverse

from portal.progress import progress_series
from profiles.models import Employee, SkillEvidence
from taxonomy.models import Skill

MAYA = "employee@demo.example"
CHARTED = ["SQL", "Storytelling with data", "Data visualisation", "Experiment design"]
CHART_DAY = dt.datetime(2026, 12, 3, 12, tzinfo=dt.UTC)  # the demo's dates are fixed; so is the chart's window

pytestmark = pytest.mark.usefixtures("pilot")


def maya():
    return Employee.objects.select_related("user").get(user__username=MAYA)


def standing_row(page: str, skill: str) -> str:
    standing = page.split('id="standing"')[1].split("</section>")[0]
    return next(row for row in standing.split("<tr>") if f'<th scope="row">{skill}' in row)


def chart(employee) -> dict[str, dict[str, float | None]]:
    """Her progress chart for the charted skills: {skill: {month: level}}."""
    skills = list(Skill.objects.filter(name__in=CHARTED).values_list("pk", "name"))
    series = progress_series(employee=employee, skills=skills, now=CHART_DAY)
    return {data["label"]: dict(zip(series["labels"], data["data"], strict=True)) for data in series["datasets"]}


class TestMayasLevels:
    def test_sql_shows_the_level_the_assessment_it_names_recorded(self, client):
        employee = maya()
        newest_assessment = (
            SkillEvidence.objects.filter(employee=employee, skill__name="SQL", source="assessment")
            .order_by("observed_at")
            .last()
        )
        assert (newest_assessment.level, f"{newest_assessment.observed_at:%Y-%m-%d}") == (3, "2026-04-15")
        client.force_login(employee.user)
        row = standing_row(client.get(reverse("portal:me")).content.decode(), "SQL")
        assert re.search(r'<span class="level (meets|below)">3</span>', row)  # was 2
        assert "15 Apr 2026" in row and "Skills assessment, recorded level 3" in row

    def test_completing_learning_never_lowers_a_point_on_her_chart(self):
        employee = maya()
        with_learning = chart(employee)
        SkillEvidence.objects.filter(employee=employee, source="learning").delete()  # rolled back after the test
        without_learning = chart(employee)
        lowered = [
            (skill, month, level, without_learning[skill][month])
            for skill, months in with_learning.items()
            for month, level in months.items()
            if level is not None and without_learning[skill].get(month) is not None
            if level < without_learning[skill][month]
        ]
        assert lowered == []  # was Data visualisation from Apr 2026 and Experiment design from Jul 2025

    def test_every_point_on_her_chart_is_a_level_an_observation_recorded(self):
        points = {level for months in chart(maya()).values() for level in months.values() if level is not None}
        assert points and all(level == int(level) for level in points)  # was 1.8, 1.2, 1.1 ...

    def test_a_level_on_her_chart_falls_only_in_a_month_a_rating_of_it_arrived(self):
        """Neither time alone nor a completion lowers a level: a fall is a newer rating saying so."""
        employee = maya()
        rated_months = {
            (name, f"{observed:%b %Y}")
            for name, observed in SkillEvidence.objects.filter(employee=employee, skill__name__in=CHARTED)
            .exclude(source="learning")
            .values_list("skill__name", "observed_at")
        }
        falls = [
            (skill, month)
            for skill, months in chart(employee).items()
            for (_, before), (month, after) in zip(list(months.items()), list(months.items())[1:], strict=False)
            if before is not None and after is not None and after < before
        ]
        assert all(fall in rated_months for fall in falls), falls
