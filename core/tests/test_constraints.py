"""``check_validate`` agrees with the database on every check constraint it evaluates itself."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import CheckConstraint, F, Q
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.constraints import check_validate
from recommendations.models import LearningResource, ResourceSkill

pytestmark = pytest.mark.django_db

# The conditions the models state, and shapes they may state later (NULLs, ``in``, negations).
EXTRA = [
    CheckConstraint(condition=Q(hours__lte=F("cost")) | ~Q(kind__in=["course", "book"]), name="x_or_not_in"),
    CheckConstraint(condition=~(Q(cost__lt=Decimal("2.5")) & Q(mentor=None)), name="x_not_and_isnull"),
    CheckConstraint(condition=Q(activity_id__in=["a", None]), name="x_in_with_null"),
]


def outcome(validate, *args, **kwargs) -> str | None:
    try:
        validate(*args, **kwargs)
    except ValidationError as error:
        return error.messages[0]
    return None


levels = st.one_of(st.none(), st.integers(min_value=-2, max_value=6))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    hours=st.one_of(st.none(), st.floats(min_value=-3, max_value=3, allow_nan=False)),
    cost=st.one_of(st.none(), st.decimals(min_value=-3, max_value=3, places=2)),
    kind=st.sampled_from([choice for choice, _ in LearningResource.Kind.choices]),
    mentor_id=st.one_of(st.none(), st.just(1)),
    activity_id=st.sampled_from([None, "a", "b"]),
    from_level=levels,
    to_level=levels,
    excluded=st.sets(st.sampled_from(["hours", "cost", "mentor", "to_level"])),
)
def test_python_and_the_database_agree(hours, cost, kind, mentor_id, activity_id, from_level, to_level, excluded):
    item = LearningResource(hours=hours, cost=cost, kind=kind, mentor_id=mentor_id, activity_id=activity_id)
    link = ResourceSkill(from_level=from_level, to_level=to_level)
    cases = [(LearningResource, item, c) for c in [*LearningResource._meta.constraints, *EXTRA]]
    cases += [(ResourceSkill, link, c) for c in ResourceSkill._meta.constraints if isinstance(c, CheckConstraint)]
    for model, instance, constraint in cases:
        if not isinstance(constraint, CheckConstraint):
            continue
        by_database = outcome(constraint.validate, model, instance, exclude=excluded)
        in_python = outcome(check_validate, constraint, model, instance, exclude=excluded)
        assert in_python == by_database, (constraint.name, model.__name__)


def test_the_models_conditions_cost_no_query(django_assert_num_queries):
    item, link = LearningResource(hours=0, cost=-1, kind="mentorship"), ResourceSkill(from_level=3, to_level=2)
    checks = [(LearningResource, item, c) for c in LearningResource._meta.constraints]
    checks += [(ResourceSkill, link, c) for c in ResourceSkill._meta.constraints if isinstance(c, CheckConstraint)]

    with django_assert_num_queries(0):
        messages = [outcome(check_validate, c, model, instance) for model, instance, c in checks]

    assert messages == [
        "Hours must be more than 0.",
        "Cost cannot be negative.",
        "A mentorship pairing must name the mentor.",
        "A resource must raise the level: from 0-3 to a higher level 1-4.",
    ]


def test_a_condition_across_a_relation_is_left_to_the_database(django_assert_num_queries):
    across = CheckConstraint(condition=Q(mentor__first_name="Ada"), name="x_across")
    item = LearningResource(hours=1)

    assert outcome(check_validate, across, LearningResource, item) == outcome(across.validate, LearningResource, item)
