"""The list screens cost the same at any size: the same queries at 5 rows as at 50, keyset pages (no OFFSET),
no DISTINCT, and counts or totals that stop at the cap."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from edi.models import Direction, Interchange, InterchangeSource, InterchangeStatus
from reconciliation.models import Deduction, DeductionKind, DeductionReason
from shipments.models import Shipment, ShipmentState
from tests.audit_check import audit_exempt
from tests.factories import WarehouseFactory, marketplace, retailer_user, vendor_user
from vendor_portal.models import AuditEvent, Channel
from vendor_portal.roles import Role

pytestmark = pytest.mark.django_db


def add_shipments(vendor, count, state=ShipmentState.SUBMITTED):
    us, dc = marketplace("US"), WarehouseFactory(code="ABE2")
    start = Shipment.objects.count()
    with audit_exempt():
        Shipment.objects.bulk_create(
            Shipment(
                vendor=vendor,
                marketplace=us,
                ship_to=dc,
                shipment_identifier=f"ASN-{start + n:05d}",
                ship_date=timezone.localdate() + datetime.timedelta(days=n % 7),
                state=state,
            )
            for n in range(count)
        )


def add_interchanges(vendor, count):
    start = Interchange.objects.count()
    with audit_exempt():
        Interchange.objects.bulk_create(
            Interchange(
                vendor=vendor,
                direction=Direction.OUTBOUND,
                status=InterchangeStatus.SENT,
                source=InterchangeSource.PORTAL,
                control_number=f"{start + n:09d}",
                set_ids="850",
                content="ISA*00~" * 200,
            )
            for n in range(count)
        )


def add_audit_rows(vendor, count):
    with audit_exempt():
        AuditEvent.objects.bulk_create(
            AuditEvent(
                vendor=vendor,
                actor_label="loader",
                channel=Channel.SYSTEM,
                action="purchase_order.create",
                object_type="purchase_orders.purchaseorder",
                object_id=str(n),
                object_repr=f"PO-{n}",
            )
            for n in range(count)
        )


def add_deductions(vendor, count, amount="10.00"):
    us = marketplace("US")
    with audit_exempt():
        Deduction.objects.bulk_create(
            Deduction(
                vendor=vendor,
                marketplace=us,
                kind=DeductionKind.CHARGEBACK,
                reason=DeductionReason.ASN_LATE,
                amount=Decimal(amount),
                currency="USD",
                created_at=timezone.now() - datetime.timedelta(minutes=n % 3),  # ties: the id breaks them
            )
            for n in range(count)
        )


def add_invoices(vendor, count):
    from invoicing.models import Invoice, InvoiceState

    start = Invoice.objects.count()
    with audit_exempt():
        Invoice.objects.bulk_create(
            Invoice(
                vendor=vendor,
                marketplace=marketplace("US"),
                number=f"INV-{start + n:05d}",
                invoice_date=timezone.localdate(),
                currency="USD",
                state=InvoiceState.SUBMITTED,
            )
            for n in range(count)
        )


def add_disputes(vendor, count):
    from reconciliation.models import Dispute

    add_deductions(vendor, count)
    with audit_exempt():
        Dispute.objects.bulk_create(
            Dispute(deduction=deduction, vendor=vendor, number=1, reason="Delivered in full")
            for deduction in Deduction.objects.filter(vendor=vendor, disputes__isnull=True)
        )


def add_payment_runs(vendor, count):
    from reconciliation.models import PaymentRun, PaymentRunStatus, Remittance

    start = PaymentRun.objects.count()
    maker = retailer_user(Role.ACCOUNTS_PAYABLE, username=f"maker-{start}")
    with audit_exempt():
        runs = PaymentRun.objects.bulk_create(
            PaymentRun(number=f"RUN-{start + n:05d}", pay_date=timezone.localdate(), status=PaymentRunStatus.PAID, created_by=maker)
            for n in range(count)
        )
        Remittance.objects.bulk_create(
            Remittance(run=run, vendor=vendor, marketplace=marketplace("US"), number=f"RM-{run.number}", currency="USD", pay_date=run.pay_date)
            for run in runs
        )


def add_promotions(vendor, count):
    from planning.models import Promotion, PromotionState, PromotionType

    today = timezone.localdate()
    with audit_exempt():
        Promotion.objects.bulk_create(
            Promotion(
                vendor=vendor,
                marketplace=marketplace("US"),
                name=f"Deal {n}",
                promotion_type=PromotionType.BEST_DEAL,
                currency="USD",
                start_date=today + datetime.timedelta(days=30 + n % 5),
                end_date=today + datetime.timedelta(days=40),
                state=PromotionState.SHARED,
                state_changed_at=timezone.now(),
            )
            for n in range(count)
        )


def add_messages(vendor, count):
    from vendor_portal.models import Notification, User

    person = User.objects.get(memberships__vendor=vendor)
    with audit_exempt():
        Notification.objects.bulk_create(Notification(user=person, vendor=vendor, kind="note", title=f"Note {n}") for n in range(count))


LISTS = [
    ("/shipments/", Role.VENDOR_ADMIN, add_shipments),
    ("/shipments/receiving/", Role.RECEIVING, add_shipments),
    ("/invoices/", Role.VENDOR_ADMIN, add_invoices),
    ("/edi/", Role.VENDOR_ADMIN, add_interchanges),
    ("/audit/", Role.VENDOR_ADMIN, add_audit_rows),
    ("/payments/deductions/", Role.VENDOR_FINANCE, add_deductions),
    ("/payments/remittances/", Role.VENDOR_FINANCE, add_payment_runs),
    ("/payments/disputes/?status=all", Role.ACCOUNTS_PAYABLE, add_disputes),
    ("/payments/runs/", Role.ACCOUNTS_PAYABLE, add_payment_runs),
    ("/planning/promotions/", Role.VENDOR_ADMIN, add_promotions),
    ("/messages/", Role.VENDOR_ADMIN, add_messages),
]


def signed_in(client, vendor, role):
    user = retailer_user(role) if role in (Role.RECEIVING, Role.ACCOUNTS_PAYABLE) else vendor_user(vendor, role)
    client.force_login(user)
    return client


def page_of(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return response, queries


@pytest.mark.parametrize("url, role, add", LISTS)
def test_a_list_costs_the_same_queries_at_5_and_50_rows_and_pages_by_cursor(client, vendor, url, role, add):
    signed_in(client, vendor, role)
    add(vendor, 5)
    client.get(url)
    few, few_queries = page_of(client, url)
    assert len(few.context["page"]) == 5
    add(vendor, 50)
    many, many_queries = page_of(client, url)
    assert len(many.context["page"]) == 50
    assert len(many_queries) == len(few_queries), [q["sql"][:120] for q in many_queries.captured_queries]
    assert not any("OFFSET" in q["sql"] or "DISTINCT" in q["sql"] for q in many_queries.captured_queries)
    second, _ = page_of(client, f"{url.split('?')[0]}?{many.context['page'].next_query}")
    assert len(second.context["page"]) == 5
    assert not {row.pk for row in many.context["page"]} & {row.pk for row in second.context["page"]}
    assert 'rel="prev"' in second.content.decode()


def test_the_receiving_search_matches_a_carton_scan_or_part_of_an_asn_without_distinct(client, vendor):
    from shipments.models import Carton

    signed_in(client, vendor, Role.RECEIVING)
    add_shipments(vendor, 3)
    scanned = Shipment.objects.order_by("pk").last()
    with audit_exempt():
        for index, sscc in enumerate(["006141410000000018", "006141410000000025"], start=1):
            Carton.objects.create(shipment=scanned, index=index, sscc=sscc)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/shipments/receiving/?q=(00)006141410000000025")
    assert response.status_code == 302 and response.url == f"/shipments/receiving/{scanned.pk}/"  # the one match opens
    assert not any("DISTINCT" in q["sql"] for q in queries.captured_queries)
    assert len(page_of(client, "/shipments/receiving/?q=ASN-0000")[0].context["page"]) == 3


def test_deduction_totals_stop_at_the_cap_and_say_so(client, vendor, monkeypatch):
    from vendor_portal import listing

    signed_in(client, vendor, Role.VENDOR_FINANCE)
    add_deductions(vendor, 5, amount="7.00")
    totals = client.get("/payments/deductions/").content.decode().split('data-testid="deduction-totals"')[1][:200]
    assert "5 deductions" in totals and "35.00 USD" in totals
    monkeypatch.setattr(listing, "COUNT_CAP", 3)
    response = client.get("/payments/deductions/")
    assert response.context["totals"] == [] and len(response.context["page"]) == 5
    assert "3+ deductions: narrow the filters to see their totals." in response.content.decode()
    assert "35.00 USD" not in response.content.decode()


@pytest.mark.parametrize(
    "selector, indexes",
    [
        ("purchase_orders", {"po_search_number", "po_line_search_asin", "po_line_search_sku"}),
        ("invoicing", {"invoice_search_number", "invoice_line_search_po"}),
    ],
)
def test_the_substring_search_is_written_so_the_trigram_indexes_apply(vendor, selector, indexes):
    """icontains is UPPER(column::text) LIKE UPPER('%...%'): the indexes are on exactly UPPER(column). With
    sequential scans priced out, the plan of the list's query uses every one of them."""
    from invoicing.selectors import invoice_list
    from purchase_orders.selectors import purchase_order_list
    from vendor_portal.tenancy import Scope

    lister = {"purchase_orders": purchase_order_list, "invoicing": invoice_list}[selector]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = lister(scope=Scope(vendor=vendor), params={"q": "teapot-42"}).explain()
    assert {index for index in indexes if index in plan} == indexes, plan
