"""The remittance advice as PDF/A: rendered and stored under the remittance's key, served once stored.

- `remittance_document(*, scope, remittance_id, actor)` — the remittance advice as PDF/A.
"""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from vendor_portal.errors import NotFoundError
from vendor_portal.models import Document
from vendor_portal.services.audit import Actor, audit_record

from ..models import Remittance


def remittance_document_render(*, remittance: Remittance, actor: Actor) -> Document:
    from django.core.files.storage import default_storage
    from django.template.loader import render_to_string

    from vendor_portal.models.jobs import document_upload_to
    from vendor_portal.pdfa import render_html_pdfa

    lines = list(remittance.lines.order_by("sequence"))
    html = render_to_string("reconciliation/remittance_pdf.html", {"remittance": remittance, "lines": lines, "vendor": remittance.vendor})
    pdf = render_html_pdfa(html)
    with transaction.atomic():
        for old in Document.objects.select_for_update().filter(vendor=remittance.vendor, kind="remittance", key=remittance.document_key):
            old.file.delete(save=False)
            old.delete()
        stored = Document(
            vendor=remittance.vendor,
            kind="remittance",
            key=remittance.document_key,
            content_type="application/pdf",
            size=len(pdf),
            title=(_("Remittance %(n)s") % {"n": remittance.number})[:200],
            sha256=hashlib.sha256(pdf).hexdigest(),
            target_type=remittance._meta.label_lower,
            target_id=str(remittance.pk),
            uploaded_by=actor.user,
        )
        name = document_upload_to(stored, remittance.document_key)
        default_storage.delete(name)
        stored.file.save(name, ContentFile(pdf), save=False)
        stored.save()
        Remittance.objects.filter(pk=remittance.pk).update(document=stored)
        audit_record(actor=actor, action="remittance.document", obj=remittance, after={"document": stored.pk, "sha256": stored.sha256})
    remittance.document = stored
    return stored


def remittance_document(*, scope, remittance_id, actor: Actor) -> Document:
    """The stored remittance advice, rendered first when missing."""
    remittance = (
        Remittance.objects.visible_to(scope).select_related("vendor", "document").filter(pk=remittance_id).first()
        if str(remittance_id).isdecimal()
        else None
    )
    if remittance is None:
        raise NotFoundError(_("Remittance not found."))
    if remittance.document is not None:
        return remittance.document
    return remittance_document_render(remittance=remittance, actor=actor)
