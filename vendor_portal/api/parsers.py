from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def _unstorable(value) -> bool:
    if isinstance(value, str):
        if "\x00" in value:
            return True
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # a lone UTF-16 surrogate
            return True
        return False
    if isinstance(value, dict):
        return any(_unstorable(key) or _unstorable(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_unstorable(item) for item in value)
    return False


class PortalJSONParser(JSONParser):
    """JSON whose strings PostgreSQL can store: valid JSON may escape a NUL character or a lone UTF-16
    surrogate, but text and jsonb columns reject both, which would otherwise be a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if _unstorable(data):
            raise ParseError(_("JSON parse error - strings may not contain the NUL character or unpaired surrogates."))
        return data
