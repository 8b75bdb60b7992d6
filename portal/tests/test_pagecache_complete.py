"""The page cache's key is complete by construction (portal.pagecache, core.tableversions).

Every cached page of the demo users is built with the recorder on; every table it read is then
written behind the page's back, once with ``save()``, once with ``QuerySet.update()`` and once
with ``bulk_update`` (no signal fires for the last two), and the next visit must build the page
anew. Nothing here lists the tables: a table a template starts reading joins the walk by itself,
and fails it unless a write to it moves the page's key.
"""

from contextlib import contextmanager

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from core import tableversions
from demo.generator import DEMO_PASSWORD
from demo.tests.conftest import pilot, pilot_seeded  # noqa: F401  (fixtures)
from feedback.tests.fixtures import analysed, team  # noqa: F401  (fixtures)
from portal import pagecache
from profiles.models import BusinessUnit, Employee, LearningRecord, PerformanceReview

EMPLOYEE, MANAGER, HR = "employee@demo.example", "manager@demo.example", "hr@demo.example"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def builds(monkeypatch):
    """The tables read by each page build, in order (one set per build)."""
    built = []
    recording = tableversions.reading

    @contextmanager
    def spied(**kwargs):
        with recording(**kwargs) as tables:
            yield tables
        built.append(tables)

    monkeypatch.setattr(pagecache.tableversions, "reading", spied)
    return built


def visit(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def model_of(table: str):
    return next(m for m in apps.get_models(include_auto_created=True) if m._meta.db_table == table)


def a_column(model):
    """A column a write can set to the value it has (the page may not change; its key must)."""
    return next(f for f in model._meta.concrete_fields if not f.primary_key)


def write_with_save(model, row):
    row.save()


def write_with_update(model, row):
    column = a_column(model)
    model._base_manager.filter(pk=row.pk).update(**{column.attname: getattr(row, column.attname)})


def write_with_bulk_update(model, row):
    model._base_manager.bulk_update([row], [a_column(model).name])


WRITES = [write_with_save, write_with_update, write_with_bulk_update]


def cached_pages():
    """(who signs in, the url) of every page the portal caches, for the demo users."""
    report = Employee.objects.get(user__username=EMPLOYEE)
    briefing = reverse("portal:briefing", args=[report.pk])
    return [(EMPLOYEE, reverse("portal:me")), (MANAGER, briefing), (HR, briefing)]


WALKED = 2  # HR's briefing is the manager's page (plus what the key holds by value): cached, not walked again


@pytest.mark.usefixtures("pilot_seeded")
class TestEveryTableAPageReadsIsInItsKey:
    def test_each_write_to_any_table_a_page_read_builds_it_anew(self, client, pilot, builds):  # noqa: F811
        walked = set()
        for n, (email, url) in enumerate(cached_pages()):
            assert client.login(username=email, password=DEMO_PASSWORD)
            builds.clear()
            visit(client, url)
            visit(client, url)
            assert len(builds) == 1, f"{url} for {email} was not served from the cache"
            read = builds[0]
            assert {"profiles_employee", "profiles_skillevidence", "taxonomy_skill"} <= read, read
            versions = tableversions.current()
            assert not read - versions.keys(), f"read without a version: {read - versions.keys()}"
            for table in sorted(read) if n < WALKED else ():
                model = model_of(table)
                row = model._base_manager.order_by("pk").first()
                if row is None:
                    continue  # nothing to change: an insert moves the version as the writes below do
                walked.add(table)
                for write in WRITES:
                    before = len(builds)
                    write(model, row)
                    visit(client, url)
                    assert len(builds) == before + 1, f"{write.__name__} on {table}: {url} served stale"
                    visit(client, url)
                    assert len(builds) == before + 1, f"{url} not served again after {table} was written"
        # The pages read the person's own records and the shared taxonomy alike.
        assert {"profiles_businessunit", "profiles_performancereview", "profiles_learningrecord"} <= walked

    def test_a_page_reading_a_table_without_a_version_is_never_stored(self, client, pilot, builds, monkeypatch):  # noqa: F811
        current = tableversions.current
        monkeypatch.setattr(
            pagecache.tableversions,
            "current",
            lambda **kw: {t: v for t, v in current(**kw).items() if t != "profiles_businessunit"},
        )
        assert client.login(username=EMPLOYEE, password=DEMO_PASSWORD)
        visit(client, reverse("portal:me"))
        visit(client, reverse("portal:me"))
        assert len(builds) == 2

    def test_a_page_served_again_costs_the_look_up_and_one_read_of_the_versions(
        self,
        client,
        pilot,  # noqa: F811
        django_assert_max_num_queries,
    ):
        assert client.login(username=EMPLOYEE, password=DEMO_PASSWORD)
        visit(client, reverse("portal:me"))
        with django_assert_max_num_queries(6) as served:
            visit(client, reverse("portal:me"))
        versions = [q for q in served.captured_queries if tableversions.VERSION_TABLE in q["sql"]]
        assert len(versions) == 1


# What a reviewer tried: each shows on the very next visit.


def test_a_business_unit_renamed_in_the_admin_shows_on_me(client, analysed):  # noqa: F811
    org, *_ = analysed
    unit = BusinessUnit.objects.create(name="Operations")
    Employee.objects.filter(pk=org.employee.pk).update(business_unit=unit)
    client.force_login(org.employee.user)
    assert "Operations" in visit(client, reverse("portal:me"))
    unit.name = "Field operations"
    unit.save()
    assert "Field operations" in visit(client, reverse("portal:me"))


def test_a_review_edited_in_place_shows_on_the_briefing(client, analysed):  # noqa: F811
    org, *_ = analysed
    review = PerformanceReview.objects.create(
        employee=org.employee,
        period="2026-H1",
        score=3,
        commentary="Solid planning",
        reviewer=org.manager,
        submitted_at=timezone.now(),
    )
    url = reverse("portal:briefing", args=[org.employee.pk])
    client.force_login(org.manager.user)
    assert "2026-H1</strong>: 3.0/5" in visit(client, url)
    PerformanceReview.objects.filter(pk=review.pk).update(score=5, commentary="Outstanding planning")
    page = visit(client, url)
    assert "2026-H1</strong>: 5.0/5" in page and "Outstanding planning" in page


def test_a_learning_record_retitled_in_place_shows_on_me(client, analysed):  # noqa: F811
    org, *_ = analysed
    record = LearningRecord.objects.create(
        employee=org.employee, activity_id="c1", title="Course 1", status="completed"
    )
    client.force_login(org.employee.user)
    assert "Course 1" in visit(client, reverse("portal:me"))
    LearningRecord.objects.bulk_update([LearningRecord(pk=record.pk, title="Negotiation basics")], ["title"])
    assert "Negotiation basics" in visit(client, reverse("portal:me"))


def test_raw_sql_writes_move_the_version_too(db):
    with connection.cursor() as cursor:
        before = tableversions.current()["profiles_businessunit"]
        cursor.execute("INSERT INTO profiles_businessunit (name, code) VALUES ('Raw', '')")
        assert tableversions.current()["profiles_businessunit"] > before
