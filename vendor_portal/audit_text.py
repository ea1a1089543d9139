"""The audit trail in words: each action kind as a translated sentence, each recorded value with its label,
money and numbers in the reader's locale and times with their time zone. Never a raw key, dict or ISO stamp.

The audit row keeps the machine's record (`action`, `before`, `after`); this module is how people read it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# One sentence per action kind; %(object)s is the document as it was named when the action happened.
SENTENCES = {
    "acknowledgement.submit": _("Confirmation %(object)s sent"),
    "api_token.create": _("API token %(object)s created"),
    "api_token.revoke": _("API token %(object)s revoked"),
    "appointment.arrive": _("Truck for appointment %(object)s checked in"),
    "appointment.cancel": _("Appointment %(object)s cancelled"),
    "appointment.confirm": _("Appointment %(object)s confirmed"),
    "appointment.miss": _("Appointment %(object)s missed"),
    "appointment.move": _("Appointment %(object)s moved"),
    "appointment.refuse": _("Appointment %(object)s refused"),
    "appointment.request": _("Appointment %(object)s requested"),
    "appointment.schedule": _("Appointment %(object)s scheduled"),
    "approval.approve": _("Request “%(object)s” approved"),
    "approval.cancel": _("Request “%(object)s” withdrawn"),
    "approval.reject": _("Request “%(object)s” rejected"),
    "approval.request": _("Approval asked for “%(object)s”"),
    "bank_details.change": _("Bank details changed"),
    "carton.track": _("Carton %(object)s given its tracking number"),
    "compliance_event.record": _("Compliance event %(object)s recorded"),
    "deduction.answer": _("Dispute of deduction %(object)s answered"),
    "deduction.dispute": _("Deduction %(object)s disputed"),
    "deduction.raise": _("Deduction %(object)s raised"),
    "deduction.reverse": _("Deduction %(object)s reversed"),
    "deduction.schedule": _("Deduction %(object)s taken into a remittance"),
    "deduction.settle": _("Deduction %(object)s settled"),
    "deduction.unschedule": _("Deduction %(object)s taken out of its remittance"),
    "dispute.answer": _("Dispute %(object)s answered"),
    "dispute.create": _("Dispute %(object)s opened"),
    "dock_capacity.set": _("Dock capacity of %(object)s set"),
    "dock_closure.add": _("Dock closure %(object)s added"),
    "dock_closure.remove": _("Dock closure %(object)s removed"),
    "edi_interchange.acknowledge": _("Interchange %(object)s acknowledged"),
    "edi_interchange.acknowledged": _("Interchange %(object)s acknowledged by the partner"),
    "edi_interchange.receive": _("Interchange %(object)s received"),
    "edi_interchange.send": _("Interchange %(object)s sent"),
    "edi_trading_partner.activate": _("Trading partner %(object)s activated"),
    "edi_trading_partner.create": _("Trading partner %(object)s added"),
    "edi_trading_partner.deactivate": _("Trading partner %(object)s deactivated"),
    "forecast.publish": _("Forecast %(object)s published"),
    "invoice.accepted": _("Invoice %(object)s accepted"),
    "invoice.approved_for_payment": _("Invoice %(object)s approved for payment"),
    "invoice.create": _("Invoice %(object)s created"),
    "invoice.delete": _("Draft invoice %(object)s deleted"),
    "invoice.match": _("Invoice %(object)s matched"),
    "invoice.on_hold": _("Invoice %(object)s put on hold"),
    "invoice.paid": _("Invoice %(object)s paid"),
    "invoice.paid_partly": _("Invoice %(object)s partly paid"),
    "invoice.rejected": _("Invoice %(object)s rejected"),
    "invoice.request_approval": _("Invoice %(object)s sent for approval"),
    "invoice.return_to_draft": _("Invoice %(object)s back to draft"),
    "invoice.submit": _("Invoice %(object)s submitted"),
    "invoice.update": _("Invoice %(object)s edited"),
    "membership.grant": _("Role given to %(object)s"),
    "membership.revoke": _("Role taken from %(object)s"),
    "payment_run.approve": _("Payment run %(object)s approved"),
    "payment_run.cancel": _("Payment run %(object)s cancelled"),
    "payment_run.create": _("Payment run %(object)s created"),
    "payment_run.pay": _("Payment run %(object)s paid"),
    "payment_run.request_approval": _("Payment run %(object)s sent for approval"),
    "product.case_update": _("Case data of %(object)s changed"),
    "promotion.confirm": _("Promotion %(object)s confirmed"),
    "promotion.create": _("Promotion %(object)s created"),
    "promotion.decline": _("Promotion %(object)s declined"),
    "promotion.end": _("Promotion %(object)s ended"),
    "promotion.reopen": _("Promotion %(object)s reopened"),
    "promotion.share": _("Promotion %(object)s shared with the vendor"),
    "promotion.update": _("Promotion %(object)s changed"),
    "promotion_line.delete": _("Promotion line %(object)s removed"),
    "purchase_order.acknowledge": _("Purchase order %(object)s confirmed"),
    "purchase_order.cancel": _("Purchase order %(object)s cancelled"),
    "purchase_order.cancel_unconfirmed": _("Purchase order %(object)s cancelled: not confirmed in time"),
    "purchase_order.change": _("Purchase order %(object)s changed"),
    "purchase_order.create": _("Purchase order %(object)s issued"),
    "purchase_order.receive": _("Goods of purchase order %(object)s received"),
    "purchase_order.receive_taken_back": _("A receipt of purchase order %(object)s taken back"),
    "purchase_order.reminder": _("Reminder about purchase order %(object)s sent"),
    "purchase_order.ship": _("Goods of purchase order %(object)s shipped"),
    "purchase_order_line.change": _("Purchase order line %(object)s changed"),
    "purchase_order_line.confirm": _("Purchase order line %(object)s confirmed"),
    "purchase_order_line.create": _("Purchase order line %(object)s added"),
    "purchase_order_line.invoice": _("Purchase order line %(object)s invoiced"),
    "purchase_order_line.receive": _("Purchase order line %(object)s received"),
    "purchase_order_line.ship": _("Purchase order line %(object)s shipped"),
    "receipt.carton_damaged": _("Carton recorded damaged in receipt %(object)s"),
    "receipt.carton_missing": _("Carton recorded missing in receipt %(object)s"),
    "receipt.carton_unexpected": _("Unexpected carton recorded in receipt %(object)s"),
    "receipt.create": _("Receipt %(object)s posted"),
    "remittance.create": _("Remittance %(object)s created"),
    "remittance.document": _("Remittance advice %(object)s rendered"),
    "remittance.pay": _("Remittance %(object)s paid"),
    "routing_request.create": _("Routing request %(object)s sent"),
    "routing_request.refuse": _("Routing request %(object)s refused"),
    "routing_request.schedule": _("Routing request %(object)s scheduled"),
    "scorecard.refresh": _("Refresh of the current week's scorecard asked for"),
    "ship_from_address.change": _("Ship-from address %(object)s changed"),
    "ship_from_address.create": _("Ship-from address %(object)s added"),
    "ship_from_address.retire": _("Ship-from address %(object)s retired"),
    "shipment.cancel": _("Ship plan %(object)s cancelled"),
    "shipment.cartonize": _("Shipment %(object)s packed into cartons"),
    "shipment.create": _("Ship plan %(object)s created"),
    "shipment.labels_outdate": _("Labels of shipment %(object)s outdated by a change"),
    "shipment.labels_render": _("Labels of shipment %(object)s printed"),
    "shipment.labels_request": _("Labels of shipment %(object)s asked for"),
    "shipment.measure": _("Shipment %(object)s measured"),
    "shipment.packing_list_render": _("Packing list of shipment %(object)s rendered"),
    "shipment.packing_list_request": _("Packing list of shipment %(object)s asked for"),
    "shipment.packing_list_upload": _("Packing list of shipment %(object)s uploaded"),
    "shipment.palletize": _("Shipment %(object)s put on pallets"),
    "shipment.receive": _("Shipment %(object)s received"),
    "shipment.replace": _("ASN %(object)s replaced"),
    "shipment.submit": _("ASN %(object)s submitted"),
    "shipment.update": _("Ship plan %(object)s changed"),
    "shipment_line.change": _("Shipment line %(object)s changed"),
    "shipment_line.create": _("Shipment line %(object)s added"),
    "shipment_line.delete": _("Shipment line %(object)s removed"),
    "sscc_counter.advance": _("SSCC counter %(object)s advanced"),
    "sscc_counter.allocate": _("SSCCs allocated from %(object)s"),
    "transaction.submit": _("Transaction %(object)s submitted"),
    "user.create": _("User %(object)s created"),
    "user.password_change": _("%(object)s changed their password"),
    "user.password_reset": _("%(object)s reset their password"),
    "user.sign_in": _("%(object)s signed in"),
    "user.sign_out": _("%(object)s signed out"),
    "vendor.onboard": _("Vendor %(object)s onboarded"),
    "vendor_account.create": _("Vendor account %(object)s created"),
    "vendor_account.tax_registration_change": _("Tax registration of marketplace account %(object)s changed"),
    "webhook_delivery.resend": _("Webhook delivery %(object)s sent again"),
    "webhook_subscription.change": _("Webhook %(object)s changed"),
    "webhook_subscription.create": _("Webhook %(object)s created"),
    "webhook_subscription.delete": _("Webhook %(object)s deleted"),
    "webhook_subscription.ping": _("Webhook %(object)s pinged"),
    "webhook_subscription.rotate_secret": _("Secret of webhook %(object)s rotated"),
}
# The last word of an action, for a kind without its own sentence yet: still a sentence, never the raw action.
VERBS = {
    "create": _("%(kind)s %(object)s created"),
    "change": _("%(kind)s %(object)s changed"),
    "update": _("%(kind)s %(object)s changed"),
    "delete": _("%(kind)s %(object)s deleted"),
    "cancel": _("%(kind)s %(object)s cancelled"),
    "submit": _("%(kind)s %(object)s submitted"),
    "seed": _("%(kind)s %(object)s loaded with the demo data"),
}
FALLBACK = _("%(kind)s %(object)s recorded")

# Labels of recorded values that are not model fields (or read better than the field's name).
LABELS = {
    "amount": _("Amount"),
    "compliance_event": _("Compliance event"),
    "computed_at": _("Computed at"),
    "credited_amount": _("Price credited"),
    "credited_quantity": _("Units credited"),
    "invoiced_cost": _("Invoiced unit cost"),
    "invoiced_quantity": _("Units invoiced"),
    "line": _("Line"),
    "occurred_at": _("When"),
    "ordered_quantity": _("Units ordered"),
    "over_absolute": _("Over by at most (amount)"),
    "over_amount": _("Over the tolerance by"),
    "over_percent": _("Over by at most (%)"),
    "po_cost": _("PO unit cost"),
    "po_value": _("PO value"),
    "previously_invoiced_quantity": _("Units invoiced before"),
    "price_claim": _("Price claim (PPV)"),
    "price_variance": _("Price variance per unit"),
    "purchase_order": _("Purchase order"),
    "received": _("Received"),
    "received_quantity": _("Units received"),
    "ship_date": _("Ship date"),
    "sscc": _("SSCC"),
    "shipped": _("Shipped"),
    "shipped_quantity": _("Units shipped"),
    "shortage_claim": _("Shortage claim (PQV)"),
    "shortage_units": _("Units short"),
    "submitted_at": _("Submitted at"),
    "tolerance": _("Tolerance"),
    "under_absolute": _("Under by at most (amount)"),
    "under_amount": _("Under the tolerance by"),
    "under_percent": _("Under by at most (%)"),
    "credit_carried_forward": _("Credit carried forward"),
    "currency": _("Currency"),
    "invoice": _("Invoice"),
    "kind": _("Kind"),
    "lines": _("Lines"),
    "net": _("Net"),
    "note": _("Note"),
    "pay_date": _("Pay date"),
    "quantity": _("Quantity"),
    "reason": _("Reason"),
    "reference": _("Reference"),
    "remittances": _("Remittances"),
    "run": _("Payment run"),
    "scopes": _("Scopes"),
    "state": _("State"),
    "status": _("Status"),
    "threshold": _("Approval threshold"),
    "total": _("Total"),
}

ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DECIMAL = re.compile(r"^-?\d+\.\d+$")
CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass
class Change:
    label: str
    before: str | None  # None: the value was not recorded before (a creation)
    after: str


@dataclass
class Story:
    sentence: str
    changes: list[Change] = field(default_factory=list)


def _model(object_type: str):
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _field(model, key: str):
    if model is None:
        return None
    for name in (key, key.removesuffix("_id")):
        try:
            return model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
    return None


def label_for(key: str, model=None) -> str:
    if key in LABELS:
        return str(LABELS[key])
    model_field = _field(model, key)
    if model_field is not None and getattr(model_field, "verbose_name", None):
        return capfirst(str(model_field.verbose_name))
    return capfirst(gettext(key.removesuffix("_id").replace("_", " ")))


def when(value) -> str:
    """A moment in the reader's format and the portal's time zone, with the zone named."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is None:
        return "—"
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    local = timezone.localtime(value)
    return f"{formats.date_format(local, 'DATETIME_FORMAT')} {local.tzname()}"


