"""A small X12 004010 layer for the portal's EDI: 850, 855, 856, 810, 820, 846 and 997 (plus TA1).

Pure Python: nothing here imports Django. Parsing never raises for bad input; it returns an
`Interchange` whose `problems` say what is wrong, with the 997/TA1 code of each fault. Writing takes
plain dataclasses and control numbers from the caller, and raises ValueError for data X12 cannot carry.
"""

from edi.x12.ack997 import (
    ElementNote,
    FunctionalAck,
    SegmentNote,
    SetAck,
    acknowledge,
    build_997,
    build_ta1,
)
from edi.x12.asn856 import Carton, Pallet, Shipment, ShipmentItem, ShipmentOrder
from edi.x12.codes import AckCode, ElementError, GroupError, InterchangeNote, SegmentError, SetError
from edi.x12.common import AllowanceCharge, Contact, ItemId, Party, Tax
from edi.x12.core import (
    DEFAULT_DELIMITERS,
    Delimiters,
    FunctionalGroup,
    Interchange,
    InterchangeAck,
    Partner,
    Problem,
    Segment,
    TransactionSet,
    count_transaction_sets,
)
from edi.x12.documents import (
    SET_TYPES,
    Document,
    DocumentGroup,
    parse_interchange,
    write_document,
    write_interchange,
)
from edi.x12.inventory846 import InventoryAdvice, InventoryItem
from edi.x12.invoice810 import Invoice, InvoiceLine, PaymentTerms
from edi.x12.po850 import Fob, PurchaseOrder, PurchaseOrderLine
from edi.x12.po855 import LineAck, PurchaseOrderAck, PurchaseOrderAckLine
from edi.x12.remittance820 import Adjustment, BankAccount, Remittance, RemittedInvoice

__all__ = [
    "DEFAULT_DELIMITERS",
    "SET_TYPES",
    "AckCode",
    "Adjustment",
    "AllowanceCharge",
    "BankAccount",
    "Carton",
    "Contact",
    "Delimiters",
    "Document",
    "DocumentGroup",
    "ElementError",
    "ElementNote",
    "Fob",
    "FunctionalAck",
    "FunctionalGroup",
    "GroupError",
    "Interchange",
    "InterchangeAck",
    "InterchangeNote",
    "InventoryAdvice",
    "InventoryItem",
    "Invoice",
    "InvoiceLine",
    "ItemId",
    "LineAck",
    "Pallet",
    "Partner",
    "Party",
    "PaymentTerms",
    "Problem",
    "PurchaseOrder",
    "PurchaseOrderAck",
    "PurchaseOrderAckLine",
    "PurchaseOrderLine",
    "Remittance",
    "RemittedInvoice",
    "Segment",
    "SegmentError",
    "SegmentNote",
    "SetAck",
    "SetError",
    "Shipment",
    "ShipmentItem",
    "ShipmentOrder",
    "Tax",
    "TransactionSet",
    "acknowledge",
    "build_997",
    "build_ta1",
    "count_transaction_sets",
    "parse_interchange",
    "write_document",
    "write_interchange",
]
