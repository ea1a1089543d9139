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

from purchase_orders.models import PurchaseOrderState
from reconciliation.models import marketplace_today
from scorecards.services.weeks import scorecard_open_weeks_cached
from shipments.models import Shipment, ShipmentState
from vendor_portal.models import Marketplace, Vendor
from vendor_portal.money import ZERO
from vendor_portal.roles import Role
from vendor_portal.services.notifications import notify_vendor_roles

from .. import measures
from ..models import ForecastAlert, Measure, RateCard, ViolationKind
from .evaluation import breaks, fee_for, week_fees
from .waivers import OPEN_ITEMS, OpenItem, WaiverProjection, open_shipments, rate_projection, waiver_projection

ON_TRACK, AT_RISK, CHARGING, WAIVED = "on_track", "at_risk", "charging", "waived"
STATUS_LABELS = {
    ON_TRACK: gettext_lazy("On track"),
    AT_RISK: gettext_lazy("At risk: avoidable"),
    CHARGING: gettext_lazy("A fee is coming"),
    WAIVED: gettext_lazy("Waived"),
}
VERB_LABELS = {
    "ship": gettext_lazy("Ship"),
    "confirm": gettext_lazy("Confirm in full"),
    "submit_asn": gettext_lazy("Submit the ASN"),
    "deliver": gettext_lazy("Deliver in full"),
    "confirm_on_time": gettext_lazy("Confirm"),
    "arrive": gettext_lazy("Arrive in the booked slot"),
    "deliver_as_asn": gettext_lazy("Deliver as the ASN says"),
    "deliver_labelled": gettext_lazy("Deliver every carton with a readable label"),
}


@dataclass
class Action:
    verb: str  # "ship", "confirm", "submit_asn"
    due: datetime.date
    units: int  # cartons, for deliver_labelled
    purchase_order_id: int | None = None
    purchase_order_number: str = ""
    shipment_id: int | None = None
    shipment_identifier: str = ""
    fee: Decimal = ZERO  # what this one avoids by itself
    appointment_id: int | None = None

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
    waivers: list[WaiverProjection] = field(default_factory=list)  # each waiver's trailing rate at the week's end

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
        if verb == "deliver_labelled" and all(action.verb == verb for action in self.actions):
            # Label compliance counts cartons: say how many, not how many shipments hold them.
            count = values["count"] = sum(action.units for action in self.actions)
            return _labelled_summary(count, keep_waiver=self.keeps_waiver) % values
        if self.keeps_waiver:
            verbs = {action.verb for action in self.actions}
            count = len({(a.purchase_order_id, a.shipment_id, a.appointment_id) for a in self.actions})
            values["count"] = count
            return _keep_waiver_summary(verbs.pop() if len(verbs) == 1 else "", count) % values
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
        if verb in ("deliver", "confirm_on_time", "arrive", "deliver_as_asn"):
            return _avoid_fee_summary(verb, count) % values
        return ngettext("%(count)s PO must ship by %(day)s to avoid the fee.", "%(count)s POs must ship by %(day)s to avoid the fee.", count) % values


def _avoid_fee_summary(verb: str, count: int) -> str:
    if verb == "deliver":
        return ngettext(
            "%(count)s PO line must arrive in full by %(day)s to avoid the fee.",
            "%(count)s PO lines must arrive in full by %(day)s to avoid the fee.",
            count,
        )
    if verb == "confirm_on_time":
        return ngettext(
            "%(count)s PO must be confirmed by %(day)s to avoid the fee.", "%(count)s POs must be confirmed by %(day)s to avoid the fee.", count
        )
    if verb == "arrive":
        return ngettext(
            "%(count)s truck must arrive in its booked slot by %(day)s to avoid the fee.",
            "%(count)s trucks must arrive in their booked slots by %(day)s to avoid the fee.",
            count,
        )
    return ngettext(
        "%(count)s shipment must arrive as its ASN says by %(day)s to avoid the fee.",
        "%(count)s shipments must arrive as their ASNs say by %(day)s to avoid the fee.",
        count,
    )


