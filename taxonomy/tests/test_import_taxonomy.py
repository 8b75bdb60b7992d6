"""``manage.py import_taxonomy DIR``: what HR sees when they load a folder of CSV files."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from taxonomy.models import BehaviouralAnchor, JobFamily, MobilityPath, Role, RoleRequirement, Skill, SkillCategory
from taxonomy.tests.factories import RoleFactory, SkillFactory

pytestmark = pytest.mark.django_db

GOOD = {
    "skills.csv": (
        "name,category,kind,description,external_id\n"
        "Python,Engineering,technical,Writes Python,ESCO-1\n"
        "SQL,Engineering,technical,Queries data,\n"
        "Coaching,Leadership,Leadership,Helps people grow,\n"
    ),
    "roles.csv": "title,family,grade\nEngineer,Engineering,1\nSenior Engineer,Engineering,2\nTeam Lead,Management,3\n",
    "requirements.csv": (
        "role,skill,target_level,importance,core\n"
        "Engineer,Python,2,4,yes\n"
        "Engineer,SQL,2,3,no\n"
        "Senior Engineer,Python,3,5,yes\n"
        "Team Lead,Coaching,3,5,\n"
    ),
    "mobility.csv": "from_role,to_role,kind\nEngineer,Senior Engineer,promotion\nSenior Engineer,Team Lead,adjacent\n",
    "anchors.csv": "skill,level,description\nPython,1,Reads scripts\nPython,2,Writes modules\n",
}
TABLES = ["Skill categories", "Job families", "Skills", "Roles", "Requirements", "Mobility paths", "Anchors"]


def make_folder(path, **changes):
    """GOOD written to ``path``; ``skills_csv="..."`` replaces a file, ``anchors_csv=None`` leaves it out."""
    files = GOOD | {name.replace("_csv", ".csv"): text for name, text in changes.items()}
    path.mkdir(exist_ok=True)
    for name, text in files.items():
        (path / name).unlink(missing_ok=True)
        if text is not None:
            (path / name).write_text(text, encoding="utf-8")
    return path


def run(folder, *args):
    out = StringIO()
    call_command("import_taxonomy", str(folder), *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def rejection(folder, *args):
    with pytest.raises(CommandError) as raised:
        run(folder, *args)
    return str(raised.value)


def counts(output):
    """{"Skills": (created, updated, unchanged), ...} from the command's table."""
    rows = re.findall(r"^([A-Z][a-z ]+?)\s+(\d+)\s+(\d+)\s+(\d+)$", output, flags=re.MULTILINE)
    return {label: tuple(int(n) for n in numbers) for label, *numbers in rows}


def database():
    models = [SkillCategory, JobFamily, Skill, Role, RoleRequirement, MobilityPath, BehaviouralAnchor]
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in models}


@pytest.fixture
def folder(tmp_path):
    return make_folder(tmp_path / "taxonomy")


