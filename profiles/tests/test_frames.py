"""The frame readers of the profiles and taxonomy tables, against a real database (SQLite or
PostgreSQL's COPY): fixed columns and dtypes, and each filter the recompute, the metrics and the
one-person pages rely on."""

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from django.utils import timezone

from core.frames import table
from profiles import frames
from profiles.models import CareerAspiration, Employee, RoleAssignment, SkillEvidence
from profiles.tests.factories import BusinessUnitFactory
from taxonomy import frames as taxonomy_frames
from taxonomy.tests.factories import RequirementFactory, SkillFactory

pytestmark = pytest.mark.django_db

ENGINE_COLUMNS = ["employee_id", "skill_id", "level", "source", "age_days", "confidence"]


def evidence(employee, skill, *, level=2, source="manager", days=10.0, confidence=0.9, now):
    return SkillEvidence.objects.create(
        employee=employee,
        skill=skill,
        level=level,
        source=source,
        confidence=confidence,
        observed_at=now - timedelta(days=days),
    )


@pytest.fixture
def recorded(org):
    """Evidence for three people in two skills, one piece dated a day ahead of ``now``."""
    now = timezone.now()
    sql, coaching = SkillFactory(name="SQL"), SkillFactory(name="Coaching")
    evidence(org.employee, sql, level=2, days=10, now=now)
    evidence(org.employee, coaching, level=3, source="self", days=400, confidence=0.5, now=now)
    evidence(org.peer, sql, level=1, days=-1, now=now)  # stamped ahead of the clock
    evidence(org.outsider, coaching, level=4, source="assessment", days=30, now=now)
    return org, now, sql, coaching


