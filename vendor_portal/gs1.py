"""GS1 identifiers: check digits, SSCCs and GTINs.

Pure functions, no Django. Allocating serial references (atomically, per vendor) is the
shipments service's job; this module only builds and checks the numbers.
"""

from __future__ import annotations

SSCC_LENGTH = 18
GLN_LENGTH = 13
GTIN_LENGTHS = (8, 12, 13, 14)
COMPANY_PREFIX_LENGTHS = range(7, 11)


def gs1_check_digit(digits: str) -> int:
    """Mod-10 check digit over `digits` (without the check digit), weights 3,1,3,... from the right."""
    if not digits.isascii() or not digits.isdigit():
        raise ValueError(f"GS1 data must be digits, got {digits!r}")
    total = sum(int(digit) * (3 if position % 2 == 0 else 1) for position, digit in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


def sscc_build(*, extension_digit: int, company_prefix: str, serial: int) -> str:
    """The 18-digit SSCC for one serial reference of a vendor's GS1 company prefix."""
    if not 0 <= extension_digit <= 9:
        raise ValueError(f"SSCC extension digit must be 0-9, got {extension_digit}")
    if not (company_prefix.isascii() and company_prefix.isdigit()) or len(company_prefix) not in COMPANY_PREFIX_LENGTHS:
        raise ValueError(f"GS1 company prefix must be 7-10 digits, got {company_prefix!r}")
    serial_length = SSCC_LENGTH - 2 - len(company_prefix)
    if not 0 <= serial < 10**serial_length:
        raise ValueError(f"serial reference {serial} does not fit in {serial_length} digits for prefix {company_prefix}")
    body = f"{extension_digit}{company_prefix}{serial:0{serial_length}d}"
    return body + str(gs1_check_digit(body))


def _has_valid_check_digit(number: str) -> bool:
    return number.isascii() and number.isdigit() and gs1_check_digit(number[:-1]) == int(number[-1])


def sscc_is_valid(sscc: str) -> bool:
    return len(sscc) == SSCC_LENGTH and _has_valid_check_digit(sscc)


def sscc_human_readable(sscc: str, prefix_length: int) -> str:
    """The line printed under the barcode: `(00) 0 0614141 123456789 7`."""
    if not sscc_is_valid(sscc):
        raise ValueError(f"not a valid SSCC: {sscc!r}")
    if prefix_length not in COMPANY_PREFIX_LENGTHS:
        raise ValueError(f"GS1 company prefix length must be 7-10, got {prefix_length}")
    extension, prefix = sscc[0], sscc[1 : 1 + prefix_length]
    serial, check = sscc[1 + prefix_length : -1], sscc[-1]
    return f"(00) {extension} {prefix} {serial} {check}"


def gln_is_valid(gln: str) -> bool:
    """A Global Location Number: 13 digits with a correct GS1 check digit."""
    return len(gln) == GLN_LENGTH and _has_valid_check_digit(gln)


def gtin_is_valid(gtin: str) -> bool:
    """GTIN-8, GTIN-12 (UPC-A), GTIN-13 (EAN) or GTIN-14 with a correct check digit."""
    return len(gtin) in GTIN_LENGTHS and _has_valid_check_digit(gtin)
