"""A file sent to the API as a multipart `file` or as the raw body (EDI interchanges, e-invoices).

    content, filename = read_upload(request, raw_types={"text/xml", ...}, max_bytes=..., messages=UploadMessages(...))

Refusals are errors in the door's shape: no `file` in a multipart body (400 `required`), larger than the door
takes (413 `too_large`, also when Django stops reading a body above DATA_UPLOAD_MAX_MEMORY_SIZE), any other
media type (415 `unsupported_media_type`). An empty file is the service's to refuse, with its own words.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import RequestDataTooBig
from rest_framework.parsers import BaseParser

from vendor_portal.errors import DomainValidationError, PortalError


class UploadMissing(DomainValidationError):
    code = "required"


class UploadTooLarge(PortalError):
    code = "too_large"
    status = 413


class UnsupportedUpload(PortalError):
    code = "unsupported_media_type"
    status = 415


class RawBodyParser(BaseParser):
    """Any body as bytes, for a view that reads an XML, PDF or X12 body itself (put it after MultiPartParser)."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read() if stream is not None else b""


@dataclass(frozen=True)
class UploadMessages:
    """What the caller is told, in the door's words; `too_large(size)` gets the bytes sent, or None if unknown."""

    missing: str
    unsupported: str
    too_large: Callable[[int | None], str]


def read_upload(request, *, raw_types: set[str], max_bytes: int, messages: UploadMessages) -> tuple[bytes, str]:
    content_type = (request.content_type or "").split(";")[0].strip().lower()
    try:
        if content_type == "multipart/form-data":
            upload = request.FILES.get("file")
            if upload is None:
                raise UploadMissing(messages.missing, field="file")
            if upload.size > max_bytes:
                raise UploadTooLarge(messages.too_large(upload.size), field="file")
            return upload.read(), upload.name
        if content_type in raw_types:
            content = request.body
            if len(content) > max_bytes:
                raise UploadTooLarge(messages.too_large(len(content)))
            return content, ""
    except RequestDataTooBig:
        raise UploadTooLarge(messages.too_large(None)) from None
    raise UnsupportedUpload(messages.unsupported)