class TestSkillEvidence:
    def test_the_frame_has_the_engine_columns_and_dtypes(self, recorded):
        org, now, *_ = recorded
        frame = frames.skill_evidence(now=now)
        assert list(frame.columns) == ENGINE_COLUMNS and len(frame) == 4
        assert frame.dtypes.map(str).to_dict() == {
            "employee_id": "int64",
            "skill_id": "int64",
            "level": "int64",
            "source": "category",
            "age_days": "float64",
            "confidence": "float64",
        }
        observed = frames.skill_evidence(now=now, with_observed_at=True)
        assert list(observed.columns) == [*ENGINE_COLUMNS, "observed_at"]
        assert (
            isinstance(observed["observed_at"].dtype, pd.DatetimeTZDtype)
            and str(observed["observed_at"].dt.tz) == "UTC"
        )

    def test_age_is_counted_in_days_before_now_and_never_negative(self, recorded):
        org, now, sql, coaching = recorded
        frame = frames.skill_evidence(now=now).set_index(["employee_id", "skill_id"])
        assert frame.loc[(org.employee.pk, sql.pk), "age_days"] == pytest.approx(10, abs=1e-4)
        assert frame.loc[(org.employee.pk, coaching.pk), "age_days"] == pytest.approx(400, abs=1e-4)
        assert frame.loc[(org.peer.pk, sql.pk), "age_days"] == 0.0
        later = frames.skill_evidence(now=now + timedelta(days=5)).set_index(["employee_id", "skill_id"])
        assert later.loc[(org.employee.pk, sql.pk), "age_days"] == pytest.approx(15, abs=1e-4)
        assert later.loc[(org.peer.pk, sql.pk), "age_days"] == pytest.approx(4, abs=1e-4)

    def test_observed_at_is_the_stored_moment(self, recorded):
        org, now, sql, _ = recorded
        frame = frames.skill_evidence(
            now=now, employee_ids=[org.employee.pk], skill_ids=[sql.pk], with_observed_at=True
        )
        assert frame["observed_at"].tolist() == [pd.Timestamp(now - timedelta(days=10))]

    def test_it_reads_an_id_range_a_set_of_ids_or_one_employee(self, recorded):
        org, now, *_ = recorded
        ids = sorted([org.employee.pk, org.peer.pk, org.outsider.pk])
        in_range = frames.skill_evidence(now=now, id_range=(ids[0], ids[1] + 1))
        assert set(in_range["employee_id"]) == {ids[0], ids[1]}  # the upper end is left out
        chosen = frames.skill_evidence(now=now, employee_ids=[org.peer.pk, org.outsider.pk])
        assert set(chosen["employee_id"]) == {org.peer.pk, org.outsider.pk}
        one = frames.skill_evidence(now=now, employee_ids=[org.employee.pk])
        assert set(one["employee_id"]) == {org.employee.pk} and len(one) == 2
        # the one-person read is the chunk read of that person
        pk = org.employee.pk
        by_range = frames.skill_evidence(now=now, id_range=(pk, pk + 1))
        pd.testing.assert_frame_equal(one.reset_index(drop=True), by_range.reset_index(drop=True))

    def test_no_ids_is_no_rows_with_the_same_columns(self, recorded):
        _, now, *_ = recorded
        frame = frames.skill_evidence(now=now, employee_ids=[])
        assert frame.empty and list(frame.columns) == ENGINE_COLUMNS
        assert frame["employee_id"].dtype == "int64" and frame["age_days"].dtype == "float64"

    def test_it_reads_a_business_unit(self, recorded):
        org, now, *_ = recorded
        unit = BusinessUnitFactory(name="Elsewhere")
        Employee.objects.filter(pk=org.outsider.pk).update(business_unit=unit)
        frame = frames.skill_evidence(now=now, business_unit_id=unit.pk)
        assert set(frame["employee_id"]) == {org.outsider.pk}

    def test_it_keeps_the_skills_asked_for(self, recorded):
        org, now, sql, coaching = recorded
        frame = frames.skill_evidence(now=now, skill_ids=[sql.pk])
        assert set(frame["skill_id"]) == {sql.pk} and set(frame["employee_id"]) == {org.employee.pk, org.peer.pk}
        assert frames.skill_evidence(now=now, skill_ids=[]).empty

    def test_it_keeps_what_was_known_by_a_date(self, recorded):
        org, now, sql, coaching = recorded
        frame = frames.skill_evidence(now=now, observed_until=now - timedelta(days=20))
        assert sorted(zip(frame["employee_id"], frame["skill_id"], strict=True)) == sorted(
            [(org.employee.pk, coaching.pk), (org.outsider.pk, coaching.pk)]
        )

    def test_it_keeps_only_the_pairs_a_select_gives(self, recorded):
        org, now, sql, coaching = recorded
        pairs = (f"SELECT employee_id, skill_id FROM {table(SkillEvidence)} WHERE level >= %s", [3])  # noqa: S608
        frame = frames.skill_evidence(now=now, only_pairs=pairs)
        assert sorted(zip(frame["employee_id"], frame["skill_id"], strict=True)) == sorted(
            [(org.employee.pk, coaching.pk), (org.outsider.pk, coaching.pk)]
        )

    def test_filters_combine(self, recorded):
        org, now, sql, coaching = recorded
        frame = frames.skill_evidence(
            now=now, employee_ids=[org.employee.pk, org.peer.pk], skill_ids=[sql.pk], observed_until=now
        )
        assert frame["employee_id"].tolist() == [org.employee.pk]  # the peer's evidence is dated later


