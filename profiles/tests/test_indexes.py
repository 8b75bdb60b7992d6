"""Every index on the hot tables is declared on purpose (docs/architecture.md, "Indexes").

Read from PostgreSQL's catalogue after the migrations ran: an index must be the primary key, one
the model names (``Meta.indexes``, ``Meta.constraints``) or the index of a column the model asks
to index (a foreign key or ``db_index``); none may be a pattern-ops copy Django adds on its own
for a unique or indexed text column, and none may repeat the leading columns of another.
"""

import pytest
from django.db import connection

from profiles.models import Employee, LearningRecord, SkillEvidence
from recommendations.models import CareerPath, EmployeeAnalysis, OpportunityMatch, Recommendation, SkillGap

HOT = [
    Employee,
    SkillEvidence,
    LearningRecord,
    EmployeeAnalysis,
    SkillGap,
    Recommendation,
    CareerPath,
    OpportunityMatch,
]

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's indexes (CI runs it there)"),
]


def indexes(table: str) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.relname, x.indisprimary, x.indisunique, x.indpred IS NOT NULL,
                   ARRAY(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY AS k(attnum, n)
                         JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum ORDER BY k.n),
                   ARRAY(SELECT o.opcname FROM unnest(x.indclass) WITH ORDINALITY AS c(oid, n)
                         JOIN pg_opclass o ON o.oid = c.oid ORDER BY c.n)
            FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
            WHERE t.relname = %s
            """,
            [table],
        )
        names = ("name", "primary", "unique", "partial", "columns", "opclasses")
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def declared(model, index: dict) -> bool:
    meta = model._meta
    if index["primary"] or index["name"] in {i.name for i in meta.indexes} | {c.name for c in meta.constraints}:
        return True
    if len(index["columns"]) != 1 or any(name.endswith("_pattern_ops") for name in index["opclasses"]):
        return False
    field = next((f for f in meta.concrete_fields if f.column == index["columns"][0]), None)
    # A foreign key's or db_index column's own index; a OneToOne's unique constraint.
    return field is not None and (field.db_index or field.unique) and index["unique"] == field.unique


@pytest.mark.parametrize("model", HOT, ids=lambda m: m._meta.db_table)
def test_every_index_of_a_hot_table_is_declared_on_purpose(model):
    found = indexes(model._meta.db_table)
    assert found, "no indexes read"
    undeclared = [index["name"] for index in found if not declared(model, index)]
    assert not undeclared, f"{model._meta.db_table}: indexes nobody declared: {undeclared}"


@pytest.mark.parametrize("model", HOT, ids=lambda m: m._meta.db_table)
def test_no_index_repeats_the_leading_columns_of_another(model):
    found = indexes(model._meta.db_table)
    plain = [i for i in found if not i["unique"] and not i["partial"]]
    repeats = [
        (index["name"], other["name"])
        for index in plain
        for other in found
        if other is not index
        and not other["partial"]
        and other["columns"][: len(index["columns"])] == index["columns"]
        and other["opclasses"][: len(index["opclasses"])] == index["opclasses"]
    ]
    assert not repeats, f"{model._meta.db_table}: (index, covered by): {repeats}"