def _labelled_summary(count: int, *, keep_waiver: bool) -> str:
    if keep_waiver:
        return ngettext(
            "%(count)s carton must arrive with a readable label by %(day)s to keep the waiver.",
            "%(count)s cartons must arrive with readable labels by %(day)s to keep the waiver.",
            count,
        )
    return ngettext(
        "%(count)s carton must arrive with a readable label by %(day)s to avoid the fee.",
        "%(count)s cartons must arrive with readable labels by %(day)s to avoid the fee.",
        count,
    )


def _keep_waiver_summary(verb: str, count: int) -> str:
    if verb == "ship":
        return ngettext("%(count)s PO must ship by %(day)s to keep the waiver.", "%(count)s POs must ship by %(day)s to keep the waiver.", count)
    if verb == "deliver":
        return ngettext(
            "%(count)s PO must arrive in full by %(day)s to keep the waiver.",
            "%(count)s POs must arrive in full by %(day)s to keep the waiver.",
            count,
        )
    if verb == "confirm":
        return ngettext(
            "%(count)s PO must be confirmed in full by %(day)s to keep the waiver.",
            "%(count)s POs must be confirmed in full by %(day)s to keep the waiver.",
            count,
        )
    if verb == "confirm_on_time":
        return ngettext(
            "%(count)s PO must be confirmed by %(day)s to keep the waiver.", "%(count)s POs must be confirmed by %(day)s to keep the waiver.", count
        )
    if verb == "arrive":
        return ngettext(
            "%(count)s truck must arrive in its booked slot by %(day)s to keep the waiver.",
            "%(count)s trucks must arrive in their booked slots by %(day)s to keep the waiver.",
            count,
        )
    if verb == "deliver_as_asn":
        return ngettext(
            "%(count)s shipment must arrive as its ASN says by %(day)s to keep the waiver.",
            "%(count)s shipments must arrive as their ASNs say by %(day)s to keep the waiver.",
            count,
        )
    return ngettext(
        "%(count)s action must be done by %(day)s to keep the waiver.", "%(count)s actions must be done by %(day)s to keep the waiver.", count
    )


def _late_shipment_forecast(rule, vendor, marketplace, week, today) -> Forecast:
    start, end = measures.window(week, rule.trailing_weeks)
    on_time, shipped = measures.on_time_counts(vendor, marketplace, start, end)
    pending = open_shipments(vendor, marketplace, start, end)
    worst = measures.ratio(on_time, shipped + sum(p.units for p in pending))
    in_week = [p for p in pending if week <= p.due < week + measures.WEEK]
    late_so_far = measures.violations(rule.violation, vendor=vendor, marketplace=marketplace, week=week)
    forecast = Forecast(marketplace, rule, week, ON_TRACK, worst, ZERO, rule.rate_card.currency)
    if not breaks(rule, worst):
        return forecast
    all_late = late_so_far + [p.violation for p in in_week]
    forecast.expected_fee = sum((f for _v, f in week_fees(rule, all_late)), ZERO)
    avoidable = [p for p in in_week if p.due >= today]
    forecast.status = AT_RISK if avoidable else CHARGING
    forecast.actions = [_item_action(rule, p) for p in sorted(avoidable, key=lambda p: p.due)]
    return forecast


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


def _item_action(rule, item: OpenItem) -> Action:
    fee = fee_for(rule, item.violation) if item.violation is not None and item.violation_kind == rule.violation else ZERO
    return Action(
        item.verb,
        item.due,
        item.units,
        item.purchase_order_id,
        item.purchase_order_number,
        item.shipment_id,
        item.shipment_identifier,
        fee=fee,
        appointment_id=item.appointment_id,
    )


