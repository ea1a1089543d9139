"""E-invoices received: a Factur-X / ZUGFeRD PDF, a bare CII XML or a UBL XML uploaded by a vendor (or its
integrator) on the screen or the API becomes an invoice through the same services as every other door.

    einvoice_upload(scope=..., content=..., filename=..., actor=...)  -> (EInvoiceReceipt, Job)   the request's half
    einvoice_receive_run(job_id=...)                                                            the worker's half
    einvoice_receive(scope=..., content=..., actor=...)  -> Invoice                             the pipeline itself
    einvoice_receipts_purge(older_than=...)                                                     refused files' bytes, in time

The pipeline: detect the syntax (a PDF's embedded XML is CII; an XML's root names its syntax), validate it
against the official schema and business rules (any fatal problem refuses the file, naming each rule id),
read it into an `InvoiceInput` (READERS, by the root element's Clark name: each takes the XML bytes and
returns an `einvoices.cii.ReadInvoice`, raising `CiiReadError` for values the portal cannot hold), check that the seller is the
uploading vendor, then `invoice_create` + `invoice_submit` in one transaction: the hard checks refuse the
whole invoice (nothing is written) with field errors named by their EN 16931 business term.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vendor_portal.errors import DomainValidationError, FieldError, ForbiddenError, PortalError, error_list, field_error
from vendor_portal.models import Job, VendorAccount
from vendor_portal.roles import Action
from vendor_portal.services.audit import Actor, audit_record
from vendor_portal.services.exports import _scope_from_params, _scope_params
from vendor_portal.services.jobs import job_claim, job_enqueue_on_commit, job_progress, job_succeed
from vendor_portal.services.retention import file_bytes_purge
from vendor_portal.tenancy import Scope

from ..einvoices import cii, ubl
from ..einvoices.validation import FACTUR_X_EN16931, UBL_EN16931, RuleSet, fatal_problems, parse
from ..models import EInvoiceReceipt, EInvoiceReceiptStatus, Invoice, InvoiceLine, InvoiceType
from .drafts import invoice_create
from .inputs import InvoiceInput
from .submission import invoice_submit

EINVOICE_JOB_KIND = "einvoice_receive"
RECEIPT_TARGET = "invoicing.einvoicereceipt"
MAX_BYTES = 10 * 1024 * 1024


def too_large_message(size: int | None = None) -> str:
    return _("An e-invoice is at most %(n)s MB.") % {"n": MAX_BYTES // (1024 * 1024)}


UBL_INVOICE = ubl.INVOICE_ROOT
UBL_CREDIT_NOTE = ubl.CREDIT_NOTE_ROOT

# The rules each syntax is validated against, and the reader that maps it (root element's Clark name).
RULES: dict[str, RuleSet] = {cii.ROOT: FACTUR_X_EN16931, UBL_INVOICE: UBL_EN16931, UBL_CREDIT_NOTE: UBL_EN16931}
READERS: dict[str, Callable[[bytes], cii.ReadInvoice]] = {cii.ROOT: cii.cii_read, UBL_INVOICE: ubl.ubl_read, UBL_CREDIT_NOTE: ubl.ubl_read}
LOCATORS: dict[str, Callable] = {cii.ROOT: cii.cii_location}
SYNTAX_NAMES = {cii.ROOT: "cii", UBL_INVOICE: "ubl", UBL_CREDIT_NOTE: "ubl"}
STEPS = 4  # read, validated, mapped, created and submitted


class EInvoiceRefused(DomainValidationError):
    """The file was refused: each problem a FieldError whose field names the rule or the business term."""

    code = "einvoice_refused"


@dataclass
class Detected:
    root: str  # Clark name of the XML's root element
    xml: bytes
    syntax: str  # factur-x (a PDF), cii, ubl


def _refuse(problems: list[tuple[str, str, str]], message: str) -> None:
    """problems: (location, code, message)."""
    raise EInvoiceRefused(message, errors=[field_error(None, location, text, code) for location, code, text in problems])


def einvoice_detect(content: bytes) -> Detected:
    """The XML and its syntax: a PDF's embedded factur-x.xml / zugferd-invoice.xml / xrechnung.xml, or the XML itself."""
    from lxml import etree

    syntax = ""
    if content[:5] == b"%PDF-":
        from facturx import get_xml_from_pdf

        try:
            _filename, xml = get_xml_from_pdf(content, check_xsd=False)
        except Exception:  # noqa: BLE001 - whatever a broken PDF makes pypdf raise
            xml = None
        if not xml:
            _refuse([("file", "no_embedded_xml", _("This PDF has no embedded Factur-X / ZUGFeRD XML (factur-x.xml)."))], _("The file was refused."))
        content, syntax = xml, "factur-x"
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        _refuse([("XML", "not_utf8", _("The XML is not UTF-8, the encoding EN 16931 e-invoices use."))], _("The file was refused."))
    try:
        root = parse(content)
    except etree.XMLSyntaxError as error:
        _refuse(
            [("XML", "not_xml", _("Not well-formed XML (line %(line)s): %(error)s") % {"line": error.lineno, "error": error.msg})],
            _("The file was refused."),
        )
    if root.tag not in RULES:
        _refuse(
            [
                (
                    "file",
                    "unknown_syntax",
                    _("A %(root)s is neither a CII (Factur-X) nor a UBL invoice or credit note.") % {"root": etree.QName(root).localname},
                )
            ],
            _("The file was refused."),
        )
    return Detected(root=root.tag, xml=content, syntax=syntax or SYNTAX_NAMES[root.tag])


