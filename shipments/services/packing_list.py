"""Packing lists of a shipment: the vendor's own PDF uploaded, or the portal's rendered as PDF/A."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from vendor_portal.errors import DomainValidationError, InvalidTransitionError, field_error
from vendor_portal.models import Document
from vendor_portal.services.audit import Actor, audit_record
from vendor_portal.services.documents import document_store

from ..models import ShipmentState
from ._common import _shipment_for_update

PACKING_LIST_MAX_BYTES = 5 * 1024 * 1024


def shipment_packing_list_upload(*, scope, shipment_id, uploaded_file, actor: Actor) -> Document:
    """The vendor's own packing list: a PDF of at most 5 MB."""
    import tempfile

    with transaction.atomic():
        shipment = _shipment_for_update(scope, shipment_id)
        if shipment.state == ShipmentState.CANCELLED:
            raise InvalidTransitionError(_("A cancelled shipment takes no documents."))
        if uploaded_file is None:
            raise DomainValidationError(_("Choose a PDF file."), field="file")
        if uploaded_file.size > PACKING_LIST_MAX_BYTES:
            raise DomainValidationError(
                _("The file is larger than 5 MB."), field="file", errors=[field_error(None, "file", _("The file is larger than 5 MB."), "too_large")]
            )
        uploaded_file.seek(0)
        if uploaded_file.read(5) != b"%PDF-":
            raise DomainValidationError(
                _("Only PDF files are accepted."), errors=[field_error(None, "file", _("Only PDF files are accepted."), "not_pdf")]
            )
        uploaded_file.seek(0)
        with tempfile.NamedTemporaryFile(suffix=".pdf") as temp:
            for chunk in uploaded_file.chunks():
                temp.write(chunk)
            temp.flush()
            document = document_store(
                vendor=shipment.vendor,
                kind="packing_list_upload",
                key=f"shipments/{shipment.pk}/packing-list-vendor.pdf",
                title=_("Packing list (vendor) %(id)s") % {"id": shipment.shipment_identifier},
                source_path=temp.name,
                target=shipment,
                uploaded_by=actor.user,
            )
        audit_record(
            actor=actor,
            action="shipment.packing_list_upload",
            obj=shipment,
            after={"document": document.pk, "size": document.size, "sha256": document.sha256},
        )
    return document


def shipment_packing_list_render(*, scope, shipment_id, actor: Actor) -> Document:
    """The portal's packing list, PDF/A-2b through WeasyPrint (synchronous: a few pages per shipment)."""
    from django.template.loader import render_to_string

    from vendor_portal.pdfa import render_html_pdfa

    from ..selectors import shipment_packing_list_context

    with transaction.atomic():
        shipment = _shipment_for_update(scope, shipment_id)
        html = render_to_string("shipments/packing_list.html", shipment_packing_list_context(shipment=shipment))
        document = document_store(
            vendor=shipment.vendor,
            kind="packing_list",
            key=shipment.packing_list_key,
            title=_("Packing list %(id)s") % {"id": shipment.shipment_identifier},
            content=render_html_pdfa(html),
            target=shipment,
            uploaded_by=actor.user,
        )
        audit_record(actor=actor, action="shipment.packing_list_render", obj=shipment, after={"document": document.pk, "sha256": document.sha256})
    return document
