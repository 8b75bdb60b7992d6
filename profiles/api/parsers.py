"""The REST API's JSON parser: DRF's, reading bodies as every integration does (``profiles.safe_json``)."""

from rest_framework import parsers
from rest_framework.exceptions import ParseError

from profiles import safe_json


class JSONParser(parsers.JSONParser):
    """A body that is not plain JSON (too deep, NaN, a number no float holds) is a 400, never a 500.

    It reads ``request.body`` rather than the stream DRF hands it: only ``body`` enforces Django's
    upload limit, whose ``RequestDataTooBig`` ``.exceptions.exception_handler`` answers with a 413.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return safe_json.loads(parser_context["request"].body)
        except safe_json.InvalidJson as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
