"""The taxes an invoice offers, per marketplace: the tax types that apply there and their usual rates.

The edit screen offers these instead of every country's list (Amazon's taxType values cover India's GST
parts, Japan's consumption tax, ...). Canada's HST is a harmonised GST and travels as taxType "GST" at the
province's HST rate, as Amazon's model has no HST type. A marketplace not listed here offers every type.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from .models import TaxType


@dataclass(frozen=True)
class TaxRate:
    rate: Decimal
    label: str


@dataclass(frozen=True)
class MarketplaceTaxes:
    types: tuple[str, ...]
    rates: tuple[TaxRate, ...] = field(default_factory=tuple)
    # How the parties' tax registrations are called there (on the invoice PDF), and their type in Amazon's
    # TaxRegistrationDetails (VAT or GST; none for a US EIN, which that model has no type for).
    registration_label: str = ""
    registration_type: str = ""


def _rates(*rows) -> tuple[TaxRate, ...]:
    return tuple(TaxRate(Decimal(rate), label) for rate, label in rows)


MARKETPLACE_TAXES: dict[str, MarketplaceTaxes] = {
    "US": MarketplaceTaxes(
        types=(TaxType.STATE_SALES_TAX,),
        # Sales tax is set by the state (and county, city): no one rate to offer.
        registration_label=_("EIN"),
    ),
    "CA": MarketplaceTaxes(
        types=(TaxType.GST, TaxType.PST),
        rates=_rates(
            ("5", _("GST 5%")),
            ("13", _("HST 13% (Ontario)")),
            ("14", _("HST 14% (Nova Scotia)")),
            ("15", _("HST 15% (New Brunswick, Newfoundland and Labrador, Prince Edward Island)")),
            ("6", _("PST 6% (Saskatchewan)")),
            ("7", _("PST 7% (British Columbia, Manitoba)")),
            ("9.975", _("QST 9.975% (Quebec)")),
        ),
        registration_label=_("GST/HST registration"),
        registration_type="GST",
    ),
    "UK": MarketplaceTaxes(
        types=(TaxType.VAT,),
        rates=_rates(("20", _("VAT 20% (standard)")), ("5", _("VAT 5% (reduced)")), ("0", _("VAT 0% (zero rate)"))),
        registration_label=_("VAT registration"),
        registration_type="VAT",
    ),
    "DE": MarketplaceTaxes(
        types=(TaxType.VAT, TaxType.MWST),
        rates=_rates(("19", _("VAT 19% (standard)")), ("7", _("VAT 7% (reduced)")), ("0", _("VAT 0%"))),
        registration_label=_("VAT ID (USt-IdNr.)"),
        registration_type="VAT",
    ),
    "FR": MarketplaceTaxes(
        types=(TaxType.VAT, TaxType.TVA),
        rates=_rates(
            ("20", _("VAT 20% (standard)")),
            ("10", _("VAT 10% (intermediate)")),
            ("5.5", _("VAT 5.5% (reduced)")),
            ("2.1", _("VAT 2.1% (special)")),
            ("0", _("VAT 0%")),
        ),
        registration_label=_("VAT ID (TVA intracommunautaire)"),
        registration_type="VAT",
    ),
}


def taxes_for(marketplace_code: str | None) -> MarketplaceTaxes:
    return MARKETPLACE_TAXES.get(marketplace_code or "", MarketplaceTaxes(types=tuple(TaxType.values), registration_label=_("Tax ID")))


def tax_type_choices(marketplace_code: str | None, *, keep: str = "") -> list[tuple[str, str]]:
    """The tax types offered on the marketplace's invoices; `keep` (a type already on the row) stays offered."""
    types = list(taxes_for(marketplace_code).types)
    if keep and keep not in types and keep in TaxType.values:
        types.append(keep)
    return [(value, TaxType(value).label) for value in types]
