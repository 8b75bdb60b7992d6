import factory
from django.contrib.auth import get_user_model

from profiles.models import BusinessUnit, Employee
from profiles.services import employee_set_manager
from taxonomy.tests.factories import RoleFactory


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}@example.com")
    email = factory.LazyAttribute(lambda o: o.username)
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class BusinessUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusinessUnit
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Unit {n}")


class EmployeeFactory(factory.django.DjangoModelFactory):
    """An employee placed in the org chart under ``manager`` (org_path kept right)."""

    class Meta:
        model = Employee
        skip_postgeneration_save = True

    external_id = factory.Sequence(lambda n: f"E{n:05d}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda o: f"{o.external_id.lower()}@example.com")
    role = factory.SubFactory(RoleFactory)
    business_unit = factory.SubFactory(BusinessUnitFactory)

    @classmethod
    def _create(cls, model_class, *args, manager=None, **kwargs):
        employee = super()._create(model_class, *args, **kwargs)
        return employee_set_manager(employee=employee, manager=manager)
