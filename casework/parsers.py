"""The API's one body parser. Kept apart from casework.api: DRF imports it while loading its views."""

import io

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class JSONBodyParser(JSONParser):
    """DRF's JSON parser, except that a body nested too deeply to decode is a 400 like any malformed JSON,
    and the body is read through Django's `request.body`.

    DRF's own parser reads the raw stream, which no size limit guards; `request.body` refuses a body over
    DATA_UPLOAD_MAX_MEMORY_SIZE (by its Content-Length, before reading it) with RequestDataTooBig, which
    the exception handler answers 413.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        body = io.BytesIO(parser_context["request"].body)
        try:
            return super().parse(body, media_type, parser_context)
        except RecursionError as error:
            raise ParseError("JSON parse error - the body is nested too deeply.") from error
