"""A vendor's tax registration in a marketplace, by the marketplace's country: what it looks like and how it is stored.

- EU member states and the UK: the VAT id with its two-letter prefix (Greece's is EL, not GR), as the VIES
  formats have it. Factur-X and UBL write it as the seller's VAT identifier, and EN 16931 wants the prefix.
- US: the EIN, 9 digits, stored as NN-NNNNNNN.
- Canada: the 9-digit business number, RT and the 4-digit GST/HST account, stored as 123456789RT0001.
- Elsewhere: 3 to 40 letters or digits.

Every form is stored normalised: upper case, without spaces, dots or dashes (the EIN's one dash excepted)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from vendor_portal.countries import COUNTRIES

# Country code -> (VAT prefix, pattern of what follows the prefix, an example). From the EU's VIES format table.
VAT_FORMATS: dict[str, tuple[str, str, str]] = {
    "AT": ("AT", r"U\d{8}", "ATU12345678"),
    "BE": ("BE", r"[01]\d{9}", "BE0123456789"),
    "BG": ("BG", r"\d{9,10}", "BG123456789"),
    "CY": ("CY", r"\d{8}[A-Z]", "CY12345678X"),
    "CZ": ("CZ", r"\d{8,10}", "CZ12345678"),
    "DE": ("DE", r"\d{9}", "DE123456789"),
    "DK": ("DK", r"\d{8}", "DK12345678"),
    "EE": ("EE", r"\d{9}", "EE123456789"),
    "ES": ("ES", r"[A-Z0-9]\d{7}[A-Z0-9]", "ESX1234567X"),
    "FI": ("FI", r"\d{8}", "FI12345678"),
    "FR": ("FR", r"[A-HJ-NP-Z0-9]{2}\d{9}", "FR12345678901"),
    "GR": ("EL", r"\d{9}", "EL123456789"),
    "HR": ("HR", r"\d{11}", "HR12345678901"),
    "HU": ("HU", r"\d{8}", "HU12345678"),
    "IE": ("IE", r"\d[A-Z0-9+*]\d{5}[A-Z]{1,2}", "IE1234567WA"),
    "IT": ("IT", r"\d{11}", "IT12345678901"),
    "LT": ("LT", r"\d{9}|\d{12}", "LT123456789"),
    "LU": ("LU", r"\d{8}", "LU12345678"),
    "LV": ("LV", r"\d{11}", "LV12345678901"),
    "MT": ("MT", r"\d{8}", "MT12345678"),
    "NL": ("NL", r"\d{9}B\d{2}", "NL123456789B01"),
    "PL": ("PL", r"\d{10}", "PL1234567890"),
    "PT": ("PT", r"\d{9}", "PT123456789"),
    "RO": ("RO", r"[1-9]\d{1,9}", "RO1234567890"),
    "SE": ("SE", r"\d{10}01", "SE123456789001"),
    "SI": ("SI", r"\d{8}", "SI12345678"),
    "SK": ("SK", r"\d{10}", "SK1234567890"),
    # The UK: 9 or 12 digits, or a government department (GD) or health authority (HA) and 3 digits.
    "GB": ("GB", r"\d{9}|\d{12}|GD\d{3}|HA\d{3}", "GB123456789"),
}

EIN = re.compile(r"\d{9}")
CANADIAN_GST_HST = re.compile(r"\d{9}RT\d{4}")
OTHER = re.compile(r"[A-Z0-9]{3,40}")
SEPARATORS = re.compile(r"[\s.\-]+")


def is_vat_id(value: str) -> bool:
    """A stored registration that is a VAT id of a country we know (its prefix and the number's format), as
    e-invoices tell a VAT id (scheme VA) from a local tax number such as an EIN (FC)."""
    value = (value or "").upper()
    return any(value.startswith(prefix) and re.fullmatch(pattern, value[len(prefix) :]) for prefix, pattern, _example in VAT_FORMATS.values())


def needs_vat_id(country_code: str) -> bool:
    """EN 16931 e-invoices (Factur-X, UBL/Peppol) in this country name the seller by its VAT id."""
    return (country_code or "").upper() in VAT_FORMATS


def tax_id_kind(country_code: str) -> str:
    """What the registration is called in the country, for labels and messages."""
    country_code = (country_code or "").upper()
    if country_code in VAT_FORMATS:
        return _("VAT id")
    if country_code == "US":
        return _("EIN")
    if country_code == "CA":
        return _("GST/HST number")
    return _("tax registration number")


def tax_id_example(country_code: str) -> str:
    country_code = (country_code or "").upper()
    if country_code in VAT_FORMATS:
        return VAT_FORMATS[country_code][2]
    return {"US": "12-3456789", "CA": "123456789RT0001"}.get(country_code, "")


def tax_id_normalize(value: str, country_code: str) -> str:
    """The registration as stored, or a ValidationError (code `invalid_tax_id`) saying what the country wants.
    An empty value stays empty: a vendor not registered (yet) in that marketplace."""
    country_code = (country_code or "").upper()
    compact = SEPARATORS.sub("", str(value or "")).upper()
    if not compact:
        return ""
    if country_code in VAT_FORMATS:
        return _vat_id(compact, country_code)
    if country_code == "US":
        if not EIN.fullmatch(compact):
            raise _invalid(_("A US EIN is 9 digits, e.g. 12-3456789."))
        return f"{compact[:2]}-{compact[2:]}"
    if country_code == "CA":
        if not CANADIAN_GST_HST.fullmatch(compact):
            raise _invalid(_("A Canadian GST/HST number is the 9-digit business number, RT and a 4-digit account, e.g. 123456789RT0001."))
        return compact
    if not OTHER.fullmatch(compact):
        raise _invalid(_("Use 3 to 40 letters or digits."))
    return compact


def _vat_id(compact: str, country_code: str) -> str:
    prefix, pattern, example = VAT_FORMATS[country_code]
    if country_code == "GR" and compact.startswith("GR"):
        raise _invalid(_("A Greek VAT id starts with EL, not GR, e.g. %(example)s.") % {"example": example})
    if not compact.startswith(prefix):
        if compact[:2].isalpha():
            message = _("A VAT id here starts with %(prefix)s, the country's prefix, e.g. %(example)s.")
        else:
            message = _("Start the VAT id with its country prefix %(prefix)s, e.g. %(example)s.")
        raise _invalid(message % {"prefix": prefix, "example": example})
    if not re.fullmatch(pattern, compact[len(prefix) :]):
        raise _invalid(
            _("%(value)s is not a VAT id of %(country)s: that is %(prefix)s and its number, like %(example)s.")
            % {"value": compact, "country": COUNTRIES.get(country_code, country_code), "prefix": prefix, "example": example}
        )
    return compact


def _invalid(message) -> ValidationError:
    return ValidationError(message, code="invalid_tax_id")
