"""UN/EDIFACT D96A beside X12: the envelope through pydifact (syntax), the messages the portal exchanges
(ORDERS out; ORDRSP, DESADV, INVOIC in) and CONTRL both ways. Plain Python, no Django."""

from .contrl import CONTRL, Report, build_contrl, read_contrl
from .messages import ORDERS, READERS, Item, OrderLine, PurchaseOrder, write_orders
from .syntax import (
    GLN_QUALIFIER,
    Interchange,
    Message,
    OutboundMessage,
    Problem,
    Segment,
    count_messages,
    looks_like_edifact,
    parse_interchange,
    segment,
    write_interchange,
)

__all__ = [
    "CONTRL",
    "GLN_QUALIFIER",
    "ORDERS",
    "READERS",
    "Interchange",
    "Item",
    "Message",
    "OrderLine",
    "OutboundMessage",
    "Problem",
    "PurchaseOrder",
    "Report",
    "Segment",
    "build_contrl",
    "count_messages",
    "looks_like_edifact",
    "parse_interchange",
    "read_contrl",
    "segment",
    "write_interchange",
    "write_orders",
]
