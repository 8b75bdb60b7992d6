"""The REST API: read employees you may see; push reviews, aspirations and skill evidence.

Access, one rule for every endpoint (``profiles.access``, narrowed for writes by ``.access``):

* Reading someone you may not see is 404, as if they did not exist.
* Writing for someone you may not see is **400 on the ``employee`` field** ("No employee with id
  N that you may see."), the same answer as for an id that does not exist, so nothing leaks.
* Writing for someone you may see but may not write for is **403** with the reason (an employee
  submitting their own review; evidence with a source your relation does not allow).

Writes go through ``profiles.recording``: sending the same thing again changes nothing and is
answered 200 (201 only when something was created). Each write records a ``SyncRun`` (source
"api") and, when something changed, sends ``profile_changed`` after commit.
"""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.templatetags.static import static
from drf_spectacular.utils import OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response

from .. import recording
from ..access import employee_of, visible_employees
from ..models import CareerAspiration, Credential, PerformanceReview, SkillEvidence, SyncRun
from ..signals import profile_changed_on_commit
from . import filters, serializers
from .access import evidence_sources_allowed, may_state_aspiration, may_submit_review

WRITE_RESPONSES = {
    400: OpenApiResponse(description="Invalid input; each message is keyed by the field it concerns."),
    403: OpenApiResponse(description="You may see this employee but not write this for them."),
}


class Pagination(LimitOffsetPagination):
    # Without a cap a huge ?limit= reaches the database as an out-of-range LIMIT (a 500).
    max_limit = 1000


def _recorded(request, *, kind: str, write, event_at, output_serializer) -> Response:
    """Run ``write()`` (a recording service), record the SyncRun, answer 201 or 200."""
    credential = request.auth if isinstance(request.auth, Credential) else None
    tally = recording.Tally(received=1)
    try:
        with transaction.atomic():
            row, outcome = write()
            tally.add(outcome, event_at=event_at)
            recording.sync_run_record(
                source=SyncRun.Source.API,
                kind=kind,
                tally=tally,
                triggered_by=request.user,
                name=credential.name if credential else f"session of {request.user.get_username()}",
            )
            if outcome is not recording.Outcome.UNCHANGED:
                profile_changed_on_commit(employee_ids=[row.employee_id], what=kind, source=SyncRun.Source.API)
    except DjangoValidationError as error:
        raise _as_drf(error) from None
    created = outcome is recording.Outcome.CREATED
    return Response(output_serializer(row).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


def _as_drf(error: DjangoValidationError) -> ValidationError:
    if hasattr(error, "error_dict"):
        return ValidationError(
            {
                ("non_field_errors" if field == NON_FIELD_ERRORS else field): messages
                for field, messages in error.message_dict.items()
            }
        )
    return ValidationError({"non_field_errors": error.messages})


def _valid_input(request, serializer_class) -> dict:
    serializer = serializer_class(data=request.data, context={"request": request})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class EmployeeList(generics.ListAPIView):
    """Employees you may see: yourself, your reporting line, or everyone for HR."""

    serializer_class = serializers.EmployeeOut
    pagination_class = Pagination
    filterset_class = filters.EmployeeFilter

    def get_queryset(self):
        return visible_employees(self.request.user).select_related("role", "business_unit").order_by("pk")


@extend_schema(
    responses={
        200: serializers.EmployeeOut,
        404: OpenApiResponse(description="No employee with this id that you may see."),
    }
)
class EmployeeDetail(generics.RetrieveAPIView):
    """One employee; 404 if unknown or not yours to see."""

    serializer_class = serializers.EmployeeOut

    def get_queryset(self):
        return visible_employees(self.request.user).select_related("role", "business_unit")


class ReviewListCreate(generics.ListAPIView):
    """Performance reviews of employees you may see; managers (at any level) and HR submit them."""

    serializer_class = serializers.ReviewOut
    pagination_class = Pagination
    filterset_class = filters.ReviewFilter

    def get_queryset(self):
        return PerformanceReview.objects.filter(employee__in=visible_employees(self.request.user)).order_by("pk")

    @extend_schema(
        request=serializers.ReviewIn,
        responses={200: serializers.ReviewOut, 201: serializers.ReviewOut, **WRITE_RESPONSES},
    )
    def post(self, request):
        """Submit a review; one per employee and period, so resending it is a no-op (200)."""
        data = _valid_input(request, serializers.ReviewIn)
        if not may_submit_review(request.user, data["employee"]):
            raise PermissionDenied("You cannot submit your own performance review; your manager or HR does.")
        return _recorded(
            request,
            kind="review",
            event_at=data["submitted_at"],
            output_serializer=serializers.ReviewOut,
            write=lambda: recording.review_upsert(
                **data, reviewer=employee_of(request.user), source=SyncRun.Source.API
            ),
        )


class AspirationListCreate(generics.ListAPIView):
    """Career aspirations of employees you may see; the employee, their managers and HR state them."""

    serializer_class = serializers.AspirationOut
    pagination_class = Pagination
    filterset_class = filters.AspirationFilter

    def get_queryset(self):
        return CareerAspiration.objects.filter(employee__in=visible_employees(self.request.user)).order_by("pk")

    @extend_schema(
        request=serializers.AspirationIn,
        responses={200: serializers.AspirationOut, 201: serializers.AspirationOut, **WRITE_RESPONSES},
    )
    def post(self, request):
        """State a career goal; the same employee and moment again is a no-op (200)."""
        data = _valid_input(request, serializers.AspirationIn)
        if not may_state_aspiration(request.user, data["employee"]):
            raise PermissionDenied("You may state aspirations only for yourself and the people you manage.")
        return _recorded(
            request,
            kind="aspiration",
            event_at=data["stated_at"],
            output_serializer=serializers.AspirationOut,
            write=lambda: recording.aspiration_record(**data, source=SyncRun.Source.API),
        )


class EvidenceListCreate(generics.ListAPIView):
    """Skill evidence of employees you may see. Employees add source "self", managers "manager", HR any."""

    serializer_class = serializers.EvidenceOut
    pagination_class = Pagination
    filterset_class = filters.EvidenceFilter

    def get_queryset(self):
        return SkillEvidence.objects.filter(employee__in=visible_employees(self.request.user)).order_by("pk")

    @extend_schema(
        request=serializers.EvidenceIn,
        responses={200: serializers.EvidenceOut, 201: serializers.EvidenceOut, **WRITE_RESPONSES},
    )
    def post(self, request):
        """Record an observation; an identical one (or the same external_id) again is a no-op (200)."""
        data = _valid_input(request, serializers.EvidenceIn)
        allowed = evidence_sources_allowed(request.user, data["employee"])
        if data["source"] not in allowed:
            raise PermissionDenied(
                f"source: you may record evidence for this employee only with source {' or '.join(sorted(allowed))}."
            )
        return _recorded(
            request,
            kind="evidence",
            event_at=data["observed_at"],
            output_serializer=serializers.EvidenceOut,
            write=lambda: recording.evidence_record(**data, recorded_by=request.user),
        )


class ApiDocs(SpectacularSwaggerSplitView):
    """Swagger UI from the vendored drf-spectacular-sidecar assets: no CDN, and no inline script."""

    @staticmethod
    def _swagger_ui_resource(filename):
        return static(f"drf_spectacular_sidecar/swagger-ui-dist/{filename}")

    @staticmethod
    def _swagger_ui_favicon():
        return static("drf_spectacular_sidecar/swagger-ui-dist/favicon-32x32.png")
