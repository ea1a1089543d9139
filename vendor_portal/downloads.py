"""Stored documents handed to someone a view has already let see them.

- `document_response(document, *, filename, as_attachment=True, content_type=None)` — the file itself from
  the local disk, or a redirect to a short-lived signed URL when documents are in object storage; a
  `DocumentFileMissing` (404) when the row is there but its file is gone from storage.
"""

from django.conf import settings
from django.http import FileResponse, HttpResponseRedirect
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse
from storages.backends.s3 import S3Storage

from vendor_portal.errors import NotFoundError

# How a download answers when the documents are in object storage, for the API's schema.
SIGNED_URL_REDIRECT = OpenApiResponse(
    description=str(
        _(
            "When the portal keeps documents in object storage: a redirect (Location) to the file at a signed URL that "
            "expires shortly (a minute by default), answering with the same Content-Disposition and Content-Type. Follow it right away."
        )
    )
)


class DocumentFileMissing(NotFoundError):
    """The document is on record but its file is no longer in storage (deleted, lost in a restore)."""

    code = "file_missing"
    default_message = _("The file of this document is missing from storage. Generate it again, or ask support to restore it.")


def document_response(document, *, filename: str, as_attachment: bool = True, content_type: str | None = None):
    """The document's file, named `filename`, for a request the caller has already checked (permission, tenancy);
    DocumentFileMissing when its file is gone.

    On the local disk it is streamed by this process. In object storage it is a 302 to a URL signed for
    S3_URL_EXPIRY seconds whose response carries the same Content-Disposition and Content-Type: the bytes do not
    pass through the web node, and a URL that leaks is worthless a minute later."""
    content_type = content_type or document.content_type
    storage = document.file.storage
    if not document.file.name:
        raise DocumentFileMissing
    if not (isinstance(storage, S3Storage) and storage.querystring_auth):
        try:
            handle = document.file.open("rb")
        except (FileNotFoundError, IsADirectoryError):
            raise DocumentFileMissing from None
        return FileResponse(handle, as_attachment=as_attachment, filename=filename, content_type=content_type)
    if not storage.exists(document.file.name):  # one HEAD request: better than a redirect to S3's own XML 404
        raise DocumentFileMissing
    url = storage.url(
        document.file.name,
        parameters={"ResponseContentDisposition": content_disposition_header(as_attachment, filename), "ResponseContentType": content_type},
        expire=settings.S3_URL_EXPIRY,
    )
    response = HttpResponseRedirect(url)
    response["Cache-Control"] = "private, no-store"  # the URL expires: no cache may hand it out later
    return response