class TestPeople:
    def test_employees_are_the_active_ones_with_role_and_unit(self, org):
        Employee.objects.filter(pk=org.outsider.pk).update(status=Employee.Status.LEFT)
        Employee.objects.filter(pk=org.peer.pk).update(role=None)
        frame = frames.employees()
        assert list(frame.columns) == ["employee_id", "role_id", "business_unit_id"]
        assert frame.dtypes.map(str).tolist() == ["int64", "float64", "float64"]
        assert org.outsider.pk not in set(frame["employee_id"])
        assert np.isnan(frame.set_index("employee_id").loc[org.peer.pk, "role_id"])
        assert org.outsider.pk in set(frames.employees(active_only=False)["employee_id"])

    def test_employment_adds_status_cohort_and_dates(self, org):
        Employee.objects.filter(pk=org.employee.pk).update(
            hire_date=date(2020, 3, 1), cohort="pilot", status=Employee.Status.LEFT,
            termination_date=date(2026, 1, 31),
        )  # fmt: skip
        frame = frames.employees(active_only=False, with_employment=True).set_index("employee_id")
        assert list(frame.columns) == [
            "role_id",
            "business_unit_id",
            "status",
            "cohort",
            "hire_date",
            "termination_date",
        ]
        row = frame.loc[org.employee.pk]
        assert (row["status"], row["cohort"]) == ("left", "pilot")
        assert row["hire_date"] == pd.Timestamp("2020-03-01", tz="UTC")
        assert row["termination_date"] == pd.Timestamp("2026-01-31", tz="UTC")
        assert pd.isna(frame.loc[org.peer.pk, "termination_date"])

    def test_aspirations_and_role_history(self, org):
        now = timezone.now()
        target = org.manager.role
        CareerAspiration.objects.create(employee=org.employee, target_role=target, stated_at=now)
        CareerAspiration.objects.create(employee=org.peer, interests="Data", stated_at=now)
        aspirations = frames.career_aspirations(employee_ids=[org.employee.pk, org.peer.pk]).set_index("employee_id")
        assert aspirations.loc[org.employee.pk, "aspired_role_id"] == target.pk
        assert np.isnan(aspirations.loc[org.peer.pk, "aspired_role_id"])
        assert aspirations["stated_at"].tolist() == [pd.Timestamp(now)] * 2
        RoleAssignment.objects.create(employee=org.employee, role=org.employee.role, start_date=date(2024, 5, 1))
        RoleAssignment.objects.create(
            employee=org.peer, role=org.peer.role, kind=RoleAssignment.Kind.INTERNAL_FILL, start_date=date(2025, 2, 1)
        )
        history = frames.role_assignments()
        assert list(history.columns) == ["employee_id", "role_id", "kind", "start_date"] and len(history) == 2
        fills = frames.role_assignments(kinds=[RoleAssignment.Kind.INTERNAL_FILL])
        assert fills["employee_id"].tolist() == [org.peer.pk]
        assert fills["start_date"].tolist() == [pd.Timestamp("2025-02-01", tz="UTC")]


class TestTaxonomy:
    def test_requirements_roles_and_skills(self, db):
        requirement = RequirementFactory(target_level=3, importance=5, core=True)
        RequirementFactory(role=requirement.role, core=False)
        requirements = taxonomy_frames.role_requirements()
        assert list(requirements.columns) == ["role_id", "skill_id", "target_level", "importance", "core"]
        assert requirements["core"].dtype == bool and sorted(requirements["core"].tolist()) == [False, True]
        roles = taxonomy_frames.roles().set_index("role_id")
        assert roles.loc[requirement.role_id, "title"] == requirement.role.title
        assert roles["grade"].dtype == "float64"
        skills = taxonomy_frames.skills().set_index("skill_id")
        assert skills.loc[requirement.skill_id, "name"] == requirement.skill.name


def test_one_employee_levels_match_the_recompute(recorded):
    """The portal's "My level" reads through the same reader, so it is the level the gaps use."""
    from recommendations.engine.proficiency import current_proficiency
    from recommendations.models import EngineSettings
    from recommendations.selectors import employee_levels

    org, now, *_ = recorded
    levels = employee_levels(employee=org.employee)
    engine = current_proficiency(
        frames.skill_evidence(now=now, employee_ids=[org.employee.pk]), EngineSettings.load().as_weights()
    )
    assert {skill: round(level["level"], 6) for skill, level in levels.items()} == {
        int(row.skill_id): round(float(row.level), 6) for row in engine.itertuples()
    }
    assert all(level["last_assessed"] is not None for level in levels.values())


def test_a_reader_is_one_query(recorded, django_assert_num_queries):
    org, now, *_ = recorded
    with django_assert_num_queries(1):
        frames.skill_evidence(now=now, employee_ids=[org.employee.pk], with_observed_at=True)
