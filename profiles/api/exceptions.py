"""The REST API's errors: DRF's, and Django's refusals of a request body as JSON rather than HTML."""

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from rest_framework import status, views
from rest_framework.exceptions import APIException, ParseError


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


def exception_handler(exc, context):
    """DRF's handler, plus what Django raises while reading a body: ``RequestDataTooBig`` (past
    ``DATA_UPLOAD_MAX_MEMORY_SIZE``) is a 413, any other ``SuspiciousOperation`` (too many form
    fields, a broken multipart body) a 400. Left to Django, each would be an HTML error page.
    """
    if isinstance(exc, SuspiciousOperation):
        # Django logs these to django.security.<name>; keep doing so now that the API answers them.
        logging.getLogger(f"django.security.{type(exc).__name__}").warning("%s", exc)
        if isinstance(exc, RequestDataTooBig):
            exc = PayloadTooLarge(f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes.")
        else:
            exc = ParseError(str(exc))
    return views.exception_handler(exc, context)