class TestAGoodFolder:
    def test_it_creates_every_row_and_reports_the_counts(self, folder):
        output = run(folder)

        assert counts(output) == {
            "Skill categories": (2, 0, 0),
            "Job families": (2, 0, 0),
            "Skills": (3, 0, 0),
            "Roles": (3, 0, 0),
            "Requirements": (4, 0, 0),
            "Mobility paths": (2, 0, 0),
            "Anchors": (2, 0, 0),
        }
        assert [Skill.objects.count(), Role.objects.count(), RoleRequirement.objects.count()] == [3, 3, 4]

    def test_it_stores_what_the_files_say(self, folder):
        run(folder)

        python, sql = Skill.objects.get(name="Python"), Skill.objects.get(name="SQL")
        assert (python.category.name, python.kind, python.slug, python.external_id) == (
            "Engineering",
            "technical",
            "python",
            "ESCO-1",
        )
        assert sql.external_id is None  # blank, not "", so many skills can have none
        assert Skill.objects.get(name="Coaching").kind == "leadership"
        lead = Role.objects.get(title="Team Lead")
        assert (lead.family.name, lead.grade) == ("Management", 3)
        requirement = RoleRequirement.objects.get(role__title="Engineer", skill=python)
        assert (requirement.target_level, requirement.importance, requirement.core) == (2, 4, True)
        assert RoleRequirement.objects.get(role=lead).core is False
        assert MobilityPath.objects.get(from_role__title="Senior Engineer").to_role == lead
        assert list(python.anchors.values_list("level", "description")) == [(1, "Reads scripts"), (2, "Writes modules")]

    def test_a_second_run_changes_nothing_and_says_so(self, folder):
        run(folder)
        before = database()

        with CaptureQueriesContext(connection) as queries:
            output = run(folder)

        assert all(created == updated == 0 for created, updated, _ in counts(output).values())
        assert counts(output)["Requirements"] == (0, 0, 4)
        assert database() == before
        assert not [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]

    def test_editing_one_target_level_updates_exactly_that_requirement(self, folder):
        run(folder)
        make_folder(
            folder, requirements_csv=GOOD["requirements.csv"].replace("Engineer,SQL,2,3,no", "Engineer,SQL,4,3,no")
        )

        output = run(folder, "--verbosity", "2")

        assert counts(output)["Requirements"] == (0, 1, 3)
        assert sum(updated for _, updated, _ in counts(output).values()) == 1
        assert RoleRequirement.objects.get(role__title="Engineer", skill__name="SQL").target_level == 4
        assert "target_level 2 -> 4" in output

    def test_anchors_are_optional(self, tmp_path):
        run(make_folder(tmp_path / "no-anchors", anchors_csv=None))

        assert Skill.objects.count() == 3
        assert not BehaviouralAnchor.objects.exists()

    def test_rows_missing_from_the_files_are_kept(self, folder):
        run(folder)
        make_folder(folder, anchors_csv="skill,level,description\n", mobility_csv="from_role,to_role,kind\n")

        run(folder)

        assert (BehaviouralAnchor.objects.count(), MobilityPath.objects.count()) == (2, 2)

    def test_dry_run_reports_what_would_change_and_writes_nothing(self, folder):
        output = run(folder, "--dry-run")

        assert counts(output)["Skills"] == (3, 0, 0)
        assert "Dry run: nothing was written" in output
        assert database() == {name: [] for name in database()}

    def test_references_ignore_case_and_spacing_and_may_use_an_external_id(self, folder):
        make_folder(
            folder, requirements_csv="role,skill,target_level,importance,core\n  senior   ENGINEER ,esco-1,3,3,no\n"
        )

        run(folder)

        assert RoleRequirement.objects.get().role.title == "Senior Engineer"
        assert RoleRequirement.objects.get().skill.name == "Python"

    def test_references_may_point_at_rows_already_in_the_database(self, folder):
        SkillFactory(name="Negotiation")
        RoleFactory(title="Account Manager")
        make_folder(
            folder, requirements_csv="role,skill,target_level,importance,core\nAccount manager,negotiation,2,3,yes\n"
        )

        run(folder)

        assert RoleRequirement.objects.filter(role__title="Account Manager", skill__name="Negotiation").exists()

    def test_names_are_stored_with_their_whitespace_tidied(self, folder):
        make_folder(folder, skills_csv=GOOD["skills.csv"] + "  Data   modelling ,Engineering,technical,,\n")

        run(folder)

        assert Skill.objects.filter(name="Data modelling").exists()

    def test_names_that_slugify_alike_get_different_slugs(self, folder):
        make_folder(folder, skills_csv=GOOD["skills.csv"] + "C++,Engineering,technical,,\nC#,Engineering,technical,,\n")

        run(folder)

        assert sorted(
            Skill.objects.filter(name__startswith="C").exclude(name="Coaching").values_list("slug", flat=True)
        ) == ["c", "c-2"]

    def test_an_external_id_can_move_to_another_skill(self, folder):
        run(folder)
        swapped = "name,category,kind,description,external_id\nSQL,Engineering,technical,Queries data,ESCO-1\n"
        make_folder(folder, skills_csv=swapped + "Python,Engineering,technical,Writes Python,ESCO-2\n")

        output = run(folder)

        assert counts(output)["Skills"] == (0, 2, 0)
        assert dict(Skill.objects.values_list("name", "external_id")) == {
            "Python": "ESCO-2",
            "SQL": "ESCO-1",
            "Coaching": None,
        }

    def test_a_byte_order_mark_and_windows_line_ends_are_fine(self, folder):
        (folder / "roles.csv").write_bytes(b"\xef\xbb\xbf" + GOOD["roles.csv"].replace("\n", "\r\n").encode())

        run(folder)

        assert Role.objects.count() == 3

    def test_columns_may_come_in_any_order(self, folder):
        make_folder(
            folder,
            roles_csv="grade,TITLE,family\n1,Engineer,Engineering\n2,Senior Engineer,Engineering\n3,Team Lead,Management\n",
        )

        run(folder)

        assert Role.objects.get(title="Team Lead").grade == 3

    def test_a_change_of_case_renames_the_skill_rather_than_adding_one(self, folder):
        run(folder)
        make_folder(
            folder, skills_csv=GOOD["skills.csv"].replace("SQL,", "Sql,"), requirements_csv=GOOD["requirements.csv"]
        )

        output = run(folder)

        assert counts(output)["Skills"] == (0, 1, 2)
        assert sorted(Skill.objects.values_list("name", flat=True)) == ["Coaching", "Python", "Sql"]

    def test_a_large_write_shows_a_progress_bar_on_stderr(self, folder, capsys, monkeypatch):
        monkeypatch.setattr("taxonomy.management.commands.import_taxonomy.PROGRESS_BAR_FROM_ROWS", 10)

        call_command("import_taxonomy", str(folder), stdout=StringIO())

        assert "Writing: 100%" in capsys.readouterr().err

    def test_no_progress_bar_at_verbosity_0(self, folder, capsys, monkeypatch):
        monkeypatch.setattr("taxonomy.management.commands.import_taxonomy.PROGRESS_BAR_FROM_ROWS", 10)

        call_command("import_taxonomy", str(folder), verbosity=0, stdout=StringIO())

        assert capsys.readouterr().err == ""

    def test_verbosity_0_prints_nothing(self, folder):
        assert run(folder, "--verbosity", "0") == ""

    def test_the_number_of_queries_does_not_grow_with_the_number_of_rows(self, tmp_path):
        def queries_to_import(size):
            with CaptureQueriesContext(connection) as queries:
                run(generated_folder(tmp_path / str(size), size=size))
            assert Skill.objects.filter(name__startswith=f"Skill {size}-").count() == size
            return len(queries)

        # 100 rows still fit in one INSERT on SQLite (999 parameters), so the counts can be equal
        assert queries_to_import(5) == queries_to_import(100)


