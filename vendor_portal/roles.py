"""Roles of DOMAIN.md and what each may do. One table, read by views, the API and the tests."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    VENDOR_ADMIN = "vendor_admin", _("Vendor admin")
    VENDOR_OPS = "vendor_ops", _("Vendor ops")
    VENDOR_FINANCE = "vendor_finance", _("Vendor finance")
    INTEGRATOR = "integrator", _("Integrator")
    BUYER = "buyer", _("Buyer")
    RECEIVING = "receiving", _("Receiving")
    ACCOUNTS_PAYABLE = "accounts_payable", _("Accounts payable")
    RETAILER_ADMIN = "retailer_admin", _("Retailer admin")


# What each role is for, in a line, shown wherever a role is chosen.
ROLE_DESCRIPTIONS = {
    Role.VENDOR_ADMIN: _("Everything at the vendor: people, API tokens, webhooks, bank details and approvals."),
    Role.VENDOR_OPS: _("Confirms purchase orders, builds ship plans and ASNs, books delivery appointments."),
    Role.VENDOR_FINANCE: _("Invoices, payments, deductions and disputes; approves invoices and bank changes."),
    Role.INTEGRATOR: _("Connects the vendor's systems: reads orders, invoices and payments, exchanges EDI."),
    Role.BUYER: _("Issues and changes purchase orders, publishes forecasts and runs promotions."),
    Role.RECEIVING: _("Books receipts at a DC and runs its dock appointments."),
    Role.ACCOUNTS_PAYABLE: _("Decides on invoices, runs the 3-way match and payment runs, answers disputes."),
    Role.RETAILER_ADMIN: _("Everything at the retailer: people, vendors, purchase orders and payments."),
}

VENDOR_ROLES = frozenset({Role.VENDOR_ADMIN, Role.VENDOR_OPS, Role.VENDOR_FINANCE, Role.INTEGRATOR})
RETAILER_ROLES = frozenset({Role.BUYER, Role.RECEIVING, Role.ACCOUNTS_PAYABLE, Role.RETAILER_ADMIN})


class Action(models.TextChoices):
    VIEW_PURCHASE_ORDERS = "po.view", _("View purchase orders")
    CONFIRM_PURCHASE_ORDERS = "po.confirm", _("Confirm purchase orders")
    MANAGE_PURCHASE_ORDERS = "po.manage", _("Issue and change purchase orders")
    VIEW_SHIPMENTS = "shipment.view", _("View ship plans and ASNs")
    MANAGE_SHIPMENTS = "shipment.manage", _("Build ship plans, print labels, submit ASNs")
    MANAGE_SHIP_FROM = "ship_from.manage", _("Add, change and retire ship-from addresses")
    MANAGE_TAX_REGISTRATIONS = "tax_registration.manage", _("Change the vendor's tax registration per marketplace")
    RECEIVE_GOODS = "receipt.create", _("Book receipts at a DC")
    REQUEST_APPOINTMENTS = "appointment.request", _("Request DC delivery appointments and routing")
    SCHEDULE_APPOINTMENTS = "appointment.schedule", _("Confirm, move or refuse DC appointments; schedule routing")
    VIEW_INVOICES = "invoice.view", _("View invoices")
    MANAGE_INVOICES = "invoice.manage", _("Create and submit invoices")
    APPROVE_INVOICES = "invoice.approve", _("Approve invoices above the threshold")
    VIEW_PAYMENTS = "payment.view", _("View payments, deductions and remittances")
    DISPUTE_DEDUCTIONS = "deduction.dispute", _("Dispute deductions")
    RUN_PAYMENTS = "payment.run", _("Run reconciliation and payment runs")
    ANSWER_DISPUTES = "dispute.answer", _("Answer disputes")
    MANAGE_USERS = "vendor.users", _("Manage the vendor's users")
    MANAGE_TOKENS = "token.manage", _("Manage API tokens")
    MANAGE_WEBHOOKS = "webhook.manage", _("Manage webhook subscriptions")
    EXCHANGE_EDI = "edi.exchange", _("Exchange EDI documents")
    REQUEST_BANK_CHANGE = "bank.request", _("Request bank detail changes")
    APPROVE_BANK_CHANGE = "bank.approve", _("Approve bank detail changes")
    VIEW_AUDIT = "audit.view", _("Read the audit trail")
    ONBOARD_VENDORS = "vendor.onboard", _("Onboard vendors")
    VIEW_CATALOGUE = "catalogue.view", _("View the product catalogue")
    VIEW_PLANNING = "planning.view", _("View demand forecasts and promotions")
    MANAGE_PLANNING = "planning.manage", _("Publish forecasts and run promotions")
    CONFIRM_PROMOTIONS = "promotion.confirm", _("Confirm or decline promotions")
    REPORT_AVAILABILITY = "availability.report", _("Report stock on hand and available to ship")
    READ_API_DOCS = "api.docs", _("Read the API documentation; see failing webhooks and expiring tokens")
    MANAGE_COMPLIANCE = "compliance.manage", _("Write and publish the compliance rate card")
    PROPOSE_CATALOGUE = "catalogue.propose", _("Propose new items and cost changes")
    REVIEW_CATALOGUE = "catalogue.review", _("Approve new items; accept, counter or reject cost changes")
    REFRESH_SCORECARD = "scorecard.refresh", _("Refresh the current week's scorecard")


A = Action
_VIEW_ALL = {A.VIEW_PURCHASE_ORDERS, A.VIEW_SHIPMENTS, A.VIEW_CATALOGUE, A.VIEW_PLANNING}

PERMISSIONS: dict[str, frozenset[str]] = {
    Role.VENDOR_ADMIN: frozenset(
        _VIEW_ALL
        | {A.CONFIRM_PURCHASE_ORDERS, A.MANAGE_SHIPMENTS, A.REQUEST_APPOINTMENTS, A.VIEW_INVOICES, A.MANAGE_INVOICES, A.APPROVE_INVOICES}
        | {A.VIEW_PAYMENTS, A.DISPUTE_DEDUCTIONS, A.MANAGE_USERS, A.MANAGE_TOKENS, A.MANAGE_WEBHOOKS, A.EXCHANGE_EDI}
        | {A.REQUEST_BANK_CHANGE, A.APPROVE_BANK_CHANGE, A.VIEW_AUDIT, A.CONFIRM_PROMOTIONS, A.READ_API_DOCS, A.REPORT_AVAILABILITY}
        | {A.MANAGE_SHIP_FROM, A.MANAGE_TAX_REGISTRATIONS, A.PROPOSE_CATALOGUE, A.REFRESH_SCORECARD}
    ),
    Role.VENDOR_OPS: frozenset(
        _VIEW_ALL
        | {A.CONFIRM_PURCHASE_ORDERS, A.MANAGE_SHIPMENTS, A.REQUEST_APPOINTMENTS, A.EXCHANGE_EDI, A.CONFIRM_PROMOTIONS, A.REPORT_AVAILABILITY}
        | {A.PROPOSE_CATALOGUE, A.REFRESH_SCORECARD}
    ),
    Role.VENDOR_FINANCE: frozenset(
        _VIEW_ALL
        | {A.VIEW_INVOICES, A.MANAGE_INVOICES, A.APPROVE_INVOICES, A.VIEW_PAYMENTS, A.DISPUTE_DEDUCTIONS}
        | {A.REQUEST_BANK_CHANGE, A.APPROVE_BANK_CHANGE}
    ),
    Role.INTEGRATOR: frozenset(_VIEW_ALL | {A.VIEW_INVOICES, A.VIEW_PAYMENTS, A.EXCHANGE_EDI, A.READ_API_DOCS}),
    Role.BUYER: frozenset(_VIEW_ALL | {A.MANAGE_PURCHASE_ORDERS, A.VIEW_INVOICES, A.MANAGE_PLANNING, A.REVIEW_CATALOGUE}),
    Role.RECEIVING: frozenset(_VIEW_ALL | {A.RECEIVE_GOODS, A.SCHEDULE_APPOINTMENTS}),
    Role.ACCOUNTS_PAYABLE: frozenset(_VIEW_ALL | {A.VIEW_INVOICES, A.VIEW_PAYMENTS, A.RUN_PAYMENTS, A.ANSWER_DISPUTES, A.VIEW_AUDIT}),
    Role.RETAILER_ADMIN: frozenset(
        _VIEW_ALL
        | {A.MANAGE_PURCHASE_ORDERS, A.RECEIVE_GOODS, A.SCHEDULE_APPOINTMENTS, A.VIEW_INVOICES, A.VIEW_PAYMENTS, A.RUN_PAYMENTS}
        | {A.ANSWER_DISPUTES, A.MANAGE_USERS, A.VIEW_AUDIT, A.ONBOARD_VENDORS, A.MANAGE_PLANNING, A.READ_API_DOCS}
        | {A.MANAGE_COMPLIANCE, A.REVIEW_CATALOGUE, A.REFRESH_SCORECARD}
    ),
}


def role_allows(roles, action: str) -> bool:
    return any(action in PERMISSIONS.get(role, ()) for role in roles)
