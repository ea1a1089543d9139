"""The database holds a remittance to its sum, to the cent."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from reconciliation.models import PaymentRun, Remittance
from tests.audit_check import audit_exempt
from tests.factories import marketplace
from tests.reconciliation.factories import ap_user


def _remittance(vendor, *, net: str) -> Remittance:
    with audit_exempt():
        run = PaymentRun.objects.create(number="PR-NET", pay_date=datetime.date(2026, 11, 27), created_by=ap_user())
        return Remittance.objects.create(
            run=run,
            vendor=vendor,
            marketplace=marketplace("US"),
            number="RA-NET",
            currency="USD",
            pay_date=run.pay_date,
            gross_paid=Decimal("3166.30"),
            deductions_total=Decimal("40.00"),
            discounts_total=Decimal("63.33"),
            net_amount=Decimal(net),
        )


def test_a_net_that_adds_up_to_the_cent_is_stored(vendor):
    # 3166.30 - 40.00 - 63.33 would be 3062.9700000000003 in floating point; numeric is exact.
    assert _remittance(vendor, net="3062.97").net_amount == Decimal("3062.97")


def test_a_net_that_does_not_add_up_is_refused(vendor):
    with pytest.raises(IntegrityError), transaction.atomic():
        _remittance(vendor, net="3062.96")
