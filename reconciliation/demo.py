"""Demo payments for `manage.py seed_demo`: the retailer's side of the demo invoices, through the services.

On top of invoicing/demo.py's invoices and shipments/demo.py's receipts, per vendor:
- the retailer's accounts payable (retail-ap) accepts INV-<VENDOR>-0002 (it matches) and INV-<VENDOR>-0003
  (billed above the PO cost and for units the DC never received); the 3-way match and the chargebacks
  then run as the nightly sweep runs them: 0003 gets a price claim and a shortage claim, the short-received
  ASN-<VENDOR>-0004 an ASN-accuracy chargeback (at the chargeback rates seeded here), and both invoices are
  approved for payment;
- a payment run dated today, put together by retail-ap and approved by retail-admin (maker/checker), pays
  the invoices whose early-payment discount is open today (2/10 net 30), takes the discount and nets a
  label chargeback AP raised by hand on the received ASN; it is paid, so the vendor has a remittance (lines:
  invoices paid, discounts, the chargeback) with its PDF/A advice;
- <vendor>-finance then disputes that chargeback and AP reverses half of it: the reversal is paid in the
  next remittance;
- <vendor>-finance disputes the shortage claim of INV-<VENDOR>-0003 with the carrier's proof of delivery:
  the dispute stays open for AP;
- retail-admin puts together the next run, dated when the next approved invoices fall due (it pays them,
  nets the claims and the chargebacks, and pays the reversal back); it waits for retail-ap's approval.

Everything is dated today: the retailer pays early to earn the discount, nothing is backdated.
Idempotent: each step looks for what it makes first (invoice states, the hand-raised chargeback, a dispute
on the deduction, a paid run, a run waiting), so a second run writes nothing.
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from invoicing.demo import MATCHED, PRICE_VARIANCE, invoice_number
from invoicing.models import Invoice, InvoiceState, InvoiceType
from invoicing.services.decisions import invoice_decide
from shipments.demo import RECEIVED, RECEIVED_SHORT, retailer_actor, shipment_identifier
from shipments.models import Shipment
from vendor_portal.models import Marketplace, Membership
from vendor_portal.models.audit import Channel
from vendor_portal.money import round_money
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor, audit_record, snapshot
from vendor_portal.tenancy import Scope

from .models import ChargebackRate, Deduction, DeductionKind, DeductionReason, DisputeStatus, PaymentRun, PaymentRunStatus, Remittance
from .remittance_plan import MAX_DAYS_AHEAD
from .selectors import OPEN_RUN_STATES, payment_run_preview, reserved_invoice_ids
from .services.deductions import deduction_create, match_run, system_scope
from .services.disputes import dispute_answer, dispute_create
from .services.payment_runs import payment_run_create, payment_run_decide, payment_run_pay
from .services.remittance_advice import remittance_document

# The retailer's chargeback fees per event, in USD, converted like the demo product costs.
CHARGEBACK_FEES_USD = {
    DeductionReason.ASN_MISSING: Decimal("100"),
    DeductionReason.ASN_LATE: Decimal("25"),
    DeductionReason.ASN_ACCURACY: Decimal("50"),
    DeductionReason.OVER_SHIPPED: Decimal("30"),
    DeductionReason.LABEL_NON_COMPLIANCE: Decimal("40"),
    DeductionReason.LATE_DELIVERY: Decimal("75"),
    DeductionReason.CARTON_CONTENT: Decimal("35"),
    DeductionReason.NO_SHOW: Decimal("150"),
}
FX_FROM_USD = {"USD": Decimal("1"), "CAD": Decimal("1.36"), "GBP": Decimal("0.79"), "EUR": Decimal("0.92")}
LABEL_FAULT = "Carton label placed across a seam on 2 cartons"
REVERSED_SHARE = Decimal("0.5")


def seed(world) -> str:
    vendors = list(world["vendors"].values())
    ap_actor, ap_scope = retailer_actor(Role.ACCOUNTS_PAYABLE)
    admin_actor, admin_scope = retailer_actor(Role.RETAILER_ADMIN)
    if ap_actor.user is None or admin_actor.user is None:
        return "no retailer accounts payable or admin: no payments"
    counts = {"runs": 0, "runs_there": 0, "accepted": 0, "deductions": 0, "disputes": 0}

    with transaction.atomic():
        rates_created = _seed_chargeback_rates()
        for vendor in vendors:
            counts["accepted"] += _accept_invoices(vendor, ap_actor, ap_scope)
    if rates_created or counts["accepted"]:
        # The match normally runs in Celery on acceptance and in the nightly sweep; here it runs now.
        summary = match_run(scope=system_scope(), actor=Actor.system())
        counts["deductions"] += len(summary.claims_raised)

    if PaymentRun.objects.filter(status=PaymentRunStatus.PAID).exists():
        counts["runs_there"] += 1
    else:
        with transaction.atomic():
            counts["deductions"] += sum(_charge_label_fault(vendor, ap_actor, ap_scope) for vendor in vendors)
            run = _paid_run(ap_actor, ap_scope, admin_actor, admin_scope)
        if run is not None:
            counts["runs"] += 1
    # The advice is rendered by a task once the payment commits; here it is rendered now (when missing).
    unrendered = Remittance.objects.filter(run__status=PaymentRunStatus.PAID, document__isnull=True).order_by("pk")
    for remittance_id in unrendered.values_list("pk", flat=True):
        remittance_document(scope=ap_scope, remittance_id=remittance_id, actor=Actor.system())

    for vendor in vendors:
        with transaction.atomic():
            counts["disputes"] += _seed_disputes(vendor, ap_actor, ap_scope)

    if PaymentRun.objects.filter(status__in=OPEN_RUN_STATES).exists():
        counts["runs_there"] += 1
    elif _next_run(admin_actor, admin_scope) is not None:
        counts["runs"] += 1
    return (
        f"{counts['runs']} payment runs created, {counts['runs_there']} already there "
        f"({counts['accepted']} invoices accepted, {counts['deductions']} deductions raised, {counts['disputes']} disputes opened)"
    )


def _seed_chargeback_rates() -> int:
    """The retailer's chargeback table (a setting, no screen yet): one fee per category and marketplace."""
    existing = set(ChargebackRate.objects.values_list("marketplace_id", "category"))
    created = 0
    for marketplace in Marketplace.objects.order_by("code"):
        rate = FX_FROM_USD.get(marketplace.currency)
        if rate is None:
            continue
        for category, fee in CHARGEBACK_FEES_USD.items():
            if (marketplace.pk, category) in existing:
                continue
            row = ChargebackRate.objects.create(
                marketplace=marketplace, category=category, amount=round_money(fee * rate), currency=marketplace.currency
            )
            audit_record(actor=Actor.system(), action="chargebackrate.seed", obj=row, after=snapshot(row))
            created += 1
    return created


