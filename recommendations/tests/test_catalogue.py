"""The learning catalogue: the admin pages, spreadsheet import/export (admin and
``import_catalogue``), the mentor rule, and the demo catalogue step."""

import datetime
from io import StringIO

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from import_export.formats.base_formats import XLSX
from tablib import Dataset

from profiles.models import LearningRecord, SkillEvidence
from profiles.tests.factories import EmployeeFactory, UserFactory
from recommendations.models import (
    Flag,
    LearningResource,
    ModelRun,
    Opportunity,
    Recommendation,
    ResourceSkill,
)
from recommendations.resources import COLUMNS, CatalogueResource
from taxonomy.tests.factories import SkillFactory

pytestmark = pytest.mark.django_db

HEADER = ",".join(COLUMNS)
SQL_COURSE = "SQL fundamentals,course,self_paced,3,0,Academy,https://lms.example/sql,https://lms.example/sql,yes"
GOOD_FILE = (
    f"{HEADER}\n"
    f"{SQL_COURSE},SQL,0,1,,\n"
    f"{SQL_COURSE},Python,0,1,,\n"
    "Google Data Analytics Certificate,certification,self_paced,180,234,Coursera,,,yes,SQL,1,2,,\n"
    "Mentoring in SQL with Ada,mentorship,one_to_one,12,0,,,,,SQL,2,3,E90001,\n"
    "Present the trading review,stretch,on_the_job,40,0,,,,,Storytelling with data,2,3,,Present the trading review\n"
    "SQL study circle,peer,group,12,0,,,,,SQL,1,2,,\n"
)


@pytest.fixture
def catalogue_world():
    """The skills, a mentor with level 3 in SQL and an open stretch opportunity the good file names."""
    for name in ["SQL", "Python", "Storytelling with data"]:
        SkillFactory(name=name)
    mentor = EmployeeFactory(external_id="E90001", first_name="Ada", last_name="Lovelace")
    evidence(mentor, "SQL", 3)
    Opportunity.objects.create(title="Present the trading review", kind="stretch")
    return mentor


def evidence(employee, skill, level, days_ago=10):
    return SkillEvidence.objects.create(
        employee=employee,
        skill=SkillFactory._meta.model.objects.get(name=skill),
        level=level,
        source="manager",
        observed_at=timezone.now() - datetime.timedelta(days=days_ago),
    )


def import_text(text, **kwargs):
    resource = CatalogueResource()
    result = resource.import_data(Dataset().load(text, format="csv"), dry_run=False, **kwargs)
    return resource, result


def counts():
    return LearningResource.objects.count(), ResourceSkill.objects.count()