def number(value, decimal_pos: int | None = None) -> str:
    return formats.number_format(value, decimal_pos=decimal_pos, use_l10n=True, force_grouping=True)


def money(amount, currency: str = "") -> str:
    if amount is None or amount == "":
        return "—"
    return f"{number(Decimal(str(amount)), 2)} {currency}".strip()


def _is_currency_map(value: dict) -> bool:
    return bool(value) and all(isinstance(k, str) and CURRENCY.match(k) for k in value)


def value_text(value, *, key: str = "", model=None, currency: str = "") -> str:
    """One recorded value as a person reads it."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    model_field = _field(model, key) if key else None
    choices = dict(model_field.flatchoices) if model_field is not None and getattr(model_field, "choices", None) else None
    if choices and not isinstance(value, (list, dict)) and value in choices:
        return str(choices[value])
    if isinstance(value, dict):
        if _is_currency_map(value):
            return ", ".join(money(amount, code) for code, amount in sorted(value.items()))
        inner_currency = value.get("currency", currency) if isinstance(value.get("currency", currency), str) else currency
        return "; ".join(
            f"{label_for(k, model)}: {value_text(v, key=k, model=model, currency=inner_currency)}" for k, v in value.items() if k != "currency"
        )
    if isinstance(value, (list, tuple)):
        return "; ".join(value_text(item, key=key, model=model, currency=currency) for item in value) or "—"
    if isinstance(value, int):
        if key == "id" or key.endswith("_id"):
            return f"#{value}"
        return number(value)
    if isinstance(value, (float, Decimal)):
        return number(value)
    text = str(value)
    if ISO_DATETIME.match(text) and parse_datetime(text) is not None:
        return when(text)
    if ISO_DATE.match(text) and parse_date(text) is not None:
        return formats.date_format(parse_date(text), "DATE_FORMAT")
    if DECIMAL.match(text):
        try:
            amount = Decimal(text)
        except InvalidOperation:
            return text
        if currency and CURRENCY.match(currency):
            return money(amount, currency)
        return number(amount, max(len(text.split(".")[1].rstrip("0")), 0) or None)
    return text


def labelled_values(payload: dict | None, model=None) -> list[tuple[str, str]]:
    """A recorded dict (evidence, an approval's request) as (label, value) pairs, money with its currency."""
    payload = payload or {}
    currency = payload.get("currency", "")
    currency = currency if isinstance(currency, str) else ""
    return [
        (label_for(key, model), value_text(value, key=key, model=model, currency=currency))
        for key, value in payload.items()
        if not (key == "currency" and currency) and not key.endswith("_url") and key != "id" and not key.endswith("_id")
    ]


def _sentence(event) -> str:
    values = {"object": event.object_repr}
    template = SENTENCES.get(event.action)
    if template is None:
        model = _model(event.object_type)
        values["kind"] = capfirst(str(model._meta.verbose_name)) if model is not None else ""
        template = VERBS.get(event.action.rpartition(".")[2], FALLBACK)
    return (str(template) % values).strip()


def audit_story(event) -> Story:
    model = _model(event.object_type)
    before, after = event.before or {}, event.after or {}
    currency = after.get("currency") or before.get("currency") or ""
    currency = currency if isinstance(currency, str) else ""
    changes = []
    for key, old, new in event.changes():
        changes.append(
            Change(
                label=label_for(key, model),
                before=value_text(old, key=key, model=model, currency=currency) if event.before is not None else None,
                after=value_text(new, key=key, model=model, currency=currency),
            )
        )
    return Story(sentence=_sentence(event), changes=changes)