def einvoice_validate(detected: Detected) -> None:
    """Refused with every fatal problem of the schema, then of the business rules, each named by its rule id."""
    problems = fatal_problems(detected.xml, RULES[detected.root])
    if problems:
        _refuse(
            [(problem.rule or "XSD", problem.rule or "invalid", _located(problem.message, problem.location)) for problem in problems[:200]],
            _("The file breaks %(n)s schema or business rules.") % {"n": len(problems)},
        )


def _located(message: str, location: str) -> str:
    """The rule's message and where, the schematron's XPath without its namespace tests:
    /CrossIndustryInvoice/SupplyChainTradeTransaction/ApplicableHeaderTradeSettlement[1]."""
    import re

    path = re.sub(r"\[namespace-uri\(\)='[^']*'\]", "", location or "").replace("*:", "").replace("[1]", "")
    return f"{message} ({path})" if path and path != "/" else message


def _seller_is_vendor(read: cii.ReadInvoice, vendor) -> bool:
    """The file's seller is the uploading vendor: a seller tax id the vendor is registered under, or (without
    one) its vendor code, a marketplace vendor code or a ship-from GLN among the seller's identifiers."""
    from vendor_portal.models import ShipFromAddress

    def normal(value: str) -> str:  # as vendor_portal.tax_ids stores them, and an EIN's dash either way
        return "".join(ch for ch in value if not ch.isspace() and ch not in ".-").upper()

    accounts = VendorAccount.objects.filter(vendor=vendor)
    tax_ids = {normal(t) for t in accounts.values_list("tax_registration_number", flat=True) if t}
    given_tax_ids = {normal(t) for t in read.seller_tax_ids}
    if given_tax_ids:
        return bool(given_tax_ids & tax_ids)
    ids = {normal(vendor.code)} | {normal(c) for c in accounts.values_list("vendor_code", flat=True) if c}
    ids |= {g for g in ShipFromAddress.objects.filter(vendor=vendor).exclude(gln="").values_list("gln", flat=True)}
    return bool({normal(i) for i in read.seller_ids} & ids)


def _buyer_marketplace(scope: Scope, data: InvoiceInput) -> None:
    """The marketplace whose retailer entity the buyer is (its country), so a line naming an unknown PO is
    refused as such rather than for want of a marketplace."""
    from vendor_portal.models import Marketplace

    country = ((data.bill_to_address or {}).get("countryCode") or "").upper() if data.given("bill_to_address") else ""
    marketplace = Marketplace.objects.filter(country_code__in={country, "GB" if country == "UK" else country}).order_by("pk").first()
    if marketplace is not None and scope.sees_marketplace(marketplace.pk):
        data.marketplace = marketplace.code


