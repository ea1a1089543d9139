"""The payment summary counts days overdue in each invoice's marketplace calendar, not the server's UTC date."""

import datetime
from unittest import mock

import pytest

from invoicing.models import Invoice
from reconciliation.selectors import payment_summary
from tests.audit_check import audit_exempt
from tests.factories import marketplace
from tests.reconciliation.factories import accepted_invoice, finance_user
from vendor_portal.tenancy import scope_for_user

# 02:00 UTC on 10 March is still the evening of 9 March in New York (the US marketplace's zone).
LATE_EVENING_IN_NEW_YORK = datetime.datetime(2026, 3, 10, 2, 0, tzinfo=datetime.UTC)


def buckets(summary) -> dict[str, int]:
    return {row["bucket"]: row["count"] for row in summary["aging"] if row["count"]}


@pytest.mark.django_db
def test_an_invoice_due_today_in_new_york_is_not_overdue_while_utc_is_a_day_ahead(vendor):
    invoice, _ = accepted_invoice(vendor)
    assert invoice.marketplace == marketplace("US")
    with audit_exempt():
        Invoice.objects.filter(pk=invoice.pk).update(due_date=datetime.date(2026, 3, 9))
    scope = scope_for_user(finance_user(vendor))

    with mock.patch("django.utils.timezone.now", return_value=LATE_EVENING_IN_NEW_YORK):
        assert buckets(payment_summary(scope=scope)) == {"not_due": 1}
        assert payment_summary(scope=scope, marketplace="US")["today"] == datetime.date(2026, 3, 9)

    with mock.patch("django.utils.timezone.now", return_value=LATE_EVENING_IN_NEW_YORK + datetime.timedelta(hours=4)):
        assert buckets(payment_summary(scope=scope)) == {"1_30": 1}  # midnight has passed in New York too
