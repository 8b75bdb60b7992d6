"""The messages HR reads when a taxonomy row breaks a rule (admin forms and imports both use full_clean)."""

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from taxonomy.models import BehaviouralAnchor, MobilityPath, RoleRequirement, Skill
from taxonomy.tests.factories import AnchorFactory, RequirementFactory, RoleFactory, SkillCategoryFactory, SkillFactory

LEVEL_5 = "Proficiency level must be between 1 (awareness) and 4 (mastery), got 5."
IMPORTANCE_0 = "Importance must be between 1 and 5, got 0."


def messages_of(instance):
    with pytest.raises(ValidationError) as caught:
        instance.full_clean()
    return caught.value.message_dict


@pytest.mark.django_db
class TestRoleRequirement:
    def test_it_explains_the_importance_scale(self):
        requirement = RoleRequirement(role=RoleFactory(), skill=SkillFactory(), target_level=3, importance=0)

        assert messages_of(requirement) == {"importance": [IMPORTANCE_0]}

    def test_it_explains_the_level_scale(self):
        requirement = RoleRequirement(role=RoleFactory(), skill=SkillFactory(), target_level=5, importance=3)

        assert messages_of(requirement) == {"target_level": [LEVEL_5]}

    def test_it_rejects_a_level_outside_the_scale(self):
        requirement = RoleRequirement(role=RoleFactory(), skill=SkillFactory(), target_level=5, importance=0)

        errors = messages_of(requirement)

        assert set(errors) == {"target_level", "importance"}
        assert errors["importance"] == [IMPORTANCE_0]

    def test_it_refuses_a_second_requirement_for_the_same_skill_in_a_role(self):
        existing = RequirementFactory()
        duplicate = RoleRequirement(role=existing.role, skill=existing.skill, target_level=2, importance=2)

        assert messages_of(duplicate) == {
            NON_FIELD_ERRORS: ["This role already requires that skill; edit the existing requirement instead."]
        }

    def test_the_same_skill_may_be_required_by_another_role(self):
        existing = RequirementFactory()

        RoleRequirement(role=RoleFactory(), skill=existing.skill, target_level=2, importance=2).full_clean()


@pytest.mark.django_db
class TestSkill:
    def test_it_refuses_a_duplicate_name(self):
        SkillFactory(name="SQL")

        duplicate = Skill(name="SQL", category=SkillCategoryFactory())

        assert messages_of(duplicate) == {"name": ["A skill with this name already exists."]}

    def test_it_refuses_an_external_id_another_skill_has(self):
        SkillFactory(external_id="esco:123")

        assert messages_of(Skill(name="Other", category=SkillCategoryFactory(), external_id="esco:123")) == {
            "external_id": ["Another skill already has this external id."]
        }


@pytest.mark.django_db
class TestMobilityPath:
    def test_it_cannot_go_from_a_role_to_itself(self):
        role = RoleFactory()

        errors = messages_of(MobilityPath(from_role=role, to_role=role))

        # Both MobilityPath.clean() and the check constraint report it, so today it is listed twice.
        assert set(errors[NON_FIELD_ERRORS]) == {
            "A mobility path must lead to a different role: it cannot go from a role to itself."
        }

    def test_it_refuses_a_second_path_between_the_same_roles(self):
        path = MobilityPath.objects.create(from_role=RoleFactory(), to_role=RoleFactory())

        duplicate = MobilityPath(from_role=path.from_role, to_role=path.to_role, kind="lateral")

        assert messages_of(duplicate) == {NON_FIELD_ERRORS: ["A mobility path between these two roles already exists."]}


@pytest.mark.django_db
class TestBehaviouralAnchor:
    def test_it_refuses_a_second_anchor_for_the_same_level(self):
        anchor = AnchorFactory(level=2)

        duplicate = BehaviouralAnchor(skill=anchor.skill, level=2, description="Something else")

        assert messages_of(duplicate) == {
            NON_FIELD_ERRORS: ["This skill already has a behavioural anchor for that level."]
        }

    def test_each_level_may_have_its_own_anchor(self):
        anchor = AnchorFactory(level=2)

        BehaviouralAnchor(skill=anchor.skill, level=3, description="Leads others").full_clean()
