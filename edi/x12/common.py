"""Dataclasses and segment mappings shared by several transaction sets: N1 loops, PER, TXI, SAC."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from edi.x12.core import Element, Segment
from edi.x12.mapping import SetReader, fmt_decimal, fmt_implied


class ItemId:
    """Product/Service ID qualifiers (235) used in PO1, IT1, LIN and ACK id pairs."""

    ASIN = "BP"  # buyer's part number: the retailer's catalogue ID (Amazon sends the ASIN here)
    VENDOR_ITEM = "VN"
    UPC = "UP"
    EAN = "EN"
    GTIN14 = "UK"
    ISBN = "IB"


@dataclass
class Party:
    """An N1 loop (N1, N3, N4)."""

    entity_code: str  # N101: ST ship-to, BY buyer, SF ship-from, VN vendor, RI remit-to, BT bill-to, PR payer, PE payee
    name: str = ""  # N102
    id_qualifier: str = ""  # N103: 92 assigned by buyer (DC code), 1 DUNS, 9 DUNS+4, 91 assigned by seller
    id_code: str = ""  # N104
    address_lines: list[str] = field(default_factory=list)  # N301, N302 (and further N3 segments)
    city: str = ""  # N401
    state: str = ""  # N402
    postal_code: str = ""  # N403
    country: str = ""  # N404


class HasParties:
    parties: list[Party]

    def party(self, entity_code: str) -> Party | None:
        return next((p for p in self.parties if p.entity_code == entity_code), None)


@dataclass
class Contact:
    """PER: a named contact with its phone and e-mail."""

    function_code: str  # PER01: BD buyer name or department, IC information contact, OC order contact
    name: str = ""
    phone: str = ""  # communication qualifier TE
    email: str = ""  # communication qualifier EM


@dataclass
class Tax:
    """TXI."""

    type_code: str  # TXI01: ST state sales, LS state and local, GS goods and services, VA VAT
    amount: Decimal | None = None  # TXI02, explicit decimal
    percent: Decimal | None = None  # TXI03


@dataclass
class AllowanceCharge:
    """SAC."""

    indicator: str  # SAC01: A allowance, C charge
    code: str  # SAC02: D240 freight, C310 discount, F050 other ...
    amount: Decimal | None = None  # SAC05, N2 on the wire
    description: str = ""  # SAC15

    @property
    def signed_amount(self) -> Decimal:
        """What it adds to an invoice total: charges add, allowances subtract."""
        amount = self.amount or Decimal(0)
        return -amount if self.indicator == "A" else amount


def read_party(reader: SetReader, n1: Segment) -> Party:
    return Party(entity_code=reader.text(n1, 1, required=True), name=n1[2], id_qualifier=n1[3], id_code=n1[4])


def read_party_detail(party: Party, segment: Segment) -> None:
    """N3/N4 that follow an N1; other segments of the loop are not mapped."""
    if segment.id == "N3":
        party.address_lines.extend(line for line in (segment[1], segment[2]) if line)
    elif segment.id == "N4":
        party.city, party.state, party.postal_code, party.country = segment[1], segment[2], segment[3], segment[4]


PARTY_DETAIL_IDS = ("N2", "N3", "N4")


def party_segments(party: Party) -> list[list[Element]]:
    segments: list[list[Element]] = [["N1", party.entity_code, party.name, party.id_qualifier, party.id_code]]
    lines = party.address_lines
    for index in range(0, len(lines), 2):
        segments.append(["N3", *lines[index : index + 2]])
    if party.city or party.state or party.postal_code or party.country:
        segments.append(["N4", party.city, party.state, party.postal_code, party.country])
    return segments


def read_contact(segment: Segment) -> Contact:
    contact = Contact(function_code=segment[1], name=segment[2])
    for index in (3, 5, 7):
        if segment[index] == "TE":
            contact.phone = segment[index + 1]
        elif segment[index] == "EM":
            contact.email = segment[index + 1]
    return contact


def contact_segment(contact: Contact) -> list[Element]:
    elements: list[Element] = ["PER", contact.function_code, contact.name]
    if contact.phone:
        elements += ["TE", contact.phone]
    if contact.email:
        elements += ["EM", contact.email]
    return elements


def read_tax(reader: SetReader, txi: Segment) -> Tax:
    return Tax(type_code=reader.text(txi, 1, required=True), amount=reader.decimal(txi, 2), percent=reader.decimal(txi, 3))


def tax_segment(tax: Tax) -> list[Element]:
    return ["TXI", tax.type_code, fmt_decimal(tax.amount), fmt_decimal(tax.percent)]


def read_allowance_charge(reader: SetReader, sac: Segment) -> AllowanceCharge:
    return AllowanceCharge(
        indicator=reader.code(sac, 1, ("A", "C", "N"), required=True), code=sac[2], amount=reader.implied(sac, 5), description=sac[15]
    )


def allowance_charge_segment(charge: AllowanceCharge) -> list[Element]:
    elements: list[Element] = ["SAC", charge.indicator, charge.code, "", "", fmt_implied(charge.amount)]
    if charge.description:
        elements += [""] * 9 + [charge.description]
    return elements
