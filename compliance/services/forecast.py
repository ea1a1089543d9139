"""The fines forecast: for the current week and the next, which rules the vendor is on course to break, the
fee expected, and what would avoid it (the POs to ship or confirm, by which day).

The projection is the worst case of what is still open: units promised for the week and not yet shipped count
as late, POs not yet confirmed count as not filled. A rule is `at_risk` when that worst case charges a fee
someone can still avoid (a PO whose date has not passed); `charging` when the fee can no longer be avoided.

- `compliance_forecast(*, scope, today=None)`: a list of `Forecast` (one per marketplace, rule and week).
- `forecast_alerts_send(*, today=None)`: tells each vendor's ops and admins once per rule and week that a rule
  is at risk (the beat job).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from purchase_orders.models import PurchaseOrderLine, PurchaseOrderState
from reconciliation.models import marketplace_today
from shipments.models import Shipment, ShipmentState
from vendor_portal.models import Marketplace, Vendor
from vendor_portal.money import ZERO
from vendor_portal.roles import Role
from vendor_portal.services.notifications import notify_vendor_roles

from .. import measures
from ..models import Comparison, ForecastAlert, Measure, RateCard, ViolationKind
from .evaluation import breaks, fee_for, week_fees

ON_TRACK, AT_RISK, CHARGING, WAIVED = "on_track", "at_risk", "charging", "waived"
STATUS_LABELS = {
    ON_TRACK: gettext_lazy("On track"),
    AT_RISK: gettext_lazy("At risk: avoidable"),
    CHARGING: gettext_lazy("A fee is coming"),
    WAIVED: gettext_lazy("Waived"),
}
VERB_LABELS = {"ship": gettext_lazy("Ship"), "confirm": gettext_lazy("Confirm in full"), "submit_asn": gettext_lazy("Submit the ASN")}
OPEN_TO_SHIP = (PurchaseOrderState.ACKNOWLEDGED, PurchaseOrderState.PARTIALLY_SHIPPED)


@dataclass
class Action:
    verb: str  # "ship", "confirm", "submit_asn"
    due: datetime.date
    units: int
    purchase_order_id: int | None = None
    purchase_order_number: str = ""
    shipment_id: int | None = None
    shipment_identifier: str = ""
    fee: Decimal = ZERO  # what this one avoids by itself

    @property
    def verb_label(self) -> str:
        return str(VERB_LABELS[self.verb])


@dataclass
class Forecast:
    marketplace: object
    rule: object
    week: datetime.date
    status: str
    value: Decimal | None
    expected_fee: Decimal
    currency: str
    actions: list[Action] = field(default_factory=list)
    keeps_waiver: bool = False  # the actions keep a waiver (not only their own fees)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def summary(self) -> str:
        if self.status in (ON_TRACK, WAIVED) or not self.actions:
            return ""
        last = max(action.due for action in self.actions)
        count = len(self.actions)
        values = {"count": count, "day": date_format(last, "l j F")}
        verb = self.actions[0].verb
        if self.keeps_waiver:
            return (
                ngettext("%(count)s PO must ship by %(day)s to keep the waiver.", "%(count)s POs must ship by %(day)s to keep the waiver.", count)
                % values
            )
        if verb == "confirm":
            return (
                ngettext(
                    "%(count)s PO must be confirmed in full by %(day)s to avoid the fee.",
                    "%(count)s POs must be confirmed in full by %(day)s to avoid the fee.",
                    count,
                )
                % values
            )
        if verb == "submit_asn":
            return (
                ngettext(
                    "%(count)s ASN must be submitted by %(day)s to avoid the fee.",
                    "%(count)s ASNs must be submitted by %(day)s to avoid the fee.",
                    count,
                )
                % values
            )
        return ngettext("%(count)s PO must ship by %(day)s to avoid the fee.", "%(count)s POs must ship by %(day)s to avoid the fee.", count) % values


@dataclass
class _Pending:
    line: object  # PurchaseOrderLine
    promised: datetime.date
    units: int

    def violation(self) -> measures.Violation:
        order = self.line.purchase_order
        return measures.Violation(
            key=f"po_line:{self.line.pk}",
            units=self.units,
            cost_of_goods=self.units * self.line.net_cost,
            purchase_order_id=order.pk,
            purchase_order_number=order.number,
        )


def _pending_shipments(vendor, marketplace, start, end) -> list[_Pending]:
    """Accepted units not yet on an ASN of POs whose promised ship date falls in [start, end)."""
    pending = []
    lines = (
        PurchaseOrderLine.objects.for_vendor(vendor)
        .filter(purchase_order__marketplace=marketplace, purchase_order__state__in=OPEN_TO_SHIP)
        .select_related("purchase_order__marketplace")
        .order_by("purchase_order__number", "sequence")
    )
    for line in lines:
        units = line.accepted_quantity - line.shipped_quantity
        promised = measures.promised_ship_date(line.purchase_order)
        if units > 0 and start <= promised < end:
            pending.append(_Pending(line=line, promised=promised, units=units))
    return pending


def _late_shipment_forecast(rule, vendor, marketplace, week, today) -> Forecast:
    start, end = measures.window(week, rule.trailing_weeks)
    on_time, shipped = measures.on_time_counts(vendor, marketplace, start, end)
    pending = _pending_shipments(vendor, marketplace, start, end)
    worst = measures.ratio(on_time, shipped + sum(p.units for p in pending))
    in_week = [p for p in pending if week <= p.promised < week + measures.WEEK]
    late_so_far = measures.violations(rule.violation, vendor=vendor, marketplace=marketplace, week=week)
    forecast = Forecast(marketplace, rule, week, ON_TRACK, worst, ZERO, rule.rate_card.currency)
    if not breaks(rule, worst):
        return forecast
    all_late = late_so_far + [p.violation() for p in in_week]
    fee = sum((f for _v, f in week_fees(rule, all_late)), ZERO)
    avoidable = [p for p in in_week if p.promised >= today]
    waivers = [w for w in rule.waivers.all() if w.measure == Measure.ON_TIME_RATE]
    for waiver in waivers:
        w_start, w_end = measures.window(week, waiver.trailing_weeks)
        w_on_time, w_shipped = measures.on_time_counts(vendor, marketplace, w_start, w_end)
        w_pending = [p for p in _pending_shipments(vendor, marketplace, w_start, w_end) if p.promised < w_end]
        total = w_shipped + sum(p.units for p in w_pending)
        comparison = Comparison(waiver.comparison)
        if (value := measures.ratio(w_on_time, total)) is not None and comparison.holds(value, waiver.threshold):
            forecast.status = WAIVED
            return forecast
        # The fewest POs that keep the waiver: the biggest open quantities shipped on time first.
        chosen, kept = [], w_on_time
        for item in sorted((p for p in w_pending if p.promised >= today), key=lambda p: (-p.units, p.promised)):
            chosen.append(item)
            kept += item.units
            if comparison.holds(measures.ratio(kept, total), waiver.threshold):
                forecast.status, forecast.expected_fee, forecast.keeps_waiver = AT_RISK, fee, True
                forecast.actions = [_ship_action(rule, p) for p in sorted(chosen, key=lambda p: p.promised)]
                return forecast
    forecast.expected_fee = fee
    forecast.status = AT_RISK if avoidable else CHARGING
    forecast.actions = [_ship_action(rule, p) for p in sorted(avoidable, key=lambda p: p.promised)]
    return forecast


def _ship_action(rule, pending: _Pending) -> Action:
    order = pending.line.purchase_order
    return Action("ship", pending.promised, pending.units, order.pk, order.number, fee=fee_for(rule, pending.violation()))


def _not_filled_forecast(rule, vendor, marketplace, week, today) -> Forecast:
    worst = measures.violations(rule.violation, vendor=vendor, marketplace=marketplace, week=week)
    forecast = Forecast(marketplace, rule, week, ON_TRACK, None, ZERO, rule.rate_card.currency)
    for line in measures.due_lines(vendor, marketplace, week, week + measures.WEEK):
        if line.purchase_order.state != PurchaseOrderState.NEW:
            continue
        order, units = line.purchase_order, line.ordered_quantity - line.cancelled_quantity
        violation = measures.Violation(f"po_line:{line.pk}", units, units * line.net_cost, order.pk, order.number)
        worst.append(violation)
        due = measures.local_date(marketplace, order.confirmation_due_at)
        if due >= today:
            forecast.actions.append(Action("confirm", due, units, order.pk, order.number, fee=fee_for(rule, violation)))
    if rule.measure == Measure.VIOLATIONS:
        forecast.value = Decimal(len(worst))
    else:  # unconfirmed lines have nothing accepted yet: the measure is already their worst case
        start, end = measures.window(week, rule.trailing_weeks)
        forecast.value = measures.measure_value(rule.measure, vendor=vendor, marketplace=marketplace, start=start, end=end, violation=rule.violation)
    if not breaks(rule, forecast.value) or not worst:
        forecast.actions = []
        return forecast
    forecast.expected_fee = sum((f for _v, f in week_fees(rule, worst)), ZERO)
    forecast.status = AT_RISK if forecast.actions else CHARGING
    return forecast


def _event_forecast(rule, vendor, marketplace, week, today) -> Forecast:
    so_far = measures.violations(rule.violation, vendor=vendor, marketplace=marketplace, week=week)
    forecast = Forecast(marketplace, rule, week, ON_TRACK, Decimal(len(so_far)), ZERO, rule.rate_card.currency)
    if rule.measure != Measure.VIOLATIONS:
        # A rate (label compliance): what was recorded so far is all there is to avoid; judged as it stands.
        start, end = measures.window(week, rule.trailing_weeks)
        forecast.value = measures.measure_value(rule.measure, vendor=vendor, marketplace=marketplace, start=start, end=end, violation=rule.violation)
        if breaks(rule, forecast.value) and so_far:
            forecast.expected_fee = sum((f for _v, f in week_fees(rule, so_far)), ZERO)
            forecast.status = CHARGING
        return forecast
    if rule.violation == ViolationKind.ASN_LATE:
        drafts = Shipment.objects.for_vendor(vendor).filter(
            marketplace=marketplace, state=ShipmentState.DRAFT, ship_date__gte=max(week, today), ship_date__lt=week + measures.WEEK
        )
        for shipment in drafts.order_by("ship_date", "pk"):
            violation = measures.Violation(
                f"shipment:{shipment.pk}", 0, ZERO, shipment_id=shipment.pk, shipment_identifier=shipment.shipment_identifier
            )
            forecast.actions.append(
                Action(
                    "submit_asn",
                    shipment.ship_date,
                    0,
                    shipment_id=shipment.pk,
                    shipment_identifier=shipment.shipment_identifier,
                    fee=fee_for(rule, violation),
                )
            )
    if rule.measure == Measure.VIOLATIONS and breaks(rule, forecast.value):
        forecast.expected_fee = sum((f for _v, f in week_fees(rule, so_far)), ZERO)
        forecast.status = CHARGING
    elif rule.measure == Measure.VIOLATIONS and breaks(rule, forecast.value + len(forecast.actions)):
        forecast.status = AT_RISK
        forecast.expected_fee = sum((a.fee for a in forecast.actions), ZERO)
    else:
        forecast.actions = []
    return forecast


FORECASTERS = {ViolationKind.LATE_SHIPMENT: _late_shipment_forecast, ViolationKind.NOT_FILLED: _not_filled_forecast}


def vendor_forecast(*, vendor, marketplaces, today: datetime.date | None = None) -> list[Forecast]:
    forecasts = []
    for marketplace in marketplaces:
        day = today or marketplace_today(marketplace)
        current = measures.week_start(day)
        for week in (current, current + measures.WEEK):
            card = RateCard.objects.in_force(marketplace, week)
            if card is None:
                continue
            for rule in card.rules.select_related("rate_card").prefetch_related("waivers"):
                forecaster = FORECASTERS.get(ViolationKind(rule.violation), _event_forecast)
                forecasts.append(forecaster(rule, vendor, marketplace, week, day))
    return forecasts


def compliance_forecast(*, scope, today: datetime.date | None = None) -> list[Forecast]:
    """The forecast of the scope's vendor, in the marketplaces it sees (nothing for the retailer)."""
    if scope is None or scope.vendor is None:
        return []
    marketplaces = [m for m in Marketplace.objects.order_by("code") if scope.sees_marketplace(m.pk)]
    return vendor_forecast(vendor=scope.vendor, marketplaces=marketplaces, today=today)


