import pytest

from vendor_portal.gs1 import (
    gs1_check_digit,
    gtin_is_valid,
    sscc_build,
    sscc_human_readable,
    sscc_is_valid,
)

GS1_WORKED_EXAMPLE_SSCC = "106141411234567897"


def test_check_digit_matches_gs1_worked_example():
    assert gs1_check_digit("10614141123456789") == 7


@pytest.mark.parametrize(
    ("digits", "check"),
    [
        ("400638133393", 1),  # EAN-13 4006381333931
        ("03600029145", 2),  # UPC-A 036000291452
        ("9638507", 4),  # EAN-8 96385074
        ("00000000000000000", 0),
    ],
)
def test_check_digit_weights_three_one_from_the_right(digits, check):
    assert gs1_check_digit(digits) == check


def test_check_digit_rejects_non_digits():
    with pytest.raises(ValueError):
        gs1_check_digit("12a4")


def test_sscc_build_reproduces_gs1_worked_example():
    assert sscc_build(extension_digit=1, company_prefix="0614141", serial=123456789) == GS1_WORKED_EXAMPLE_SSCC


def test_sscc_build_zero_pads_serial_reference_to_seventeen_digits():
    sscc = sscc_build(extension_digit=0, company_prefix="4012345678", serial=42)
    assert sscc.startswith("04012345678000042")
    assert len(sscc) == 18
    assert sscc_is_valid(sscc)


@pytest.mark.parametrize(
    ("company_prefix", "largest_serial"),
    [("0614141", 999_999_999), ("06141411", 99_999_999), ("061414112", 9_999_999), ("4012345678", 999_999)],
)
def test_sscc_build_rejects_serial_that_does_not_fit_the_prefix(company_prefix, largest_serial):
    assert sscc_is_valid(sscc_build(extension_digit=3, company_prefix=company_prefix, serial=largest_serial))
    with pytest.raises(ValueError):
        sscc_build(extension_digit=3, company_prefix=company_prefix, serial=largest_serial + 1)


@pytest.mark.parametrize("company_prefix", ["061414", "06141411234", "061414a", ""])
def test_sscc_build_rejects_company_prefix_not_seven_to_ten_digits(company_prefix):
    with pytest.raises(ValueError):
        sscc_build(extension_digit=0, company_prefix=company_prefix, serial=1)


@pytest.mark.parametrize("extension_digit", [-1, 10])
def test_sscc_build_rejects_extension_digit_outside_0_to_9(extension_digit):
    with pytest.raises(ValueError):
        sscc_build(extension_digit=extension_digit, company_prefix="0614141", serial=1)


def test_sscc_build_rejects_negative_serial():
    with pytest.raises(ValueError):
        sscc_build(extension_digit=0, company_prefix="0614141", serial=-1)


@pytest.mark.parametrize(
    ("sscc", "valid"),
    [
        (GS1_WORKED_EXAMPLE_SSCC, True),
        ("106141411234567896", False),  # wrong check digit
        ("106141411234567", False),  # too short
        ("0106141411234567897", False),  # too long
        ("1061414112345678x7", False),
        ("１06141411234567897", False),  # non-ASCII digit
    ],
)
def test_sscc_is_valid(sscc, valid):
    assert sscc_is_valid(sscc) is valid


def test_sscc_human_readable_splits_extension_prefix_serial_and_check():
    assert sscc_human_readable(GS1_WORKED_EXAMPLE_SSCC, 7) == "(00) 1 0614141 123456789 7"
    assert sscc_human_readable(GS1_WORKED_EXAMPLE_SSCC, 9) == "(00) 1 061414112 3456789 7"


def test_sscc_human_readable_rejects_invalid_sscc():
    with pytest.raises(ValueError):
        sscc_human_readable("106141411234567896", 7)


@pytest.mark.parametrize(
    "gtin",
    [
        "96385074",  # GTIN-8 (EAN-8)
        "036000291452",  # GTIN-12 (UPC-A)
        "4006381333931",  # GTIN-13 (EAN-13)
        "0036000291452",  # GTIN-13, the UPC-A with a leading zero
        "00036000291452",  # GTIN-14, the UPC-A padded
        "10036000291459",  # GTIN-14 with packaging indicator 1
    ],
)
def test_gtin_is_valid_accepts_gtin_8_12_13_14(gtin):
    assert gtin_is_valid(gtin)


@pytest.mark.parametrize(
    "gtin",
    [
        "4006381333932",  # wrong check digit
        "96385075",
        "10036000291458",
        "03600029145",  # 11 digits
        "400638133393 ",
        "",
    ],
)
def test_gtin_is_valid_rejects_bad_check_digit_or_length(gtin):
    assert not gtin_is_valid(gtin)
