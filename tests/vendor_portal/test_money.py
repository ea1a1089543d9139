"""Money is rounded to the cent in one way: half a cent goes up (away from zero)."""

import datetime
from decimal import Decimal

import pytest

from amazon_api.representations import money as amazon_money
from reconciliation.models import terms_discount
from vendor_portal.money import CENT, ZERO, per_each, round_money


@pytest.mark.parametrize(
    ("value", "rounded"),
    [
        (Decimal("0.005"), Decimal("0.01")),
        (Decimal("0.025"), Decimal("0.03")),  # half-even would give 0.02
        (Decimal("2.675"), Decimal("2.68")),
        (Decimal("0.0049"), Decimal("0.00")),
        (Decimal("-0.005"), Decimal("-0.01")),  # away from zero: a credit rounds like a charge
        (Decimal("12.3"), Decimal("12.30")),
        (3, Decimal("3.00")),
        ("1.234", Decimal("1.23")),
    ],
)
def test_round_money_rounds_half_a_cent_up(value, rounded):
    assert round_money(value) == rounded
    assert round_money(value).as_tuple().exponent == -2  # always two places: "3.00", never "3"


def test_half_up_is_not_pythons_default():
    assert Decimal("0.125").quantize(CENT) == Decimal("0.12")  # banker's rounding, which money never uses
    assert round_money(Decimal("0.125")) == Decimal("0.13")


def test_zero_has_two_places():
    assert str(ZERO) == "0.00" and str(sum([], ZERO)) == "0.00"


def test_an_early_payment_discount_of_half_a_cent_goes_up():
    day = datetime.date(2026, 2, 1)
    # 2% of 100.25 is 2.005
    assert terms_discount(amount=Decimal("100.25"), invoice_date=day, terms="2/10net30", pay_date=day) == Decimal("2.01")


def test_the_amazon_door_writes_amounts_with_the_same_rule():
    assert amazon_money(Decimal("10.125"), "USD") == {"currencyCode": "USD", "amount": "10.13"}
    assert amazon_money(Decimal("7"), "EUR") == {"currencyCode": "EUR", "amount": "7.00"}
    assert amazon_money(None, "USD") is None


@pytest.mark.parametrize(
    ("case_price", "eaches", "each"),
    [
        (Decimal("120.00"), 12, "10.00"),  # always at least two places
        (Decimal("10.20"), 6, "1.70"),
        (Decimal("100.00"), 32, "3.125"),  # exact: as many places as it takes
        (Decimal("25.00"), 12, "2.083333"),  # no end: six places, halves up
        (Decimal("40.00"), 6, "6.666667"),
        (Decimal("12.50"), 1, "12.50"),  # an each is its own price
    ],
)
def test_the_price_of_one_each_from_a_case_price(case_price, eaches, each):
    assert str(per_each(case_price, eaches)) == each