def resolve_credited_lines(scope: Scope, data: InvoiceInput) -> list[FieldError]:
    """A credit note's lines name the credited invoice's lines by what both carry (the PO line, else the
    vendor SKU or ASIN): the credited line's id is the portal's own, which no file holds."""
    if data.invoice_type != InvoiceType.CREDIT_NOTE or not data.given("reference_invoice_number") or not data.lines:
        return []
    reference = Invoice.objects.visible_to(scope).filter(number=data.reference_invoice_number, invoice_type=InvoiceType.INVOICE).first()
    if reference is None:
        return []  # the services name the unknown invoice (BT-25)
    originals = list(InvoiceLine.objects.filter(invoice=reference).select_related("purchase_order_line"))
    errors = []
    for line in data.lines:
        po_sequence = line.po_line_sequence

        def same(original, line=line, po_sequence=po_sequence) -> bool:
            if po_sequence is not None and original.purchase_order_line_id:
                return original.purchase_order_line.sequence == po_sequence and (
                    not line.purchase_order_number or original.purchase_order_number == line.purchase_order_number
                )
            return bool((line.vendor_sku and original.vendor_sku == line.vendor_sku) or (line.asin and original.asin == line.asin))

        match = next((original for original in originals if same(original)), None)
        if match is None:
            errors.append(
                field_error(line.ref, "credited_line", _("No line of invoice %(n)s bills this item.") % {"n": reference.number}, "not_found")
            )
        else:
            line.credited_line = match.pk
    return errors


def einvoice_receive(*, scope: Scope, content: bytes, actor: Actor, progress: Callable[[int], None] | None = None, receipt=None) -> Invoice:
    """The file as a submitted invoice (or one waiting for approval), or EInvoiceRefused / PortalError with
    every reason; nothing is written when refused."""
    if scope.vendor is None:
        raise ForbiddenError(_("E-invoices are sent by a vendor."))
    if not scope.can(Action.MANAGE_INVOICES):
        raise ForbiddenError(_("Your role does not allow submitting invoices."))
    report = progress or (lambda done: None)
    detected = einvoice_detect(content)
    if receipt is not None:
        receipt.syntax = detected.syntax
    report(1)
    einvoice_validate(detected)
    report(2)
    reader = READERS.get(detected.root)
    if reader is None:
        _refuse([("file", "not_supported", _("This syntax is not read: send a Factur-X PDF, a CII XML or a UBL XML."))], _("The file was refused."))
    try:
        read = reader(detected.xml)
    except cii.CiiReadError as error:
        _refuse([(location, "invalid", message) for location, message in error.problems], _("The file cannot be read into an invoice."))
    if not _seller_is_vendor(read, scope.vendor):
        _refuse(
            [
                (
                    "BG-4 (seller)",
                    "not_your_invoice",
                    _("The seller (%(name)s) is not %(vendor)s: send only your own invoices.")
                    % {"name": read.seller.name, "vendor": scope.vendor.name},
                )
            ],
            _("The file was refused."),
        )
    _buyer_marketplace(scope, read.data)
    errors = resolve_credited_lines(scope, read.data)
    if errors:
        raise EInvoiceRefused(_("The credit note's lines do not match the credited invoice."), errors=errors)
    report(3)
    try:
        with transaction.atomic():
            created = invoice_create(scope=scope, data=read.data, actor=actor)
            invoice = invoice_submit(scope=scope, invoice_id=created.pk, actor=actor)
    except PortalError as error:
        raise _in_file_terms(error, read.data) from error
    report(4)
    return invoice


def _in_file_terms(error: PortalError, data: InvoiceInput) -> PortalError:
    """The hard checks name a saved invoice's rows by position ("lines[0]"): named again by the file's rows."""
    rows = {"lines": data.lines or [], "charges": data.charges or [], "taxes": data.taxes or []}
    problems = []
    for problem in error.field_errors():
        ref = problem.ref
        if isinstance(ref, str) and "[" in ref:
            collection, _bracket, index = ref.rstrip("]").partition("[")
            if index.isdigit() and int(index) < len(rows.get(collection, [])):
                ref = rows[collection][int(index)].ref
        problems.append(FieldError(ref, problem.field, problem.code, problem.message, problem.data))
    refused = type(error)(error.message, field=error.field, errors=problems) if error.errors else error
    return refused


