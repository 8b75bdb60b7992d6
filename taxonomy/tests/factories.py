import factory

from taxonomy.models import BehaviouralAnchor, JobFamily, MobilityPath, Role, RoleRequirement, Skill, SkillCategory


class SkillCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SkillCategory
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Category {n}")


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill

    name = factory.Sequence(lambda n: f"Skill {n}")
    category = factory.SubFactory(SkillCategoryFactory)


class AnchorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BehaviouralAnchor

    skill = factory.SubFactory(SkillFactory)
    level = 1
    description = factory.LazyAttribute(lambda o: f"Shows {o.skill.name} at level {o.level}")


class JobFamilyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JobFamily
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Family {n}")


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role

    title = factory.Sequence(lambda n: f"Role {n}")
    family = factory.SubFactory(JobFamilyFactory)
    grade = 1


class RequirementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleRequirement

    role = factory.SubFactory(RoleFactory)
    skill = factory.SubFactory(SkillFactory)
    target_level = 3
    importance = 3
    core = False


class MobilityPathFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MobilityPath

    from_role = factory.SubFactory(RoleFactory)
    to_role = factory.SubFactory(RoleFactory)
    kind = "promotion"