def generated_folder(path, *, size):
    """``size`` new skills, roles, requirements, paths and anchors, named apart from other sizes."""
    skills = [f"Skill {size}-{n}" for n in range(size)]
    roles = [f"Role {size}-{n}" for n in range(size)]
    return make_folder(
        path,
        skills_csv="name,category,kind,description,external_id\n"
        + "".join(f"{s},Cat {size},domain,,\n" for s in skills),
        roles_csv="title,family,grade\n" + "".join(f"{r},Fam {size},1\n" for r in roles),
        requirements_csv="role,skill,target_level,importance,core\n"
        + "".join(f"{roles[n]},{skills[n]},2,3,no\n" for n in range(size)),
        mobility_csv="from_role,to_role,kind\n"
        + "".join(f"{roles[n - 1]},{roles[n]},lateral\n" for n in range(1, size)),
        anchors_csv="skill,level,description\n" + "".join(f"{s},1,Shows it\n" for s in skills),
    )


BAD_ROWS = [
    # file, the appended row, its line, what the message says
    (
        "requirements.csv",
        "Team Lead,SQL,7,3,no",
        6,
        "(target_level): Proficiency level must be between 1 (awareness) and 4 (mastery), got 7.",
    ),
    ("requirements.csv", "Team Lead,SQL,2,0,no", 6, "(importance): Importance must be between 1 and 5, got 0."),
    ("requirements.csv", "Team Lead,SQL,2,3,maybe", 6, "(core): Expected yes/no (or true/false, 1/0), got 'maybe'."),
    ("requirements.csv", "Team Lead,Cobol,2,3,no", 6, "(skill): unknown skill 'Cobol'"),
    ("requirements.csv", "Tester,SQL,2,3,no", 6, "(role): unknown role 'Tester'"),
    (
        "requirements.csv",
        "engineer,  python,3,3,no",
        6,
        "The requirements row for role 'Engineer', skill 'Python' is already on line 2",
    ),
    (
        "mobility.csv",
        "Team Lead,team lead,lateral",
        4,
        "(to_role): A mobility path must lead to a different role: it cannot go from a role to itself.",
    ),
    (
        "mobility.csv",
        "Team Lead,Engineer,sideways",
        4,
        "(kind): Kind must be one of promotion, lateral, adjacent, got 'sideways'.",
    ),
    (
        "skills.csv",
        "Rust,Engineering,wizardry,,",
        6,
        "(kind): Kind must be one of technical, leadership, interpersonal, domain, got 'wizardry'.",
    ),
    ("skills.csv", "python,Engineering,technical,,", 6, "The skill 'python' is already on line 2"),
    ("skills.csv", "Go,Engineering,technical,,esco-1", 6, "The external_id 'esco-1' is already on line 2"),
    ("skills.csv", ",Engineering,technical,,", 6, "(name): name is required."),
    (
        "roles.csv",
        "Tester,Engineering,senior",
        5,
        "(grade): Grade must be a whole number, got 'senior'.",
    ),
    (
        "anchors.csv",
        "Python,5,Beyond mastery",
        4,
        "(level): Proficiency level must be between 1 (awareness) and 4 (mastery), got 5.",
    ),
    ("anchors.csv", "Python,1,Again", 4, "The anchors row for skill 'Python', level 1 is already on line 2"),
]


