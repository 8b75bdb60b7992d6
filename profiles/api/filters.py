"""Query filters for the list endpoints.

Foreign keys are filtered by plain id (``NumberFilter``), not a model choice: an unknown id and
an id the caller may not see must both simply match nothing, or the filter would leak who exists.
Ids are whole numbers within the database's range (a larger one would crash the query).
"""

import django_filters
from django import forms

from ..models import CareerAspiration, Employee, EvidenceSource, PerformanceReview, SkillEvidence

ID_MAX = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(*args, **kwargs)


class EmployeeFilter(django_filters.FilterSet):
    business_unit = IdFilter(field_name="business_unit", help_text="Business unit id.")
    role = IdFilter(field_name="role", help_text="Role id.")
    manager = IdFilter(field_name="manager", help_text="Direct manager's employee id.")
    status = django_filters.ChoiceFilter(choices=Employee.Status.choices)

    class Meta:
        model = Employee
        fields = ["business_unit", "role", "manager", "status"]


class ReviewFilter(django_filters.FilterSet):
    employee = IdFilter(field_name="employee")
    period = django_filters.CharFilter(field_name="period")

    class Meta:
        model = PerformanceReview
        fields = ["employee", "period"]


class AspirationFilter(django_filters.FilterSet):
    employee = IdFilter(field_name="employee")

    class Meta:
        model = CareerAspiration
        fields = ["employee"]


class EvidenceFilter(django_filters.FilterSet):
    employee = IdFilter(field_name="employee")
    skill = IdFilter(field_name="skill")
    source = django_filters.ChoiceFilter(choices=EvidenceSource.choices)

    class Meta:
        model = SkillEvidence
        fields = ["employee", "skill", "source"]
