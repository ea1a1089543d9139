from .accounts import InvitationStatus, Membership, MembershipInvitation, Role, User
from .approvals import ApprovalRequest, ApprovalStatus
from .audit import AuditEvent, Channel
from .catalogue import Product, ProductCost, cost_on
from .idempotency import IdempotencyRecord
from .jobs import Document, Job, JobStatus
from .notifications import Notification
from .places import Address, Marketplace, Warehouse, marketplace_today
from .tokens import ApiToken, TokenScope
from .vendors import BankDetails, ShipFromAddress, Vendor, VendorAccount

__all__ = [
    "Address",
    "ApiToken",
    "ApprovalRequest",
    "ApprovalStatus",
    "AuditEvent",
    "BankDetails",
    "Channel",
    "Document",
    "IdempotencyRecord",
    "InvitationStatus",
    "Job",
    "JobStatus",
    "Marketplace",
    "Membership",
    "MembershipInvitation",
    "Notification",
    "Product",
    "ProductCost",
    "cost_on",
    "marketplace_today",
    "Role",
    "ShipFromAddress",
    "TokenScope",
    "User",
    "Vendor",
    "VendorAccount",
    "Warehouse",
]