def admin_url(model, action, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


# --- Import and export ------------------------------------------------------------------------


class TestAGoodFile:
    def test_it_creates_one_item_per_title_with_a_skill_row_per_line(self, catalogue_world):
        resource, result = import_text(GOOD_FILE)

        assert not result.has_errors() and not result.has_validation_errors()
        assert resource.item_counts() == {"created": 5, "updated": 0, "unchanged": 0}
        course = LearningResource.objects.get(activity_id="https://lms.example/sql")
        assert sorted(course.skills.values_list("skill__name", "from_level", "to_level")) == [
            ("Python", 0, 1),
            ("SQL", 0, 1),
        ]
        mentoring = LearningResource.objects.get(title="Mentoring in SQL with Ada")
        assert mentoring.mentor == catalogue_world
        assert LearningResource.objects.get(kind="stretch").opportunity.title == "Present the trading review"
        assert LearningResource.objects.get(kind="certification").cost == 234

    def test_importing_it_again_changes_nothing(self, catalogue_world):
        import_text(GOOD_FILE)
        before = list(LearningResource.objects.order_by("pk").values())

        resource, result = import_text(GOOD_FILE)

        assert result.totals["skip"] == 6 and result.totals["new"] == result.totals["update"] == 0
        assert resource.item_counts() == {"created": 0, "updated": 0, "unchanged": 5}
        assert list(LearningResource.objects.order_by("pk").values()) == before

    def test_an_export_imports_back_unchanged(self, catalogue_world):
        import_text(GOOD_FILE)
        exported = CatalogueResource().export()

        assert exported.headers == COLUMNS
        assert len(exported) == 6
        resource, result = import_text(exported.csv)
        assert result.totals["skip"] == 6, [row.error_dict for row in result.invalid_rows]

    def test_an_item_is_matched_by_activity_id_so_its_title_can_change(self, catalogue_world):
        import_text(GOOD_FILE)

        resource, _ = import_text(f"{HEADER}\n{SQL_COURSE.replace('SQL fundamentals', 'SQL basics')},SQL,0,1,,\n")

        assert resource.item_counts() == {"created": 0, "updated": 1, "unchanged": 0}
        assert LearningResource.objects.get(activity_id="https://lms.example/sql").title == "SQL basics"

    def test_an_item_without_activity_id_gets_one_by_title(self, catalogue_world):
        import_text(GOOD_FILE)

        import_text(f"{HEADER}\nSQL study circle,peer,group,12,0,,,urn:circle:sql,,SQL,1,2,,\n")

        assert LearningResource.objects.get(title="SQL study circle").activity_id == "urn:circle:sql"
        assert LearningResource.objects.filter(title="SQL study circle").count() == 1

    def test_xlsx_works_like_csv(self, catalogue_world):
        workbook = XLSX().export_data(Dataset().load(GOOD_FILE, format="csv"))

        resource = CatalogueResource()
        result = resource.import_data(XLSX().create_dataset(workbook), dry_run=False)

        assert not result.has_errors() and not result.has_validation_errors()
        assert counts() == (5, 6)


BAD_ROWS = {
    "unknown skill": ("SQL circle,peer,group,12,0,,,,,Spark,1,2,,", "skill", "There is no skill with name 'Spark'."),
    "levels that do not rise": (
        "SQL circle,peer,group,12,0,,,,,SQL,2,2,,",
        "to_level",
        "A resource must raise the level: from 0-3 to a higher level 1-4.",
    ),
    "a level out of range": (
        "SQL circle,peer,group,12,0,,,,,SQL,1,7,,",
        "to_level",
        "Proficiency level must be between 1 (awareness) and 4 (mastery), got 7.",
    ),
    "no hours": ("SQL circle,peer,group,0,0,,,,,SQL,1,2,,", "hours", "Hours must be more than 0."),
    "negative hours": ("SQL circle,peer,group,-2,0,,,,,SQL,1,2,,", "hours", "Hours must be more than 0."),
    "hours as words": ("SQL circle,peer,group,ten,0,,,,,SQL,1,2,,", "hours", "Hours must be a number, got 'ten'."),
    "mentorship without mentor": (
        "Mentoring,mentorship,one_to_one,12,0,,,,,SQL,2,3,,",
        "mentor_external_id",
        "A mentorship pairing must name the mentor.",
    ),
    "unknown mentor": (
        "Mentoring,mentorship,one_to_one,12,0,,,,,SQL,2,3,E404,",
        "mentor_external_id",
        "There is no employee with external_id 'E404'.",
    ),
    "unknown kind": (
        "SQL webinar,webinar,self_paced,1,0,,,,,SQL,0,1,,",
        "kind",
        "Kind must be one of course, certification, mentorship, stretch, peer, got 'webinar'.",
    ),
    "unknown format": (
        "SQL course,course,podcast,1,0,,,,,SQL,0,1,,",
        "format",
        "Format must be one of self_paced, live_virtual, in_person, one_to_one, on_the_job, group, got 'podcast'.",
    ),
    "an opportunity on a course": (
        "SQL course,course,self_paced,1,0,,,,,SQL,0,1,,Present the trading review",
        "opportunity_title",
        "Only a stretch assignment links an opportunity; leave it blank for this kind.",
    ),
    "an unknown opportunity": (
        "Stretch,stretch,on_the_job,40,0,,,,,SQL,2,3,,No such thing",
        "opportunity_title",
        "There is no opportunity with title 'No such thing'.",
    ),
    "a bad url": ("SQL course,course,self_paced,1,0,,not a url,,,SQL,0,1,,", "url", "Enter a valid URL."),
}


class TestABadRow:
    @pytest.mark.parametrize("case", BAD_ROWS, ids=list(BAD_ROWS))
    def test_nothing_is_imported_and_the_row_and_reason_are_reported(self, catalogue_world, case):
        bad_row, column, message = BAD_ROWS[case]
        before = counts()

        _, result = import_text(f"{HEADER}\n{SQL_COURSE},SQL,0,1,,\n{bad_row}\n")

        [invalid] = result.invalid_rows
        assert invalid.number == 2
        assert message in invalid.error_dict[column]
        assert counts() == before

    def test_every_bad_row_is_listed(self, catalogue_world):
        rows = "\n".join(row for row, _, _ in BAD_ROWS.values())

        _, result = import_text(f"{HEADER}\n{rows}\n")

        assert [row.number for row in result.invalid_rows] == list(range(1, len(BAD_ROWS) + 1))
        assert counts() == (0, 0)

    def test_rows_of_one_item_must_agree_on_its_columns(self, catalogue_world):
        _, result = import_text(f"{HEADER}\n{SQL_COURSE},SQL,0,1,,\n{SQL_COURSE.replace(',3,', ',4,')},Python,0,1,,\n")

        [invalid] = result.invalid_rows
        assert invalid.error_dict["__all__"] == [
            "Row 1 describes 'SQL fundamentals' with a different hours; every row of one item must repeat the same "
            "item columns."
        ]
        assert counts() == (0, 0)

    def test_an_item_lists_a_skill_once(self, catalogue_world):
        _, result = import_text(f"{HEADER}\n{SQL_COURSE},SQL,0,1,,\n{SQL_COURSE},SQL,0,1,,\n")

        [invalid] = result.invalid_rows
        assert invalid.error_dict["skill"] == ["Row 1 already lists SQL for 'SQL fundamentals'."]

    def test_a_header_with_a_missing_or_unknown_column_is_refused_whole(self, catalogue_world):
        _, result = import_text("title,kind,format,hours,skil,to_level\nSQL,course,self_paced,1,SQL,1\n")

        [error] = result.base_errors
        assert str(error.error).startswith("The header lacks skill and has unknown columns skil.")
        assert not result.rows and counts() == (0, 0)


class TestTheMentorRule:
    def row(self, to_level):
        return f"{HEADER}\nMentoring in SQL with Ada,mentorship,one_to_one,12,0,,,,,SQL,{to_level - 1},{to_level},E90001,\n"

    def test_a_mentor_below_the_level_the_pairing_leads_to_is_refused(self, catalogue_world):
        _, result = import_text(self.row(4))

        [invalid] = result.invalid_rows
        assert invalid.error_dict["mentor_external_id"] == [
            "Ada Lovelace has level 3 in SQL; a mentor needs at least 4."
        ]
        assert counts() == (0, 0)

    def test_the_newest_evidence_counts_not_the_best(self, catalogue_world):
        evidence(catalogue_world, "SQL", 4, days_ago=400)
        evidence(catalogue_world, "SQL", 2, days_ago=1)

        _, result = import_text(self.row(3))

        assert result.invalid_rows[0].error_dict["mentor_external_id"] == [
            "Ada Lovelace has level 2 in SQL; a mentor needs at least 3."
        ]

    def test_a_mentor_without_evidence_in_the_skill_is_refused(self, catalogue_world):
        catalogue_world.evidence.all().delete()

        _, result = import_text(self.row(2))

        assert result.invalid_rows[0].error_dict["mentor_external_id"] == [
            "Ada Lovelace has no recorded level in SQL; a mentor needs at least 2."
        ]

    def test_a_mentor_at_the_level_is_accepted(self, catalogue_world):
        _, result = import_text(self.row(3))

        assert not result.has_validation_errors()
        assert LearningResource.objects.get(kind="mentorship").mentor == catalogue_world


def report(output):
    """{"Catalogue items": (created, updated, unchanged), "Item skills": (...)} from the command's table."""
    rows = {}
    for line in output.splitlines():
        parts = line.split()
        if len(parts) >= 3 and all(part.isdigit() for part in parts[-3:]):
            rows[" ".join(parts[:-3])] = tuple(int(part) for part in parts[-3:])
    return rows


class TestTheCommand:
    def run(self, path, *args):
        out = StringIO()
        call_command("import_catalogue", str(path), *args, stdout=out)
        return out.getvalue()

    def test_it_reports_created_updated_and_unchanged(self, catalogue_world, tmp_path):
        path = tmp_path / "catalogue.csv"
        path.write_text(GOOD_FILE, encoding="utf-8")

        first = self.run(path)
        second = self.run(path)

        assert report(first) == {"Catalogue items": (5, 0, 0), "Item skills": (6, 0, 0)}
        assert report(second) == {"Catalogue items": (0, 0, 5), "Item skills": (0, 0, 6)}

    def test_it_reads_xlsx(self, catalogue_world, tmp_path):
        path = tmp_path / "catalogue.xlsx"
        path.write_bytes(XLSX().export_data(Dataset().load(GOOD_FILE, format="csv")))

        assert report(self.run(path))["Catalogue items"] == (5, 0, 0)
        assert counts() == (5, 6)

    def test_a_bad_file_imports_nothing_and_lists_each_problem(self, catalogue_world, tmp_path):
        path = tmp_path / "catalogue.csv"
        rows = "\n".join(row for row, _, _ in list(BAD_ROWS.values())[:2])
        path.write_text(f"{GOOD_FILE}{rows}\n", encoding="utf-8")

        with pytest.raises(CommandError) as error:
            self.run(path)

        message = str(error.value)
        assert message.startswith(f"Nothing was imported: 2 problems in {path}.")
        assert "row 7 (skill): There is no skill with name 'Spark'." in message
        assert "row 8 (to_level): A resource must raise the level" in message
        assert counts() == (0, 0)

    def test_a_dry_run_writes_nothing(self, catalogue_world, tmp_path):
        path = tmp_path / "catalogue.csv"
        path.write_text(GOOD_FILE, encoding="utf-8")

        output = self.run(path, "--dry-run")

        assert report(output)["Catalogue items"] == (5, 0, 0) and "Dry run" in output
        assert counts() == (0, 0)

    def test_a_file_that_is_not_utf8_is_refused(self, catalogue_world, tmp_path):
        path = tmp_path / "catalogue.csv"
        path.write_bytes(GOOD_FILE.replace("Ada", "Adá").encode("latin-1"))

        with pytest.raises(CommandError, match="is not UTF-8"):
            self.run(path)


# --- The admin ----------------------------------------------------------------------------------


def one_of_each():
    skill = SkillFactory(name="SQL")
    employee = EmployeeFactory()
    item = LearningResource.objects.create(title="SQL fundamentals", kind="course", format="self_paced", hours=2)
    ResourceSkill.objects.create(resource=item, skill=skill, from_level=0, to_level=1)
    recommendation = Recommendation.objects.create(
        employee=employee,
        resource=item,
        skill=skill,
        goal="current",
        current_level=0.5,
        reaches_level=1,
        gap_priority=0.8,
        score=0.7,
        confidence=0.6,
        rank=1,
        reason="SQL is 2 levels below your role's target.",
        scorer="heuristic",
        created_at=timezone.now(),
    )
    flag = Flag.objects.create(
        target="recommendation", employee=employee, recommendation=recommendation, reason="Already done it"
    )
    run = ModelRun.objects.create(
        version="2026-11-01",
        algorithm="LightGBM LambdaRank",
        rows=1200,
        positives=140,
        split_at=timezone.now(),
        metrics={"model": {"precision@3": 0.41}, "heuristic": {"precision@3": 0.33}},
    )
    return {LearningResource: item, Recommendation: recommendation, Flag: flag, ModelRun: run}


NEW_ADMINS = [LearningResource, Recommendation, Flag, ModelRun]


@pytest.mark.parametrize("model", NEW_ADMINS, ids=lambda m: m.__name__)
class TestWhoGetsIn:
    def test_hr_opens_the_list_and_change_pages(self, client, org, model):
        row = one_of_each()[model]
        client.force_login(org.hr_user)

        assert client.get(admin_url(model, "changelist")).status_code == 200
        assert client.get(admin_url(model, "change", row.pk)).status_code == 200
        assert client.get(admin_url(model, "changelist"), {"q": "SQL"}).status_code == 200

    @pytest.mark.parametrize("person", ["employee", "manager"])
    def test_people_who_are_not_staff_are_sent_to_the_admin_login(self, client, org, model, person):
        row = one_of_each()[model]
        client.force_login(getattr(org, person).user)

        for url in [admin_url(model, "changelist"), admin_url(model, "change", row.pk)]:
            response = client.get(url)
            assert response.status_code == 302 and response.url.startswith(reverse("admin:login")), url

    def test_the_list_page_does_not_query_once_per_row(self, client, org, model):
        one_of_each()
        client.force_login(org.hr_user)
        url = admin_url(model, "changelist")
        client.get(url)  # warm per-process caches (content types, site)

        with CaptureQueriesContext(connection) as few_rows:
            assert client.get(url).status_code == 200
        more_rows()
        with CaptureQueriesContext(connection) as many_rows:
            assert client.get(url).status_code == 200

        assert len(many_rows) == len(few_rows)


def more_rows():
    """Two more rows in each new admin's list, with their own people, skills and items."""
    for number in range(2):
        skill = SkillFactory()
        employee = EmployeeFactory()
        item = LearningResource.objects.create(
            title=f"Item {number}", kind="peer", format="group", hours=1, provider=f"P{number}"
        )
        ResourceSkill.objects.create(resource=item, skill=skill, from_level=1, to_level=2)
        recommendation = Recommendation.objects.create(
            employee=employee,
            resource=item,
            skill=skill,
            goal="aspired",
            current_level=1,
            reaches_level=2,
            gap_priority=0.5,
            score=0.5,
            confidence=0.5,
            rank=1,
            reason="Because.",
            scorer="heuristic",
            created_at=timezone.now(),
        )
        Flag.objects.create(target="recommendation", employee=employee, recommendation=recommendation, reason="No")
        Flag.objects.create(target="gap", employee=employee, skill=skill, reason="No", raised_by=UserFactory())
        ModelRun.objects.create(version=f"v{number}", algorithm="x", rows=1, positives=1, split_at=timezone.now())


def test_hr_may_add_catalogue_items_but_not_recommendations_flags_or_model_runs(client, org):
    client.force_login(org.hr_user)

    assert client.get(admin_url(LearningResource, "add")).status_code == 200
    for model in [Recommendation, Flag, ModelRun]:
        assert client.get(admin_url(model, "add")).status_code == 403


def test_the_model_run_page_shows_its_metrics(client, org):
    run = one_of_each()[ModelRun]
    client.force_login(org.hr_user)

    assert "<th>heuristic</th><td>0.330</td>" in client.get(admin_url(ModelRun, "change", run.pk)).content.decode()


def test_a_training_run_reads_as_a_table_not_a_raw_dict(client, org):
    """What train_recommender records: the scorers' metrics under "metrics", beside the rest."""
    scores = {"precision@3": 0.515, "recall@3": 0.951, "ndcg@3": 0.768, "groups": 34}
    run = ModelRun.objects.create(
        version="v-trained",
        algorithm="calibrated logistic regression",
        rows=2567,
        positives=315,
        split_at=timezone.now(),
        metrics={
            "train": {"rows": 2567},
            "metrics": {"model": scores, "heuristic": {**scores, "ndcg@3": 0.570}},
            "ndcg_gain_over_heuristic": {"mean": 0.198, "low": 0.103, "high": 0.299},
            "importances": [{"feature": "format_completion_rate", "auc_drop": 0.255}],
        },
    )
    client.force_login(org.hr_user)
    listing = client.get(admin_url(ModelRun, "changelist")).content.decode()
    assert "0.768 (heuristic 0.570)" in listing and "{&#x27;" not in listing
    page = client.get(admin_url(ModelRun, "change", run.pk)).content.decode()
    assert "<th>model</th><td>0.515</td><td>0.951</td><td>0.768</td>" in page
    assert "NDCG@3 +0.198 (90% interval +0.103 to +0.299)" in page
    assert "format completion rate: 0.255 AUC lost without it" in page
    assert "{&#x27;train&#x27;" not in page  # the raw JSON is not shown


def test_hr_resolves_a_flag_with_a_note(client, org):
    flag = one_of_each()[Flag]
    client.force_login(org.hr_user)

    assert client.post(admin_url(Flag, "change", flag.pk), {"resolution": ""}).status_code == 200
    response = client.post(admin_url(Flag, "change", flag.pk), {"resolution": "Dropped the item for them."})

    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.resolution == "Dropped the item for them." and flag.resolved_at is not None
    assert flag.reason == "Already done it"


def test_the_catalogue_list_filters_by_kind_format_active_and_provider(client, org):
    one_of_each()
    client.force_login(org.hr_user)

    response = client.get(admin_url(LearningResource, "changelist"), {"kind": "course", "format": "self_paced"})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == list(LearningResource.objects.all())
    assert admin.site._registry[LearningResource].list_filter == ["kind", "format", "active", "provider"]


class TestTheCatalogueAdmin:
    def upload(self, client, text):
        return client.post(
            admin_url(LearningResource, "import"),
            {
                "import_file": SimpleUploadedFile("catalogue.csv", text.encode(), content_type="text/csv"),
                "format": "0",
                "resource": "0",
            },
        )

    def test_hr_imports_after_the_preview(self, client, org, catalogue_world):
        client.force_login(org.hr_user)

        preview = self.upload(client, GOOD_FILE)

        assert preview.status_code == 200
        assert [row.import_type for row in preview.context["result"].rows] == ["new"] * 6
        assert counts() == (0, 0)
        response = client.post(admin_url(LearningResource, "process_import"), preview.context["confirm_form"].initial)
        assert response.status_code == 302
        assert counts() == (5, 6)

    def test_a_bad_file_shows_the_row_and_reason_and_saves_nothing(self, client, org, catalogue_world):
        client.force_login(org.hr_user)

        response = self.upload(client, f"{HEADER}\n{SQL_COURSE},SQL,0,1,,\n{BAD_ROWS['unknown kind'][0]}\n")

        assert "confirm_form" not in response.context
        assert [row.number for row in response.context["result"].invalid_rows] == [2]
        assert "Kind must be one of course, certification, mentorship, stretch, peer" in response.content.decode()
        assert counts() == (0, 0)

    def test_the_export_has_a_row_per_item_and_skill(self, client, org, catalogue_world):
        import_text(GOOD_FILE)
        client.force_login(org.hr_user)

        response = client.post(admin_url(LearningResource, "export"), {"format": "0", "resource": "0"})

        assert response.status_code == 200
        exported = Dataset().load(response.content.decode("utf-8-sig"), format="csv")
        assert exported.headers == COLUMNS and len(exported) == 6

    def test_a_mentorship_with_a_junior_mentor_is_refused_in_the_form(self, client, org, catalogue_world):
        client.force_login(org.hr_user)
        sql = SkillFactory._meta.model.objects.get(name="SQL")
        data = {
            "title": "Mentoring in SQL with Ada",
            "kind": "mentorship",
            "format": "one_to_one",
            "hours": "12",
            "cost": "0",
            "active": "on",
            "mentor": catalogue_world.pk,
            "skills-TOTAL_FORMS": "1",
            "skills-INITIAL_FORMS": "0",
            "skills-MIN_NUM_FORMS": "0",
            "skills-MAX_NUM_FORMS": "1000",
            "skills-0-skill": sql.pk,
            "skills-0-from_level": "3",
            "skills-0-to_level": "4",
        }

        response = client.post(admin_url(LearningResource, "add"), data)

        assert response.status_code == 200
        assert "Ada Lovelace has level 3 in SQL; a mentor needs at least 4." in response.content.decode()
        assert not LearningResource.objects.exists()
        data["skills-0-from_level"], data["skills-0-to_level"] = "2", "3"
        assert client.post(admin_url(LearningResource, "add"), data).status_code == 302


# --- The demo catalogue -----------------------------------------------------------------------------


@pytest.fixture
def demo_with_catalogue(settings):
    """``build_demo``, whose steps include the catalogue (after the opportunities)."""
    from demo.generator import build_demo

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return build_demo


class TestTheDemoCatalogue:
    def test_it_has_hundreds_of_items_of_every_kind(self, demo_with_catalogue):
        demo_with_catalogue()

        kinds = dict(LearningResource.objects.values_list("kind").annotate(n=Count("pk")))
        assert 250 <= sum(kinds.values()) <= 400
        assert set(kinds) == set(LearningResource.Kind.values)
        assert min(kinds.values()) >= 10
        assert LearningResource.objects.filter(title="Google Data Analytics Certificate").exists()
        assert LearningResource.objects.filter(title="SQL study circle", kind="peer").exists()

    def test_every_pilot_skill_is_covered_at_each_level_step_in_several_formats(self, demo_with_catalogue):
        from demo.taxonomy_data import SKILLS

        demo_with_catalogue()

        for skill in SKILLS:
            links = ResourceSkill.objects.filter(skill__name=skill["name"])
            steps = set(links.values_list("from_level", "to_level"))
            assert {(0, 1), (1, 2), (2, 3), (3, 4)} <= steps, skill["name"]
            assert links.values("resource__format").distinct().count() >= 3, skill["name"]

    def test_courses_share_activity_ids_with_the_lms_records(self, demo_with_catalogue):
        demo_with_catalogue()

        courses = LearningResource.objects.filter(kind="course")
        assert all(
            a.startswith("https://lms.demo.example/courses/") for a in courses.values_list("activity_id", flat=True)
        )
        recorded = set(LearningRecord.objects.values_list("activity_id", flat=True))
        assert len(recorded & set(courses.values_list("activity_id", flat=True))) >= 100

    def test_mentors_have_reached_the_level_they_lead_to(self, demo_with_catalogue):
        demo_with_catalogue()

        pairings = ResourceSkill.objects.filter(resource__kind="mentorship").select_related("resource__mentor", "skill")
        assert pairings.count() >= 20
        for link in pairings:
            # the evidence the catalogue step saw: the history's own (later steps add outcomes of
            # past recommendations; at pick time the engine caps a pairing at the mentor's level)
            evidence = link.resource.mentor.evidence.filter(skill=link.skill, external_id__startswith="demo-ev-")
            newest = evidence.order_by("-observed_at", "-pk").first()
            assert newest.level >= link.to_level, link

    def test_open_stretch_and_project_opportunities_become_linked_stretch_assignments(self, demo_with_catalogue):
        demo_with_catalogue()

        linked = LearningResource.objects.filter(opportunity__isnull=False)
        assert linked.exists()
        assert set(linked.values_list("kind", flat=True)) == {"stretch"}
        assert set(linked.values_list("opportunity__kind", flat=True)) <= {"stretch", "project"}

    def test_a_second_run_changes_nothing(self, demo_with_catalogue):
        demo_with_catalogue()
        before = (
            list(LearningResource.objects.order_by("pk").values()),
            list(ResourceSkill.objects.order_by("pk").values()),
        )

        summary = demo_with_catalogue()

        assert summary.tables["catalogue items"].created == summary.tables["catalogue items"].updated == 0
        assert summary.tables["catalogue item skills"].created == 0
        after = (
            list(LearningResource.objects.order_by("pk").values()),
            list(ResourceSkill.objects.order_by("pk").values()),
        )
        assert after == before

    def test_it_imports_back_through_the_spreadsheet_unchanged(self, demo_with_catalogue):
        demo_with_catalogue()

        resource, result = import_text(CatalogueResource().export().csv)

        assert not result.has_validation_errors(), result.invalid_rows[:3] and result.invalid_rows[0].error_dict
        assert resource.item_counts()["created"] == resource.item_counts()["updated"] == 0


def test_the_review_threshold_is_edited_as_the_percentage_the_pages_show(client, org):
    from recommendations.models import EngineSettings

    settings_row = EngineSettings.load()
    EngineSettings.objects.filter(pk=settings_row.pk).update(review_threshold=0.287)
    client.force_login(org.hr_user)
    url = admin_url(EngineSettings, "change", settings_row.pk)
    page = client.get(url).content.decode()
    assert 'name="review_threshold" value="28.7"' in page and "0.287" not in page
