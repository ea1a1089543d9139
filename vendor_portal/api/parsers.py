from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# No body the portal takes nests deeper than a handful of levels (an Amazon invoice: about 8).
MAX_JSON_DEPTH = 64


def _depth_and_storable(value) -> tuple[int, bool]:
    """How deep arrays and objects nest in `value`, and whether every string in it is one PostgreSQL can store
    (no NUL character, no lone UTF-16 surrogate). Walked with a list, not recursion, so depth costs no frames."""
    deepest = 0
    pending = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return deepest, False
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return deepest, False
        elif isinstance(item, dict):
            deepest = max(deepest, depth + 1)
            pending.extend((key, depth + 1) for key in item)
            pending.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            deepest = max(deepest, depth + 1)
            pending.extend((child, depth + 1) for child in item)
    return deepest, True


class PortalJSONParser(JSONParser):
    """JSON both doors (/api/v1/ and the Amazon door) take without a 500: nested at most MAX_JSON_DEPTH deep,
    with strings PostgreSQL can store (valid JSON may escape a NUL character or a lone UTF-16 surrogate, but
    text and jsonb columns reject both)."""

    max_depth = MAX_JSON_DEPTH

    def parse(self, stream, media_type=None, parser_context=None):
        too_deep = ParseError(_("JSON parse error - nested more than %(n)s levels deep.") % {"n": self.max_depth})
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            # Python's decoder recurses per level and gives up near a thousand: deeper than we take anyway.
            raise too_deep from None
        depth, storable = _depth_and_storable(data)
        if depth > self.max_depth:
            raise too_deep
        if not storable:
            raise ParseError(_("JSON parse error - strings may not contain the NUL character or unpaired surrogates."))
        return data