def _demo_invoice(vendor, number: int) -> Invoice | None:
    return Invoice.objects.for_vendor(vendor).filter(number=invoice_number(vendor, number)).first()


def _accept_invoices(vendor, ap_actor: Actor, ap_scope: Scope) -> int:
    accepted = 0
    for number in (MATCHED, PRICE_VARIANCE):
        invoice = _demo_invoice(vendor, number)
        if invoice is not None and invoice.state == InvoiceState.SUBMITTED:
            invoice_decide(scope=ap_scope, invoice_id=invoice.pk, state=InvoiceState.ACCEPTED, actor=ap_actor)
            accepted += 1
    return accepted


def _charge_label_fault(vendor, ap_actor: Actor, ap_scope: Scope) -> int:
    """AP charges back a label fault on the received ASN, in the marketplace today's run pays the vendor in,
    so the remittance nets it."""
    payable = next((row for row in payment_run_preview(scope=ap_scope, vendor=vendor)["remittances"] if row["invoices"]), None)
    if payable is None:
        return 0
    marketplace = payable["marketplace"]
    if _label_chargeback(vendor, marketplace) is not None:
        return 0
    rate = ChargebackRate.objects.filter(marketplace=marketplace, category=DeductionReason.LABEL_NON_COMPLIANCE).first()
    if rate is None:
        return 0
    shipment = (
        Shipment.objects.for_vendor(vendor).filter(marketplace=marketplace, shipment_identifier=shipment_identifier(vendor, RECEIVED)).first()
        or Shipment.objects.for_vendor(vendor).filter(pk__in=[row["invoice"].shipment_id for row in payable["invoices"]]).first()
    )
    where = f"{shipment.shipment_identifier} at {shipment.ship_to.code}" if shipment else marketplace.code
    deduction_create(
        scope=ap_scope,
        actor=ap_actor,
        vendor=vendor,
        marketplace=marketplace,
        kind=DeductionKind.CHARGEBACK,
        reason=DeductionReason.LABEL_NON_COMPLIANCE,
        amount=rate.amount,
        description=f"{LABEL_FAULT}, {where}",
        shipment=shipment,
    )
    return 1


def _label_chargeback(vendor, marketplace=None) -> Deduction | None:
    deductions = Deduction.objects.for_vendor(vendor).filter(
        kind=DeductionKind.CHARGEBACK, reason=DeductionReason.LABEL_NON_COMPLIANCE, description__startswith=LABEL_FAULT
    )
    if marketplace is not None:
        deductions = deductions.filter(marketplace=marketplace)
    return deductions.order_by("pk").first()


def _paid_run(ap_actor: Actor, ap_scope: Scope, admin_actor: Actor, admin_scope: Scope) -> PaymentRun | None:
    """Today's run: AP puts it together, the retailer's admin approves it, AP sends the payment."""
    today = timezone.localdate()
    if not payment_run_preview(scope=ap_scope, pay_date=today)["remittances"]:
        return None
    run = payment_run_create(scope=ap_scope, pay_date=today, actor=ap_actor)
    payment_run_decide(scope=admin_scope, run_id=run.pk, approve=True, actor=admin_actor, note="Discounts checked against the terms.")
    return payment_run_pay(scope=ap_scope, run_id=run.pk, actor=ap_actor)