# Uploads: stored in the request, received by the worker --------------------------------------------
def einvoice_upload(*, scope: Scope, content: bytes, filename: str, actor: Actor) -> tuple[EInvoiceReceipt, Job]:
    """Store the file and queue the job that receives it as the uploader (their role and token scopes)."""
    from ..tasks import receive_einvoice

    if scope.vendor is None:
        raise ForbiddenError(_("E-invoices are sent by a vendor."))
    if not scope.can(Action.MANAGE_INVOICES):
        raise ForbiddenError(_("Your role does not allow submitting invoices."))
    if not content:
        raise DomainValidationError(_("The file is empty."), field="file")
    if len(content) > MAX_BYTES:
        raise DomainValidationError(too_large_message(), field="file")
    with transaction.atomic():
        receipt = EInvoiceReceipt.objects.create(vendor=scope.vendor, filename=(filename or "")[:200], content=content, created_by=actor.user)
        audit_record(actor=actor, action="einvoice.upload", obj=receipt, after={"filename": receipt.filename, "size": len(content)})
        job = Job.objects.create(
            vendor=scope.vendor,
            kind=EINVOICE_JOB_KIND,
            target_type=RECEIPT_TARGET,
            target_id=str(receipt.pk),
            progress_total=STEPS,
            params={"scope": _scope_params(scope), **actor.job_params()},
            created_by=actor.user,
        )
        job_enqueue_on_commit(job_id=job.pk, task=receive_einvoice)
    return receipt, job


def einvoice_receive_run(*, job_id, redelivered: bool = False) -> Job | None:
    """Receive the job's file once (a redelivered job finds the receipt processed and just finishes)."""
    job = job_claim(job_id=job_id, redelivered=redelivered)
    if job is None:
        return None
    params = job.params
    actor = Actor.from_job_params(params)
    receipt = EInvoiceReceipt.objects.get(pk=job.target_id)
    if receipt.status == EInvoiceReceiptStatus.RECEIVED:
        scope = _scope_from_params(params["scope"])
        try:
            invoice = einvoice_receive(
                scope=scope,
                content=bytes(receipt.content),
                actor=actor,
                receipt=receipt,
                progress=lambda done: job_progress(job_id=job_id, done=done),
            )
        except PortalError as error:
            locate = LOCATORS.get(_root_or_none(receipt), cii.cii_location)
            receipt.status, receipt.errors = EInvoiceReceiptStatus.REFUSED, error_list(error.field_errors(), locate)
            receipt.invoice = None
        else:
            receipt.status, receipt.invoice, receipt.errors = EInvoiceReceiptStatus.ACCEPTED, invoice, []
        receipt.processed_at = timezone.now()
        with transaction.atomic():
            receipt.save(update_fields=["status", "invoice", "errors", "syntax", "processed_at"])
            audit_record(
                actor=actor,
                action=f"einvoice.{receipt.status}",
                obj=receipt,
                after={"status": receipt.status, "invoice_id": receipt.invoice_id, "errors": len(receipt.errors)},
            )
    job_succeed(job_id=job_id, result=None, done=STEPS)
    return Job.objects.get(pk=job_id)


def _root_or_none(receipt: EInvoiceReceipt) -> str | None:
    return cii.ROOT if receipt.syntax in ("factur-x", "cii") else None


def receipt_job(receipt: EInvoiceReceipt) -> Job | None:
    return Job.objects.filter(kind=EINVOICE_JOB_KIND, target_type=RECEIPT_TARGET, target_id=str(receipt.pk)).order_by("-created_at").first()


def einvoice_receipts_purge(*, older_than: datetime.timedelta) -> int:
    """Drop the bytes of refused e-invoices refused more than `older_than` ago (the receipt keeps why). An accepted
    one is kept whole: it is the original of the invoice the retailer received, which tax law has it keep."""
    refused = EInvoiceReceipt.objects.filter(status=EInvoiceReceiptStatus.REFUSED, processed_at__lt=timezone.now() - older_than)
    return file_bytes_purge(refused, action="einvoice.file_purged")
