"""The API's one body parser. Kept apart from casework.api: DRF imports it while loading its views."""

import io
import re

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


_SURROGATE = re.compile("[\ud800-\udfff]")


def _holds_lone_surrogate(data):
    """Whether any key or text of the decoded body holds a UTF-16 surrogate. JSON's `\\ud800` escape
    decodes to one when it is not half of a pair; no database or file can store it as UTF-8, so it
    failed wherever it was saved (a 500)."""
    pending = [data]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                return True
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False


class JSONBodyParser(JSONParser):
    """DRF's JSON parser, except that a body nested too deeply to decode, or holding text that is not
    Unicode (a lone surrogate), is a 400 like any malformed JSON, and the body is read through Django's
    `request.body`.

    DRF's own parser reads the raw stream, which no size limit guards; `request.body` refuses a body over
    DATA_UPLOAD_MAX_MEMORY_SIZE (by its Content-Length, before reading it) with RequestDataTooBig, which
    the exception handler answers 413.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        body = io.BytesIO(parser_context["request"].body)
        try:
            data = super().parse(body, media_type, parser_context)
        except RecursionError as error:
            raise ParseError("JSON parse error - the body is nested too deeply.") from error
        if _holds_lone_surrogate(data):
            raise ParseError(
                "JSON parse error - the body holds a \\u escape that is half of a surrogate pair, not a character."
            )
        return data
