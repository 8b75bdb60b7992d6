"""The OpenAPI schema (drf-spectacular): what it cannot see for itself from the views."""

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse

WRITE_RESPONSES = {
    400: OpenApiResponse(description="Invalid input; each message is keyed by the field it concerns."),
    403: OpenApiResponse(description="You may see this employee but not write this for them."),
}

FILTER_ERRORS = OpenApiResponse(
    description="A filter value that cannot be read (an unknown choice, an id that is not a whole number "
    "from 1 to 2^63-1); each message is keyed by the filter it concerns."
)


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, plus what the views declare in their own attributes:

    * the 400 a filtered list answers for a bad filter value: django-filter refuses such a value
      with a 400 the view never declares, so without this a client (or a schema checker) meets a
      status the schema says cannot happen;
    * for a ``views.ListAndRecord`` POST: its ``input_serializer``, 200 (already recorded) or 201
      with its output, and the write errors.
    """

    def _records(self) -> bool:
        return self.method == "POST" and getattr(self.view, "input_serializer", None) is not None

    def get_request_serializer(self):
        return self.view.input_serializer if self._records() else super().get_request_serializer()

    def get_response_serializers(self):
        serializer = super().get_response_serializers()
        if self._records():
            return {200: self.view.serializer_class, 201: self.view.serializer_class, **WRITE_RESPONSES}
        if self.method == "GET" and getattr(self.view, "filterset_class", None):
            return {200: serializer, 400: FILTER_ERRORS}
        return serializer

    def get_description(self):
        if self._records() and self.view.post_description:
            return self.view.post_description
        return super().get_description()