def forecast_alerts_send(*, today: datetime.date | None = None) -> int:
    """Once per vendor, rule and week: the rules at risk, with what would avoid the fee."""
    sent = 0
    marketplaces = list(Marketplace.objects.order_by("code"))
    for vendor in Vendor.objects.filter(is_active=True).order_by("pk"):
        for forecast in vendor_forecast(vendor=vendor, marketplaces=marketplaces, today=today):
            if forecast.status != AT_RISK:
                continue
            try:
                with transaction.atomic():
                    ForecastAlert.objects.create(vendor=vendor, rule=forecast.rule, week_start=forecast.week)
                    notify_vendor_roles(
                        vendor=vendor,
                        roles=[Role.VENDOR_OPS, Role.VENDOR_ADMIN],
                        marketplace=forecast.marketplace,
                        kind="compliance_at_risk",
                        title=_("%(rule)s: a fee of %(fee)s %(cur)s is on course for the week of %(week)s")
                        % {
                            "rule": forecast.rule.get_violation_display(),
                            "fee": forecast.expected_fee,
                            "cur": forecast.currency,
                            "week": date_format(forecast.week),
                        },
                        body=forecast.summary,
                        url="/compliance/",
                    )
                    sent += 1
            except IntegrityError:
                continue  # told already this week
    return sent
