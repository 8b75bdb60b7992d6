"""Input and output shapes of the REST API, one pair per resource.

Input serializers check shape and ranges (so every message names its field); the business
rules live in ``profiles.recording`` and reach the client through the view, keyed by field too.
"""

from decimal import Decimal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from taxonomy.models import Role, Skill
from taxonomy.validators import LEVEL_MAX, OBSERVED_LEVEL_MIN

from ..access import visible_employees
from ..models import (
    REVIEW_SCORE_MAX,
    REVIEW_SCORE_MIN,
    CareerAspiration,
    Employee,
    EvidenceSource,
    PerformanceReview,
    SkillEvidence,
)


@extend_schema_field(OpenApiTypes.INT)
class VisibleEmployeeField(serializers.PrimaryKeyRelatedField):
    """An employee id the caller may see. Others read as unknown, so existence does not leak."""

    default_error_messages = {
        **serializers.PrimaryKeyRelatedField.default_error_messages,
        "does_not_exist": "No employee with id {pk_value} that you may see.",
    }

    def get_queryset(self):
        return visible_employees(self.context["request"].user)


class EmployeeOut(serializers.ModelSerializer):
    role_title = serializers.CharField(source="role.title", default=None, read_only=True)
    business_unit_name = serializers.CharField(source="business_unit.name", default=None, read_only=True)

    class Meta:
        model = Employee
        fields = [
            "id",
            "external_id",
            "first_name",
            "last_name",
            "email",
            "role",
            "role_title",
            "business_unit",
            "business_unit_name",
            "manager",
            "status",
            "hire_date",
        ]
        read_only_fields = fields


class ReviewIn(serializers.Serializer):
    employee = VisibleEmployeeField()
    period = serializers.CharField(max_length=20, help_text="The review period, e.g. 2026-H1 or 2026-Q3.")
    score = serializers.DecimalField(
        max_digits=3,
        decimal_places=1,
        min_value=Decimal(REVIEW_SCORE_MIN),
        max_value=Decimal(REVIEW_SCORE_MAX),
        coerce_to_string=False,  # a number in the schema; "4.5" as a string is accepted too
        help_text=f"Overall rating, {REVIEW_SCORE_MIN} to {REVIEW_SCORE_MAX}.",
    )
    goal_attainment = serializers.FloatField(
        required=False, allow_null=True, default=None, min_value=0, max_value=1.5, help_text="Share of goals met."
    )
    commentary = serializers.CharField(required=False, allow_blank=True, default="")
    submitted_at = serializers.DateTimeField(help_text="When the review was submitted in the source system.")


class ReviewOut(serializers.ModelSerializer):
    score = serializers.DecimalField(max_digits=3, decimal_places=1, coerce_to_string=False, read_only=True)

    class Meta:
        model = PerformanceReview
        fields = [
            "id",
            "employee",
            "period",
            "score",
            "goal_attainment",
            "commentary",
            "reviewer",
            "submitted_at",
            "received_at",
            "source",
        ]
        read_only_fields = fields


class AspirationIn(serializers.Serializer):
    employee = VisibleEmployeeField()
    target_role = serializers.PrimaryKeyRelatedField(
        queryset=Role.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        error_messages={"does_not_exist": "No role with id {pk_value}."},
    )
    interests = serializers.CharField(required=False, allow_blank=True, default="")
    stated_at = serializers.DateTimeField(help_text="When the employee stated this goal.")


class AspirationOut(serializers.ModelSerializer):
    class Meta:
        model = CareerAspiration
        fields = ["id", "employee", "target_role", "interests", "stated_at", "source"]
        read_only_fields = fields


class EvidenceIn(serializers.Serializer):
    employee = VisibleEmployeeField()
    skill = serializers.PrimaryKeyRelatedField(
        queryset=Skill.objects.all(), error_messages={"does_not_exist": "No skill with id {pk_value}."}
    )
    level = serializers.IntegerField(
        min_value=OBSERVED_LEVEL_MIN, max_value=LEVEL_MAX, help_text="0 none, 1 awareness … 4 mastery."
    )
    source = serializers.ChoiceField(choices=EvidenceSource.choices)
    observed_at = serializers.DateTimeField()
    confidence = serializers.FloatField(required=False, default=1.0, min_value=0, max_value=1)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    evidence_url = serializers.URLField(required=False, allow_blank=True, default="", max_length=500)
    external_id = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        default=None,
        max_length=200,
        help_text="Your id for this observation; resending it is a no-op.",
    )


class LinkOrNullField(serializers.URLField):
    """A URL, or null when there is none: the model stores "" for no link, which is not a URI."""

    def to_representation(self, value):
        return value or None


class EvidenceOut(serializers.ModelSerializer):
    evidence_url = LinkOrNullField(read_only=True, allow_null=True, help_text="A link to the evidence, or null.")

    class Meta:
        model = SkillEvidence
        fields = [
            "id",
            "employee",
            "skill",
            "level",
            "source",
            "observed_at",
            "confidence",
            "note",
            "evidence_url",
            "external_id",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = fields
