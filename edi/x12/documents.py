"""The transaction sets this layer maps, and the document-level entry points.

interchange = parse_interchange(data)           # never raises for bad input
for ts in interchange.transaction_sets:
    ts.document                                 # PurchaseOrderAck, Shipment, Invoice, ... or None
interchange.problems                            # everything wrong, located and coded
acks = acknowledge(interchange)                 # one 997 per group

write_document(po, sender=..., receiver=..., interchange_control_number=..., group_control_number=...,
               created_at=...)                  # an 850 interchange as text
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from edi.x12.ack997 import FunctionalAck, read_997, write_997
from edi.x12.asn856 import Shipment, read_856, write_856
from edi.x12.core import (
    DEFAULT_DELIMITERS,
    INTERNAL_ERROR,
    Delimiters,
    Element,
    Interchange,
    InterchangeAck,
    OutboundGroup,
    OutboundSet,
    Partner,
    Problem,
    parse_envelope,
    render_interchange,
)
from edi.x12.inventory846 import InventoryAdvice, read_846, write_846
from edi.x12.invoice810 import Invoice, read_810, write_810
from edi.x12.mapping import SetReader
from edi.x12.po850 import PurchaseOrder, read_850, write_850
from edi.x12.po855 import PurchaseOrderAck, read_855, write_855
from edi.x12.remittance820 import Remittance, read_820, write_820

Document = PurchaseOrder | PurchaseOrderAck | Shipment | Invoice | Remittance | FunctionalAck | InventoryAdvice


@dataclass(frozen=True)
class SetType:
    id_code: str  # ST01
    functional_id_code: str  # GS01
    document_type: type
    read: Callable[[SetReader], Any]
    write: Callable[[Any], list[list[Element]]]


SET_TYPES = (
    SetType("850", "PO", PurchaseOrder, read_850, write_850),
    SetType("855", "PR", PurchaseOrderAck, read_855, write_855),
    SetType("856", "SH", Shipment, read_856, write_856),
    SetType("810", "IN", Invoice, read_810, write_810),
    SetType("820", "RA", Remittance, read_820, write_820),
    SetType("846", "IB", InventoryAdvice, read_846, write_846),
    SetType("997", "FA", FunctionalAck, read_997, write_997),
)
_BY_ID = {set_type.id_code: set_type for set_type in SET_TYPES}
_BY_DOCUMENT = {set_type.document_type: set_type for set_type in SET_TYPES}


def parse_interchange(data: str | bytes, *, max_transaction_sets: int | None = None) -> Interchange:
    """Parse and check an interchange and map each supported set to its document; linear in its size.
    More than `max_transaction_sets` sets refuse the interchange whole (see parse_envelope)."""
    interchange = parse_envelope(data, supported_sets={t.id_code: t.functional_id_code for t in SET_TYPES}, max_transaction_sets=max_transaction_sets)
    for group in interchange.groups:
        for ts in group.transaction_sets:
            set_type = _BY_ID.get(ts.id_code)
            if set_type is None:
                continue
            reader = SetReader(ts, group.control_number)
            try:
                document = set_type.read(reader)
            except Exception as exc:  # noqa: BLE001 - a mapper bug must not escape with the input
                ts.problems.append(
                    Problem("set", "", f"{INTERNAL_ERROR}: {exc!r}", group_control_number=group.control_number, set_control_number=ts.control_number)
                )
                document, reader.fatal = None, True
            ts.document = None if reader.fatal else document
    return interchange


def document_set_type(document: Document) -> SetType:
    try:
        return _BY_DOCUMENT[type(document)]
    except KeyError:
        raise TypeError(f"no X12 mapping for {type(document).__name__}") from None


@dataclass
class DocumentGroup:
    """The documents of one functional group; they must all be of one kind (one GS01)."""

    control_number: int  # GS06, kept unique by the caller
    documents: Sequence[Document]
    first_set_control_number: int = 1  # ST02 of the first document; the rest count up


def write_interchange(
    *,
    sender: Partner,
    receiver: Partner,
    control_number: int,
    groups: Sequence[DocumentGroup],
    created_at: datetime,
    usage_indicator: str = "P",
    ack_requested: bool = False,
    delimiters: Delimiters = DEFAULT_DELIMITERS,
    newline: bool = True,
    interchange_acks: Sequence[InterchangeAck] = (),
) -> str:
    """Render documents as one interchange. Raises ValueError for data X12 cannot carry."""
    outbound: list[OutboundGroup] = []
    for group in groups:
        set_types = [document_set_type(document) for document in group.documents]
        functional_ids = {set_type.functional_id_code for set_type in set_types}
        if len(functional_ids) != 1:
            raise ValueError(f"group {group.control_number} must hold documents of exactly one kind")
        outbound.append(
            OutboundGroup(
                functional_id_code=functional_ids.pop(),
                control_number=group.control_number,
                sets=[OutboundSet(t.id_code, t.write(d)) for t, d in zip(set_types, group.documents, strict=False)],
                first_set_control_number=group.first_set_control_number,
            )
        )
    return render_interchange(
        sender=sender,
        receiver=receiver,
        control_number=control_number,
        groups=outbound,
        created_at=created_at,
        usage_indicator=usage_indicator,
        ack_requested=ack_requested,
        delimiters=delimiters,
        newline=newline,
        interchange_acks=interchange_acks,
    )


def write_document(
    document: Document,
    *,
    sender: Partner,
    receiver: Partner,
    interchange_control_number: int,
    group_control_number: int,
    created_at: datetime,
    set_control_number: int = 1,
    usage_indicator: str = "P",
    ack_requested: bool = False,
    delimiters: Delimiters = DEFAULT_DELIMITERS,
    newline: bool = True,
) -> str:
    """One document in its own group and interchange, the usual shape of an outbound file."""
    return write_interchange(
        sender=sender,
        receiver=receiver,
        control_number=interchange_control_number,
        groups=[DocumentGroup(group_control_number, [document], set_control_number)],
        created_at=created_at,
        usage_indicator=usage_indicator,
        ack_requested=ack_requested,
        delimiters=delimiters,
        newline=newline,
    )
