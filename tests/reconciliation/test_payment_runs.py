import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from invoicing.models import InvoiceState
from reconciliation import exports
from reconciliation.engine import match_invoices
from reconciliation.models import Deduction, PaymentRunStatus, RemittanceLineKind, terms_discount, terms_due_date
from reconciliation.selectors import remittance_list
from reconciliation.services.payment_runs import payment_run_cancel, payment_run_create, payment_run_decide, payment_run_pay
from reconciliation.services.remittance_advice import remittance_document
from tests.reconciliation.factories import accepted_invoice, ap_user, deduction, finance_user
from vendor_portal.errors import DomainValidationError, ForbiddenError
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import scope_for_user

pytestmark = pytest.mark.django_db


def run_and_pay(pay_date):
    maker, checker = ap_user("ap-maker"), ap_user("ap-checker")
    run = payment_run_create(scope=scope_for_user(maker), pay_date=pay_date, actor=Actor(user=maker))
    payment_run_decide(scope=scope_for_user(checker), run_id=run.pk, approve=True, actor=Actor(user=checker))
    return payment_run_pay(scope=scope_for_user(maker), run_id=run.pk, actor=Actor(user=maker))


def test_payment_terms_due_dates_and_discount():
    day = datetime.date(2026, 1, 31)
    assert terms_due_date(day, "net30") == datetime.date(2026, 3, 2)
    assert terms_due_date(day, "net90") == datetime.date(2026, 5, 1)
    assert terms_due_date(day, "eom") == datetime.date(2026, 2, 28)
    assert terms_discount(amount=Decimal("1000.00"), invoice_date=day, terms="2/10net30", pay_date=datetime.date(2026, 2, 10)) == Decimal("20.00")
    assert terms_discount(amount=Decimal("1000.00"), invoice_date=day, terms="2/10net30", pay_date=datetime.date(2026, 2, 11)) == Decimal("0.00")


def test_early_payment_discount_is_taken_inside_its_window(vendor):
    invoice, _po = accepted_invoice(vendor, received=100, invoiced_cost="10.00", payment_terms="2/10net30")
    match_invoices(invoice_ids=[invoice.pk])
    run = run_and_pay(timezone.localdate() + datetime.timedelta(days=5))
    remittance = run.remittances.get()
    assert [(entry.kind, entry.amount) for entry in remittance.lines.all()] == [
        (RemittanceLineKind.INVOICE_PAID, Decimal("1000.00")),
        (RemittanceLineKind.DISCOUNT, Decimal("-20.00")),
    ]
    assert remittance.net_amount == Decimal("980.00") and remittance.discounts_total == Decimal("20.00")


def test_invoices_not_yet_due_wait_for_a_later_run(vendor):
    invoice, _po = accepted_invoice(vendor, received=100, invoiced_cost="10.00", payment_terms="net60")
    match_invoices(invoice_ids=[invoice.pk])
    maker = ap_user()
    with pytest.raises(DomainValidationError):
        payment_run_create(scope=scope_for_user(maker), pay_date=timezone.localdate() + datetime.timedelta(days=30), actor=Actor(user=maker))


def test_deductions_beyond_the_payment_carry_over_so_the_net_is_never_negative(vendor):
    invoice, _po = accepted_invoice(vendor, quantity=10, received=10, invoiced_cost="10.00", payment_terms="net30")  # 100.00
    match_invoices(invoice_ids=[invoice.pk])
    small = deduction(vendor, amount="60.00", days_ago=2)
    big = deduction(vendor, amount="70.00", days_ago=1)
    remittance = run_and_pay(timezone.localdate() + datetime.timedelta(days=31)).remittances.get()
    assert remittance.net_amount == Decimal("40.00")
    small.refresh_from_db(), big.refresh_from_db()
    assert small.settled_at is not None and big.remittance_id is None and big.settled_at is None
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.PAID


def test_only_accounts_payable_runs_payments_and_a_cancelled_run_frees_its_deductions(vendor):
    invoice, _po = accepted_invoice(vendor, payment_terms="net30")
    match_invoices(invoice_ids=[invoice.pk])
    finance = finance_user(vendor)
    pay_date = timezone.localdate() + datetime.timedelta(days=31)
    with pytest.raises(ForbiddenError):
        payment_run_create(scope=scope_for_user(finance), pay_date=pay_date, actor=Actor(user=finance))
    maker = ap_user()
    run = payment_run_create(scope=scope_for_user(maker), pay_date=pay_date, actor=Actor(user=maker))
    assert Deduction.objects.filter(remittance__run=run).count() == 2
    run = payment_run_cancel(scope=scope_for_user(maker), run_id=run.pk, actor=Actor(user=maker))
    assert run.status == PaymentRunStatus.CANCELLED
    assert not Deduction.objects.filter(remittance__isnull=False).exists()
    again = payment_run_create(scope=scope_for_user(maker), pay_date=pay_date, actor=Actor(user=maker))
    assert again.remittances.get().net_amount == Decimal("958.00")


def test_remittance_advice_pdf_and_exports_agree_with_the_remittance(vendor):
    invoice, _po = accepted_invoice(vendor, payment_terms="net30")
    match_invoices(invoice_ids=[invoice.pk])
    remittance = run_and_pay(timezone.localdate() + datetime.timedelta(days=31)).remittances.get()
    finance = finance_user(vendor)
    document = remittance_document(scope=scope_for_user(finance), remittance_id=remittance.pk, actor=Actor(user=finance))
    assert document.file.open("rb").read(5) == b"%PDF-"
    response = exports.remittances_csv(remittance_list(scope=scope_for_user(finance)), "r")
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    assert sum(Decimal(row["Amount"]) for row in rows) == remittance.net_amount
    xlsx = exports.remittances_xlsx(remittance_list(scope=scope_for_user(finance)), "r")
    assert xlsx.content[:2] == b"PK"


def test_a_vendor_trading_by_edi_gets_an_820_with_the_payment(vendor):
    from edi.models import Interchange
    from edi.services.partners import trading_partner_create

    trading_partner_create(vendor=vendor, isa_id="ACMEEDI", actor=Actor.system())
    invoice, _po = accepted_invoice(vendor, payment_terms="net30")
    match_invoices(invoice_ids=[invoice.pk])
    before = Interchange.objects.count()
    remittance = run_and_pay(timezone.localdate() + datetime.timedelta(days=31)).remittances.get()
    assert Interchange.objects.count() == before + 1
    assert remittance.net_amount == Decimal("958.00")


def test_subscribed_vendor_gets_deduction_and_payment_webhooks(vendor):
    from tests.audit_check import audit_exempt
    from webhooks.models import WebhookDelivery, WebhookSubscription

    with audit_exempt():
        WebhookSubscription.objects.create(
            vendor=vendor,
            url="https://erp.example.com/hooks",
            events=["deduction.raised", "payment.sent", "invoice.state_changed"],
            secret="s" * 32,
            secret_set_at=timezone.now(),
        )
    invoice, _po = accepted_invoice(vendor, payment_terms="net30")
    match_invoices(invoice_ids=[invoice.pk])
    assert WebhookDelivery.objects.filter(event="deduction.raised").count() == 2
    run_and_pay(timezone.localdate() + datetime.timedelta(days=31))
    sent = WebhookDelivery.objects.get(event="payment.sent")
    assert sent.payload["data"]["net_amount"] == "958.00"
    assert WebhookDelivery.objects.filter(event="invoice.state_changed").exists()
