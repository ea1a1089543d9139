"""Drafts: an invoice or credit note stored as the vendor states it, edited, or deleted. Nothing is checked
beyond the shape here: the hard checks run at submission."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from vendor_portal import events
from vendor_portal.errors import DomainValidationError, InvalidTransitionError, field_error
from vendor_portal.services.audit import Actor, audit_record

from ..models import Invoice, InvoiceCharge, InvoiceLine, InvoiceSource, InvoiceTax, InvoiceType
from ._common import _duplicate_number_error, _locked_invoice, _refuse, _require_vendor, _state_event
from .document import InvoiceDocument, default_parties
from .inputs import InvoiceInput
from .payload import build_document


def _save_document(document: InvoiceDocument, *, replace_rows: bool) -> None:
    invoice = document.invoice
    invoice.save()
    if replace_rows:
        InvoiceLine.objects.filter(invoice=invoice).delete()
        InvoiceCharge.objects.filter(invoice=invoice).delete()
        InvoiceTax.objects.filter(invoice=invoice).delete()
    # Rows are written in bulk: the invoice's audit event carries every line, charge and tax.
    for row in document.lines + document.charges + document.taxes:
        row.invoice = invoice
    document.lines = InvoiceLine.objects.bulk_create(document.lines)
    document.charges = InvoiceCharge.objects.bulk_create(document.charges)
    document.taxes = InvoiceTax.objects.bulk_create(document.taxes)


def _fill_party_defaults(invoice: Invoice) -> None:
    """The parties (and their tax registrations) a door left out, from the vendor's account and the marketplace."""
    parties = default_parties(vendor=invoice.vendor, marketplace=invoice.marketplace, purchase_order=invoice.purchase_order)
    for name, value in parties.items():
        if not getattr(invoice, name):
            setattr(invoice, name, value)


def invoice_create(*, scope, data: InvoiceInput, actor: Actor, source: str = InvoiceSource.MANUAL) -> Invoice:
    """A draft invoice or credit note as a door states it (API, screens, the Amazon door, EDI). Nothing is
    checked beyond the values here: the hard checks run at submission."""
    _require_vendor(scope)
    document, errors = build_document(scope=scope, data=data)
    invoice = document.invoice
    if not invoice.number and not any(e.ref is None and e.field == "number" for e in errors):
        errors.append(field_error(None, "number", _("Give the invoice number."), "required"))
    if errors:
        _refuse(errors, _("The invoice draft was not saved."))
    invoice.source = source
    invoice.created_by = actor.user
    _fill_party_defaults(invoice)
    if invoice.invoice_type == InvoiceType.CREDIT_NOTE and invoice.source == InvoiceSource.MANUAL and invoice.reference_invoice_id:
        invoice.source = InvoiceSource.CREDIT
    return _store_new(document, actor)


def _store_new(document: InvoiceDocument, actor: Actor) -> Invoice:
    invoice = document.invoice
    try:
        with transaction.atomic():
            _check_number_free(invoice)
            _save_document(document, replace_rows=False)
            audit_record(actor=actor, action="invoice.create", obj=invoice, after=document.audit_state())
            # A new draft enters its first state: subscribers to state changes have always heard of it.
            events.publish(_state_event(invoice, previous_state="", channel=actor.channel))
    except IntegrityError:
        _refuse([_duplicate_number_error(invoice)])
    return invoice


def _check_number_free(invoice: Invoice) -> None:
    if Invoice.objects.filter(vendor=invoice.vendor, number=invoice.number).exclude(pk=invoice.pk).exists():
        _refuse([_duplicate_number_error(invoice)])


def invoice_update(*, scope, invoice_id, data: InvoiceInput, actor: Actor) -> Invoice:
    """Edit a draft: header fields, and the lines / charges / taxes lists when given (each replaces the old)."""
    _require_vendor(scope)
    with transaction.atomic():
        invoice = _locked_invoice(scope, invoice_id)
        if not invoice.is_editable:
            raise InvalidTransitionError(
                _("Invoice %(n)s is %(state)s: only a draft can be changed.") % {"n": invoice.number, "state": invoice.get_state_display().lower()}
            )
        before = InvoiceDocument.load(invoice).audit_state()
        if data.given("invoice_type") and data.invoice_type != invoice.invoice_type:
            raise DomainValidationError(_("The type of a draft cannot change; start a new one."), field="invoice_type")
        document, errors = build_document(scope=scope, data=data, invoice=invoice)
        if errors:
            _refuse(errors, _("The changes were not saved."))
        _check_number_free(invoice)
        try:
            with transaction.atomic():
                _save_document(document, replace_rows=True)
        except IntegrityError:
            _refuse([_duplicate_number_error(invoice)])
        audit_record(actor=actor, action="invoice.update", obj=invoice, before=before, after=document.audit_state())
    return invoice


def _next_number(vendor, base: str) -> str:
    taken = set(Invoice.objects.filter(vendor=vendor, number__startswith=base).values_list("number", flat=True))
    if base not in taken:
        return base
    suffix = 2
    while f"{base}-{suffix}" in taken:
        suffix += 1
    return f"{base}-{suffix}"


def invoice_delete_draft(*, scope, invoice_id, actor: Actor) -> None:
    _require_vendor(scope)
    with transaction.atomic():
        invoice = _locked_invoice(scope, invoice_id)
        if not invoice.is_editable:
            raise InvalidTransitionError(_("Only a draft can be deleted."))
        before = InvoiceDocument.load(invoice).audit_state()
        audit_record(actor=actor, action="invoice.delete", obj=invoice, before=before)
        invoice.delete()


def drafts_take_tax_registration(changes: list[events.TaxRegistrationChanged]) -> None:
    """A vendor's new tax registration in a marketplace reaches its drafts there that still state the old one
    (the registration was copied onto them when they were made): a draft is not sent yet, so it should say what
    the vendor is registered under now. Invoices past the draft keep theirs. Runs in the change's transaction."""
    from ..models import InvoiceState

    for change in changes:
        actor = Actor.from_job_params(
            {"user_id": change.changed_by_user_id, "token_id": change.changed_by_token_id}, channel=change.channel or Actor.system().channel
        )
        drafts = Invoice.objects.select_for_update().filter(
            vendor_id=change.vendor_id,
            marketplace_id=change.marketplace_id,
            state=InvoiceState.DRAFT,
            remit_to_tax_id=change.previous_tax_registration_number,
        )
        for invoice in drafts.order_by("pk"):
            invoice.remit_to_tax_id = change.tax_registration_number
            invoice.save(update_fields=["remit_to_tax_id", "updated_at"])
            audit_record(
                actor=actor,
                action="invoice.update",
                obj=invoice,
                before={"remit_to_tax_id": change.previous_tax_registration_number},
                after={"remit_to_tax_id": change.tax_registration_number},
            )