class TestABadRow:
    @pytest.mark.parametrize(("file", "row", "line", "reason"), BAD_ROWS, ids=[f"{f}:{r}" for f, r, _, _ in BAD_ROWS])
    def test_it_rejects_the_whole_import_naming_file_line_and_reason(self, folder, file, row, line, reason):
        run(folder)
        before = database()
        # a new skill first, so a partial import would show
        make_folder(folder, skills_csv=GOOD["skills.csv"] + "Kotlin,Engineering,technical,,\n")
        (folder / file).write_text((folder / file).read_text() + row + "\n")

        message = rejection(folder)

        assert f"{file}, line {line} {reason}" in message or f"{file}, line {line}: {reason}" in message
        assert message.startswith("Nothing was imported: 1 problem in")
        assert database() == before

    def test_a_bad_row_in_the_last_file_keeps_the_earlier_files_out_too(self, folder):
        (folder / "anchors.csv").write_text(GOOD["anchors.csv"] + "Python,3,\n")

        message = rejection(folder)

        assert "anchors.csv, line 4 (description): description is required." in message
        assert database() == {name: [] for name in database()}

    def test_every_problem_is_reported_not_only_the_first(self, folder):
        make_folder(
            folder,
            skills_csv=GOOD["skills.csv"] + "Rust,Engineering,robotic,,\n",
            requirements_csv=GOOD["requirements.csv"] + "Engineer,Cobol,2,3,no\n",
            mobility_csv=GOOD["mobility.csv"] + "Engineer,Engineer,lateral\n",
        )

        message = rejection(folder)

        assert "3 problems" in message
        for where in [
            "skills.csv, line 5 (kind)",
            "requirements.csv, line 6 (skill)",
            "mobility.csv, line 4 (to_role)",
        ]:
            assert where in message

    def test_a_long_list_of_problems_is_cut_short(self, folder):
        bad = "".join(f"Engineer,Missing {n},2,3,no\n" for n in range(60))
        make_folder(folder, requirements_csv=GOOD["requirements.csv"] + bad)

        message = rejection(folder)

        assert "60 problems" in message
        assert message.count("unknown skill") == 50
        assert message.rstrip().endswith("... and 10 more.")

    def test_line_numbers_count_the_lines_of_a_multi_line_value(self, folder):
        multi_line = 'Rust,Engineering,technical,"Systems work:\nmemory, safety\nand speed",\n'
        make_folder(folder, skills_csv=GOOD["skills.csv"] + multi_line + "Go,Engineering,magic,,\n")

        assert "skills.csv, line 8 (kind)" in rejection(folder)

    def test_a_row_with_too_many_values_is_reported(self, folder):
        make_folder(folder, roles_csv=GOOD["roles.csv"] + "Tester,Quality, Assurance,2\n")

        assert "roles.csv, line 5: expected 3 values (title,family,grade), found 4" in rejection(folder)

    def test_an_external_id_held_by_another_skill_in_the_database_is_refused(self, folder):
        SkillFactory(name="Legacy Python", external_id="ESCO-1")

        message = rejection(folder)

        assert (
            "skills.csv, line 2 (external_id): the external_id 'ESCO-1' already belongs to the skill 'Legacy Python'"
            in message
        )


class TestABadFile:
    def test_a_missing_column_names_the_file_and_the_expected_header(self, folder):
        make_folder(folder, roles_csv="title,family\nEngineer,Engineering\n")

        message = rejection(folder)

        assert "roles.csv, line 1: the header must be exactly title,family,grade (missing: grade)." in message
        assert not Skill.objects.exists()

    def test_an_unexpected_column_names_the_file_and_the_expected_header(self, folder):
        make_folder(folder, mobility_csv="from_role,to_role,kind,notes\n")

        assert (
            "mobility.csv, line 1: the header must be exactly from_role,to_role,kind (unexpected: notes)."
            in rejection(folder)
        )

    def test_a_file_that_is_not_utf8_is_refused_with_a_clear_message(self, folder):
        latin1 = GOOD["skills.csv"] + "Négociation,Sales,interpersonal,,\n"
        (folder / "skills.csv").write_bytes(latin1.encode("latin-1"))

        message = rejection(folder)

        assert (
            'skills.csv, line 5: the file is not UTF-8 text (byte 0xe9 cannot be read). Save it as "CSV UTF-8"'
            in message
        )
        assert not Skill.objects.exists()

    def test_a_missing_file_is_named(self, folder):
        (folder / "mobility.csv").unlink()

        assert "mobility.csv: file not found" in rejection(folder)

    def test_an_empty_file_is_named(self, folder):
        (folder / "requirements.csv").write_text("")

        assert "requirements.csv: the file is empty" in rejection(folder)

    def test_a_folder_that_does_not_exist_is_refused(self, tmp_path):
        assert "is not a folder" in rejection(tmp_path / "nowhere")
