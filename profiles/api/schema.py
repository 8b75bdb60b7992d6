"""The OpenAPI schema (drf-spectacular): what it cannot see for itself from the views."""

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse

FILTER_ERRORS = OpenApiResponse(
    description="A filter value that cannot be read (an unknown choice, an id that is not a whole number "
    "from 1 to 2^63-1); each message is keyed by the filter it concerns."
)


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, plus the 400 a filtered list answers for a bad filter value.

    django-filter refuses such a value with a 400 the view never declares, so without this a
    client (or a schema checker) meets a status the schema says cannot happen.
    """

    def get_response_serializers(self):
        serializer = super().get_response_serializers()
        if self.method == "GET" and getattr(self.view, "filterset_class", None):
            return {200: serializer, 400: FILTER_ERRORS}
        return serializer