def _with_waivers(forecast: Forecast, rule, vendor, marketplace, week, today) -> Forecast:
    """A fee on course, and the rule has waivers: where each waiver's trailing rate will stand at the week's end.
    One that holds even if nothing more is done in time waives the fee; else the one kept with the fewest
    actions gives them (`keeps_waiver`): doing them avoids the whole fee, not only their own."""
    waivers = list(rule.waivers.all())
    if forecast.status not in (AT_RISK, CHARGING) or not waivers:
        return forecast
    forecast.waivers = [
        waiver_projection(waiver, vendor=vendor, marketplace=marketplace, week=week, today=today, violation=rule.violation) for waiver in waivers
    ]
    if any(projection.holds_if_not for projection in forecast.waivers):
        forecast.status, forecast.expected_fee, forecast.actions = WAIVED, ZERO, []
        return forecast
    keepable = [projection for projection in forecast.waivers if projection.keepable]
    if keepable:
        best = min(keepable, key=lambda projection: len(projection.needed))
        forecast.status, forecast.keeps_waiver = AT_RISK, True
        forecast.actions = [_item_action(rule, item) for item in best.needed]
    return forecast


def _rate_forecast(rule, vendor, marketplace, week, today) -> Forecast:
    """A rule judged on a rate with no forecaster of its own (OTIF, ASN accuracy, appointment adherence...): the
    rate over the rule's window at the week's end if the open items due are not done in time. Breaking then, the
    fee is the week's violations so far (an open OTIF line counts as missed until it arrives); the items still
    doable this week are the actions (each avoids its own fee when it is the rule's kind of violation)."""
    start, end = measures.window(week, rule.trailing_weeks)
    rate = rate_projection(rule.measure, vendor=vendor, marketplace=marketplace, start=start, end=end, today=today)
    forecast = Forecast(marketplace, rule, week, ON_TRACK, rate.value_if_not, ZERO, rule.rate_card.currency)
    if not breaks(rule, rate.value_if_not):
        return forecast
    worst = measures.violations(rule.violation, vendor=vendor, marketplace=marketplace, week=week)
    known = {violation.key for violation in worst}
    worst += [
        item.violation
        for item in rate.items
        if item.violation is not None and item.violation_kind == rule.violation and item.violation.key not in known
    ]
    forecast.expected_fee = sum((f for _v, f in week_fees(rule, worst)), ZERO)
    doable = [item for item in rate.doable if week <= item.due < week + measures.WEEK]
    forecast.status = AT_RISK if doable else CHARGING
    forecast.actions = [_item_action(rule, item) for item in doable]
    return forecast


# The label rule is judged as it stands (its faults are the cartons the DC reported), even though its measure has
# open items: those are for waivers on label compliance, projected in cartons.
FORECASTERS = {
    ViolationKind.LATE_SHIPMENT: _late_shipment_forecast,
    ViolationKind.NOT_FILLED: _not_filled_forecast,
    ViolationKind.LABEL: _event_forecast,
}


def vendor_forecast(*, vendor, marketplaces, today: datetime.date | None = None) -> list[Forecast]:
    with scorecard_open_weeks_cached():
        return _vendor_forecast(vendor=vendor, marketplaces=marketplaces, today=today)


def _vendor_forecast(*, vendor, marketplaces, today: datetime.date | None = None) -> list[Forecast]:
    forecasts = []
    for marketplace in marketplaces:
        day = today or marketplace_today(marketplace)
        current = measures.week_start(day)
        for week in (current, current + measures.WEEK):
            card = RateCard.objects.in_force(marketplace, week)
            if card is None:
                continue
            for rule in card.rules.select_related("rate_card").prefetch_related("waivers"):
                forecaster = FORECASTERS.get(ViolationKind(rule.violation))
                if forecaster is None:
                    forecaster = _rate_forecast if rule.measure in OPEN_ITEMS else _event_forecast
                forecasts.append(_with_waivers(forecaster(rule, vendor, marketplace, week, day), rule, vendor, marketplace, week, day))
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
