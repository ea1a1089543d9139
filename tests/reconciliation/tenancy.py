"""Reconciliation objects of vendor A for the every-route tenancy walk (tests/vendor_portal/test_tenancy_walk.py).

world["deduction"] (a price claim), world["shortage"], world["dispute"], world["payment_run"] (paid),
world["remittance"], world["reconciliation_invoice"]. Screens with URL arguments add their route names to
URL_KWARGS below with one of the lambdas."""

import datetime

from django.utils import timezone

from reconciliation.engine import match_invoices
from reconciliation.models import Deduction, DeductionKind
from reconciliation.services.disputes import dispute_create
from reconciliation.services.payment_runs import payment_run_create, payment_run_decide, payment_run_pay
from tests.reconciliation.factories import accepted_invoice, ap_user, finance_user
from vendor_portal.models import Job
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import scope_for_user


def build(world, vendor):
    invoice, _po = accepted_invoice(vendor, number="ACME-SECRET-RECON-1", po_number="ACMESECRETRC", payment_terms="net30")
    match_invoices(invoice_ids=[invoice.pk])
    world["reconciliation_invoice"] = invoice
    world["deduction"] = Deduction.objects.get(invoice=invoice, kind=DeductionKind.PRICE_CLAIM)
    world["shortage"] = Deduction.objects.get(invoice=invoice, kind=DeductionKind.SHORTAGE_CLAIM)
    finance = finance_user(vendor)
    world["dispute"] = dispute_create(
        scope=scope_for_user(finance), deduction_id=world["shortage"].pk, reason="ACME-SECRET proof of delivery", actor=Actor(user=finance)
    )
    maker, checker = ap_user("walk-ap-maker"), ap_user("walk-ap-checker")
    run = payment_run_create(scope=scope_for_user(maker), pay_date=timezone.localdate() + datetime.timedelta(days=31), actor=Actor(user=maker))
    payment_run_decide(scope=scope_for_user(checker), run_id=run.pk, approve=True, actor=Actor(user=checker))
    world["payment_run"] = payment_run_pay(scope=scope_for_user(maker), run_id=run.pk, actor=Actor(user=maker))
    world["remittance"] = world["payment_run"].remittances.get()
    world["packet_job"] = Job.objects.create(
        vendor=vendor, kind="dispute_packet", target_type="reconciliation.deduction", target_id=str(world["deduction"].pk), created_by=finance
    )


def deduction_kwargs(world):
    return {"pk": world["deduction"].pk}


def packet_job_kwargs(world):
    return {"pk": world["deduction"].pk, "job_id": world["packet_job"].pk}


def dispute_kwargs(world):
    return {"pk": world["dispute"].pk}


def remittance_kwargs(world):
    return {"pk": world["remittance"].pk}


def payment_run_kwargs(world):
    return {"pk": world["payment_run"].pk}


URL_KWARGS: dict = {
    "deduction-detail": deduction_kwargs,
    "deduction-disputes": deduction_kwargs,
    "deduction-evidence": deduction_kwargs,
    "deduction-dispute-packet": deduction_kwargs,
    "dispute-detail": dispute_kwargs,
    "dispute-answer": dispute_kwargs,
    "remittance-detail": remittance_kwargs,
    "remittance-document": remittance_kwargs,
    "payment-run-detail": payment_run_kwargs,
    "payment-run-approve": payment_run_kwargs,
    "payment-run-pay": payment_run_kwargs,
    "payment-run-cancel": payment_run_kwargs,
    # the payment screens (reconciliation/urls.py)
    "deduction_detail": deduction_kwargs,
    "deduction_dispute": deduction_kwargs,
    "deduction_attach": deduction_kwargs,
    "dispute_packet": deduction_kwargs,
    "dispute_packet_job": packet_job_kwargs,
    "dispute_file": deduction_kwargs,
    "dispute_detail": dispute_kwargs,
    "dispute_answer": dispute_kwargs,
    "remittance_detail": remittance_kwargs,
    "remittance_pdf": remittance_kwargs,
    "remittance_csv": remittance_kwargs,
    "remittance_xlsx": remittance_kwargs,
    "payment_run_detail": payment_run_kwargs,
    "payment_run_decide": payment_run_kwargs,
    "payment_run_pay": payment_run_kwargs,
    "payment_run_cancel": payment_run_kwargs,
}
