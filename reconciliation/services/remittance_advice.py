"""The remittance advice as PDF/A: rendered and stored under the remittance's key, served once stored.

- `remittance_document(*, scope, remittance_id, actor)` — the remittance advice as PDF/A.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from vendor_portal.errors import NotFoundError
from vendor_portal.models import Document
from vendor_portal.services.audit import Actor, audit_record
from vendor_portal.services.documents import document_store

from ..models import Remittance


def remittance_document_render(*, remittance: Remittance, actor: Actor) -> Document:
    from django.template.loader import render_to_string

    from vendor_portal.pdfa import render_html_pdfa

    lines = list(remittance.lines.order_by("sequence"))
    html = render_to_string("reconciliation/remittance_pdf.html", {"remittance": remittance, "lines": lines, "vendor": remittance.vendor})
    pdf = render_html_pdfa(html)
    with transaction.atomic():
        stored = document_store(
            vendor=remittance.vendor,
            kind="remittance",
            key=remittance.document_key,
            title=_("Remittance %(n)s") % {"n": remittance.number},
            content=pdf,
            target=remittance,
            uploaded_by=actor.user,
        )
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
