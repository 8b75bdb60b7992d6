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


class ListAndRecord(generics.ListAPIView):
    """One kind of profile row: GET lists the rows of employees you may see, POST records one.

    A subclass names its ``model``, its output (``serializer_class``) and input
    (``input_serializer``) serializers, the ``kind`` its SyncRun records, the input field that
    says when it happened (``event_field``), who may write it (``check_may_write``) and the
    recording service (``record``). The schema reads the same attributes (``.schema.AutoSchema``).
    """

    model = None
    input_serializer = None
    kind = ""
    event_field = ""
    post_description = ""
    pagination_class = Pagination

    def get_queryset(self):
        return self.model.objects.filter(employee__in=visible_employees(self.request.user)).order_by("pk")

    def post(self, request):
        data = _valid_input(request, self.input_serializer)
        self.check_may_write(request, data)
        return _recorded(
            request,
            kind=self.kind,
            event_at=data[self.event_field],
            output_serializer=self.serializer_class,
            write=lambda: self.record(request, data),
        )

    def check_may_write(self, request, data) -> None:
        raise NotImplementedError

    def record(self, request, data):
        raise NotImplementedError


class ReviewListCreate(ListAndRecord):
    """Performance reviews of employees you may see; managers (at any level) and HR submit them."""

    model, serializer_class, input_serializer = PerformanceReview, serializers.ReviewOut, serializers.ReviewIn
    filterset_class = filters.ReviewFilter
    kind, event_field = "review", "submitted_at"
    post_description = "Submit a review; one per employee and period, so resending it is a no-op (200)."

    def check_may_write(self, request, data) -> None:
        if not may_submit_review(request.user, data["employee"]):
            raise PermissionDenied("You cannot submit your own performance review; your manager or HR does.")

    def record(self, request, data):
        return recording.review_upsert(**data, reviewer=employee_of(request.user), source=SyncRun.Source.API)


class AspirationListCreate(ListAndRecord):
    """Career aspirations of employees you may see; the employee, their managers and HR state them."""

    model, serializer_class, input_serializer = CareerAspiration, serializers.AspirationOut, serializers.AspirationIn
    filterset_class = filters.AspirationFilter
    kind, event_field = "aspiration", "stated_at"
    post_description = "State a career goal; the same employee and moment again is a no-op (200)."

    def check_may_write(self, request, data) -> None:
        if not may_state_aspiration(request.user, data["employee"]):
            raise PermissionDenied("You may state aspirations only for yourself and the people you manage.")

    def record(self, request, data):
        return recording.aspiration_record(**data, source=SyncRun.Source.API)


class EvidenceListCreate(ListAndRecord):
    """Skill evidence of employees you may see. Employees add source "self", managers "manager", HR any."""

    model, serializer_class, input_serializer = SkillEvidence, serializers.EvidenceOut, serializers.EvidenceIn
    filterset_class = filters.EvidenceFilter
    kind, event_field = "evidence", "observed_at"
    post_description = "Record an observation; an identical one (or the same external_id) again is a no-op (200)."

    def check_may_write(self, request, data) -> None:
        allowed = evidence_sources_allowed(request.user, data["employee"])
        if data["source"] not in allowed:
            raise PermissionDenied(
                f"source: you may record evidence for this employee only with source {' or '.join(sorted(allowed))}."
            )

    def record(self, request, data):
        return recording.evidence_record(**data, recorded_by=request.user)


class ApiDocs(SpectacularSwaggerSplitView):
    """Swagger UI from the vendored drf-spectacular-sidecar assets: no CDN, and no inline script."""

    @staticmethod
    def _swagger_ui_resource(filename):
        return static(f"drf_spectacular_sidecar/swagger-ui-dist/{filename}")

    @staticmethod
    def _swagger_ui_favicon():
        return static("drf_spectacular_sidecar/swagger-ui-dist/favicon-32x32.png")