def _seed_disputes(vendor, ap_actor: Actor, ap_scope: Scope) -> int:
    finance = _person(vendor, Role.VENDOR_FINANCE)
    if finance is None:
        return 0
    finance_actor = Actor(user=finance, channel=Channel.SYSTEM)
    finance_scope = Scope(vendor=vendor, roles=frozenset({Role.VENDOR_FINANCE}))
    opened = 0

    # Answered: the label chargeback netted in today's payment, half given back in the next remittance.
    label = _label_chargeback(vendor)
    if label is not None and not label.disputes.exists():
        dispute = dispute_create(
            scope=finance_scope,
            deduction_id=label.pk,
            actor=finance_actor,
            reason="Our dispatch photos show both carton labels flat on a side panel, clear of the seams. The cartons were rewrapped in transit.",
        )
        opened += 1
        dispute_answer(
            scope=ap_scope,
            dispute_id=dispute.pk,
            outcome=DisputeStatus.PARTLY_REVERSED,
            actor=ap_actor,
            amount=round_money(label.amount * REVERSED_SHARE),
            note="Receiving's photos show one label across a seam; the other carton was rewrapped by the carrier. "
            "Half of the chargeback is reversed; it is paid back in the next remittance.",
        )

    # Open: the shortage claim of the short-received invoice, disputed with the carrier's proof of delivery.
    short_invoice = _demo_invoice(vendor, PRICE_VARIANCE)
    claim = (
        Deduction.objects.for_vendor(vendor).filter(invoice=short_invoice, kind=DeductionKind.SHORTAGE_CLAIM).order_by("pk").first()
        if short_invoice is not None
        else None
    )
    if claim is not None and not claim.disputes.exists():
        shipment = Shipment.objects.for_vendor(vendor).filter(shipment_identifier=shipment_identifier(vendor, RECEIVED_SHORT)).first()
        files = [_proof_of_delivery(shipment)] if shipment is not None else []
        dispute_create(
            scope=finance_scope,
            deduction_id=claim.pk,
            actor=finance_actor,
            files=files,
            reason="The carrier's proof of delivery was signed without exception for every carton, seals intact. "
            "The units were delivered; please recount the line at the DC.",
        )
        opened += 1
    return opened


def _next_run(admin_actor: Actor, admin_scope: Scope) -> PaymentRun | None:
    """The next run, dated when the next approved invoices fall due; it waits for AP's approval."""
    today = timezone.localdate()
    next_due = (
        Invoice.objects.visible_to(admin_scope)
        .filter(invoice_type=InvoiceType.INVOICE, state=InvoiceState.APPROVED_FOR_PAYMENT)
        .exclude(pk__in=reserved_invoice_ids())
        .aggregate(due=Min("due_date"))["due"]
    )
    pay_date = min(max(next_due or today, today), today + datetime.timedelta(days=MAX_DAYS_AHEAD))
    if not payment_run_preview(scope=admin_scope, pay_date=pay_date)["remittances"]:
        return None
    return payment_run_create(scope=admin_scope, pay_date=pay_date, actor=admin_actor)


def _person(vendor, role: str):
    membership = Membership.objects.filter(vendor=vendor, role=role).select_related("user").order_by("pk").first()
    return membership.user if membership else None


def _proof_of_delivery(shipment: Shipment) -> SimpleUploadedFile:
    """A one-page proof of delivery, as the carrier would scan it."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1)
    canvas.setTitle(f"Proof of delivery {shipment.shipment_identifier}")
    delivered = timezone.localtime(shipment.received_at).strftime("%Y-%m-%d %H:%M") if shipment.received_at else shipment.ship_date.isoformat()
    lines = [
        ("Helvetica-Bold", 16, f"{shipment.carrier_name or 'Carrier'} - Proof of delivery"),
        ("Helvetica", 11, f"PRO {shipment.pro_number}    BOL {shipment.bol_number}"),
        ("Helvetica", 11, f"Shipment {shipment.shipment_identifier}, ship date {shipment.ship_date.isoformat()}"),
        ("Helvetica", 11, f"Consignee: {shipment.ship_to.name}, {shipment.ship_to.city}"),
        ("Helvetica", 11, f"Delivered {delivered}: all cartons, seals intact."),
        ("Helvetica", 11, "Received in good order, signed without exception."),
    ]
    y = 780
    for font, size, text in lines:
        canvas.setFont(font, size)
        canvas.drawString(56, y, text)
        y -= 24
    canvas.showPage()
    canvas.save()
    return SimpleUploadedFile(f"POD-{shipment.shipment_identifier}.pdf", buffer.getvalue(), content_type="application/pdf")
