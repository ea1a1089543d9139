"""Every write on forecasts and promotions. The screens, the upload, the API and the demo call these.

Forecasts: the buyer publishes weekly numbers per product and marketplace; a publication replaces the
current numbers of the weeks it covers (the old rows stay, marked superseded by it) and is audited as one
event. Promotions: the buyer drafts and shares a deal; the vendor confirms the supply it commits per line,
or declines, before the deal starts; the buyer may cancel.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _

from vendor_portal.errors import DomainValidationError, ForbiddenError, InvalidTransitionError, NotFoundError
from vendor_portal.models import Marketplace, Product, User, Vendor
from vendor_portal.roles import Action, Role
from vendor_portal.services.audit import Actor, audit_record, snapshot
from vendor_portal.services.notifications import notification_send, notify_retailer_roles, notify_vendor_roles

from .models import (
    FORECAST_HORIZON_WEEKS,
    Forecast,
    ForecastPublication,
    ForecastSource,
    Promotion,
    PromotionLine,
    PromotionState,
    PromotionType,
    horizon,
    marketplace_today,
)

MAX_FORECAST_ROWS = 5000
MAX_UNITS = Decimal("9999999999.99")
MAX_PROMOTION_LINES = 200
MAX_EXPECTED_UNITS = 10_000_000
MAX_PRICE = Decimal("9999999999.99")
PROMOTION_AUDITED = [
    "name", "promotion_type", "marketplace_id", "start_date", "end_date", "currency", "buyer_note", "state",
    "decline_reason", "cancel_reason", "confirmation_revision",
]
LINE_AUDITED = ["sequence", "product_id", "promotional_price", "expected_units", "vendor_funding_per_unit", "committed_units", "commitment_note"]
CONFIRMERS = [Role.VENDOR_ADMIN, Role.VENDOR_OPS]
PLANNERS = [Role.BUYER, Role.RETAILER_ADMIN]
AUDIT_LIST_LIMIT = 200  # product/marketplace pairs named in a publication's audit row


def _error(field_name: str | None, message: str, code: str = "invalid") -> dict:
    return {"field": field_name, "message": message, "code": code}


def _require_planner(scope) -> None:
    if scope is None or not scope.is_retailer or not scope.can(Action.MANAGE_PLANNING):
        raise ForbiddenError(_("Only the retailer's buyers publish forecasts and run promotions."))


def _require_confirmer(scope) -> None:
    if scope is None or scope.is_retailer or scope.vendor is None or not scope.can(Action.CONFIRM_PROMOTIONS):
        raise ForbiddenError(_("Your role or token scopes do not allow confirming promotions."))


# Products named by SKU or ASIN ---------------------------------------------------------------------
def _catalogue(vendor, items) -> dict:
    """The vendor's products named by the items (each with vendor_sku and/or asin), by ("sku", x) and ("asin", x)."""
    skus = {item.vendor_sku for item in items if item.vendor_sku}
    asins = {item.asin.upper() for item in items if item.asin}
    products = {}
    if skus or asins:
        for product in Product.objects.filter(vendor=vendor).filter(Q(vendor_sku__in=skus) | Q(asin__in=asins)):
            products[("sku", product.vendor_sku)] = product
            products[("asin", product.asin)] = product
    return products


def _resolve_product(products: dict, item, where: str, vendor, errors: list):
    if not item.vendor_sku and not item.asin:
        errors.append(_error(f"{where}.vendor_sku", _("Give the vendor SKU or the ASIN."), "required"))
        return None
    by_sku = products.get(("sku", item.vendor_sku)) if item.vendor_sku else None
    by_asin = products.get(("asin", item.asin.upper())) if item.asin else None
    if item.vendor_sku and by_sku is None:
        errors.append(_error(f"{where}.vendor_sku", _("No product %(id)s in %(vendor)s's catalogue.") % {"id": item.vendor_sku, "vendor": vendor.code}, "unknown_product"))
        return None
    if item.asin and by_asin is None:
        errors.append(_error(f"{where}.asin", _("No product %(id)s in %(vendor)s's catalogue.") % {"id": item.asin, "vendor": vendor.code}, "unknown_product"))
        return None
    if by_sku is not None and by_asin is not None and by_sku.pk != by_asin.pk:
        errors.append(_error(f"{where}.asin", _("ASIN %(asin)s is not the product of SKU %(sku)s.") % {"asin": item.asin, "sku": item.vendor_sku}, "product_mismatch"))
        return None
    return by_sku or by_asin


def _amount_errors(value, where: str, *, maximum: Decimal, label: str) -> list[dict]:
    if value is None:
        return [_error(where, _("%(label)s is required.") % {"label": label}, "required")]
    if not isinstance(value, Decimal) or not value.is_finite():
        return [_error(where, _("%(label)s must be a number.") % {"label": label})]
    if value < 0:
        return [_error(where, _("%(label)s cannot be negative.") % {"label": label}, "min_value")]
    if value > maximum:
        return [_error(where, _("%(label)s is at most %(max)s.") % {"label": label, "max": maximum}, "max_value")]
    if value.as_tuple().exponent < -2:
        return [_error(where, _("%(label)s has more than 2 decimal places.") % {"label": label}, "max_decimal_places")]
    return []


# Forecasts ------------------------------------------------------------------------------------------
@dataclass
class ForecastRow:
    """One week of one product in one marketplace, as a buyer sends it."""

    marketplace: str
    week_start: datetime.date | None
    mean: Decimal | None
    p70: Decimal | None
    p80: Decimal | None
    p90: Decimal | None
    vendor_sku: str = ""
    asin: str = ""


@dataclass
class CheckedForecast:
    product: Product
    marketplace: Marketplace
    week_start: datetime.date
    mean: Decimal
    p70: Decimal
    p80: Decimal
    p90: Decimal

    @property
    def key(self) -> tuple:
        return (self.product.pk, self.marketplace.pk, self.week_start)


@dataclass
class ForecastCheck:
    rows: list[CheckedForecast] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    replaced_count: int = 0

    @property
    def new_count(self) -> int:
        return len(self.rows) - self.replaced_count


def forecast_check(*, vendor, rows: list[ForecastRow], now=None) -> ForecastCheck:
    """Check a publication without saving: every problem, each naming its row (`forecasts[i].field`)."""
    result = ForecastCheck()
    errors = result.errors
    if not rows:
        errors.append(_error("forecasts", _("Send at least one forecast row."), "required"))
        return result
    if len(rows) > MAX_FORECAST_ROWS:
        errors.append(_error("forecasts", _("At most %(max)s rows per publication; split it.") % {"max": MAX_FORECAST_ROWS}, "max_length"))
        return result
    marketplaces = {m.code.upper(): m for m in Marketplace.objects.all()}
    horizons = {code: horizon(marketplace, now) for code, marketplace in marketplaces.items()}
    products = _catalogue(vendor, rows)
    seen: dict[tuple, int] = {}
    for index, row in enumerate(rows):
        where = f"forecasts[{index}]"
        problems = len(errors)
        product = _resolve_product(products, row, where, vendor, errors)
        marketplace = marketplaces.get((row.marketplace or "").strip().upper())
        if marketplace is None:
            errors.append(_error(f"{where}.marketplace", _("Unknown marketplace '%(code)s'.") % {"code": row.marketplace or ""}, "unknown_marketplace"))
        if row.week_start is None:
            errors.append(_error(f"{where}.week_start", _("The week's start date is required."), "required"))
        elif row.week_start.weekday() != 0:
            errors.append(_error(f"{where}.week_start", _("%(day)s is a %(weekday)s: weeks start on a Monday.") % {
                "day": row.week_start.isoformat(), "weekday": WEEKDAYS[row.week_start.weekday()]}, "not_monday"))
        elif marketplace is not None:
            first, last = horizons[marketplace.code.upper()]
            if not first <= row.week_start <= last:
                errors.append(_error(f"{where}.week_start", _(
                    "Week %(week)s is outside the forecast horizon of %(mp)s: %(first)s to %(last)s (%(n)s weeks from this week)."
                ) % {"week": row.week_start.isoformat(), "mp": marketplace.code, "first": first.isoformat(), "last": last.isoformat(), "n": FORECAST_HORIZON_WEEKS}, "outside_horizon"))
        for name, label in (("mean", _("Mean")), ("p70", "P70"), ("p80", "P80"), ("p90", "P90")):
            errors.extend(_amount_errors(getattr(row, name), f"{where}.{name}", maximum=MAX_UNITS, label=label))
        if len(errors) > problems:
            continue
        if not row.p70 <= row.p80 <= row.p90:
            errors.append(_error(f"{where}.p80" if row.p70 > row.p80 else f"{where}.p90", _(
                "The percentiles must not decrease: P70 %(p70)s ≤ P80 %(p80)s ≤ P90 %(p90)s."
            ) % {"p70": row.p70, "p80": row.p80, "p90": row.p90}, "percentiles_order"))
            continue
        checked = CheckedForecast(product, marketplace, row.week_start, row.mean, row.p70, row.p80, row.p90)
        if checked.key in seen:
            errors.append(_error(f"{where}.week_start", _("Row %(other)s already gives %(sku)s in %(mp)s for the week of %(week)s.") % {
                "other": seen[checked.key] + 1, "sku": product.vendor_sku, "mp": marketplace.code, "week": row.week_start.isoformat()}, "duplicate"))
            continue
        seen[checked.key] = index
        result.rows.append(checked)
    if not errors:
        result.replaced_count = len(_current_rows(vendor, result.rows))
    return result


def _current_rows(vendor, rows: list[CheckedForecast]) -> list[int]:
    """Ids of the current forecasts these rows replace."""
    if not rows:
        return []
    keys = {row.key for row in rows}
    candidates = Forecast.objects.current().filter(
        vendor=vendor,
        product_id__in={key[0] for key in keys},
        marketplace_id__in={key[1] for key in keys},
        week_start__in={key[2] for key in keys},
    ).values_list("pk", "product_id", "marketplace_id", "week_start")
    return [pk for pk, product_id, marketplace_id, week in candidates if (product_id, marketplace_id, week) in keys]


def forecast_dry_run(*, scope, vendor, rows: list[ForecastRow], now=None) -> ForecastCheck:
    """What a publication would do (rows, new and replaced weeks), or every error; nothing is saved."""
    _require_planner(scope)
    checked = forecast_check(vendor=vendor, rows=rows, now=now)
    if checked.errors:
        raise DomainValidationError(_("The forecasts have errors; nothing would be published."), errors=checked.errors)
    return checked


def forecast_publish(*, scope, vendor, rows: list[ForecastRow], actor: Actor, source: str = ForecastSource.API, file_name: str = "", now=None) -> ForecastPublication:
    """Publish a vendor's forecasts: all rows or none. Weeks already forecast get the new numbers; the
    earlier rows are kept, superseded by this publication."""
    _require_planner(scope)
    with transaction.atomic():
        # One publication at a time per vendor: the replaced rows and the version number stay exact.
        vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
        checked = forecast_check(vendor=vendor, rows=rows, now=now)
        if checked.errors:
            raise DomainValidationError(_("The forecasts have errors; nothing was published."), errors=checked.errors)
        replaced = _current_rows(vendor, checked.rows)
        published_at = timezone.now()
        weeks = [row.week_start for row in checked.rows]
        version = (ForecastPublication.objects.filter(vendor=vendor).aggregate(v=Max("version"))["v"] or 0) + 1
        publication = ForecastPublication.objects.create(
            vendor=vendor, version=version, source=source, file_name=file_name[:200], published_at=published_at,
            published_by=actor.user, published_by_label=actor.label, row_count=len(checked.rows),
            new_count=len(checked.rows) - len(replaced), replaced_count=len(replaced), week_from=min(weeks), week_to=max(weeks),
        )
        Forecast.objects.filter(pk__in=replaced).update(superseded_by=publication)
        Forecast.objects.bulk_create(
            [
                Forecast(
                    vendor=vendor, product=row.product, marketplace=row.marketplace, week_start=row.week_start, mean=row.mean,
                    p70=row.p70, p80=row.p80, p90=row.p90, publication=publication, published_at=published_at,
                )
                for row in checked.rows
            ],
            batch_size=1000,
        )
        pairs = sorted({(row.product.vendor_sku, row.marketplace.code) for row in checked.rows})
        marketplaces = sorted({row.marketplace.code for row in checked.rows})
        audit_record(
            actor=actor, action="forecast.publish", obj=publication,
            after={
                **snapshot(publication, ["version", "source", "file_name", "row_count", "new_count", "replaced_count", "week_from", "week_to"]),
                "marketplaces": marketplaces,
                "products": [f"{sku}/{mp}" for sku, mp in pairs[:AUDIT_LIST_LIMIT]],
            },
        )
        single_marketplace = next(row.marketplace for row in checked.rows) if len(marketplaces) == 1 else None
        notify_vendor_roles(
            vendor=vendor, roles=[Role.VENDOR_ADMIN, Role.VENDOR_OPS], marketplace=single_marketplace, kind="forecast_published",
            title=_("New demand forecast (version %(v)s)") % {"v": version},
            body=_("%(products)s products in %(mps)s, weeks %(first)s to %(last)s.") % {
                "products": len({row.product.pk for row in checked.rows}), "mps": ", ".join(marketplaces),
                "first": publication.week_from.isoformat(), "last": publication.week_to.isoformat()},
            url="/planning/forecasts/",
        )
    return publication


# Promotions -----------------------------------------------------------------------------------------
@dataclass
class PromotionLineInput:
    promotional_price: Decimal | None
    expected_units: int | None
    vendor_funding_per_unit: Decimal | None = Decimal("0.00")
    vendor_sku: str = ""
    asin: str = ""


@dataclass
class PromotionInput:
    vendor: Vendor
    marketplace: Marketplace
    name: str
    promotion_type: str
    start_date: datetime.date | None
    end_date: datetime.date | None
    lines: list[PromotionLineInput]
    buyer_note: str = ""
    currency: str = ""


@dataclass
class LineCommitment:
    """The vendor's answer for one line: the units it commits (0 up to the expected units) and a note."""

    sequence: int
    committed_units: int | None
    note: str = ""


def promotion_validate(data: PromotionInput, *, now=None) -> tuple[list[dict], list[Product | None]]:
    """Every problem of a promotion as the buyer gives it, and the product of each line."""
    errors = []
    name = (data.name or "").strip()
    if not name:
        errors.append(_error("name", _("Give the promotion a name."), "required"))
    elif len(name) > 200:
        errors.append(_error("name", _("A name is at most 200 characters."), "max_length"))
    if data.promotion_type not in PromotionType.values:
        errors.append(_error("promotion_type", _("%(value)s is not one of %(choices)s.") % {"value": data.promotion_type, "choices": ", ".join(PromotionType.values)}, "invalid_choice"))
    if data.currency and data.currency.upper() != data.marketplace.currency:
        errors.append(_error("currency", _("Prices in %(mp)s are in %(currency)s.") % {"mp": data.marketplace.code, "currency": data.marketplace.currency}))
    today = marketplace_today(data.marketplace, now)
    if data.start_date is None:
        errors.append(_error("start_date", _("The deal's first day is required."), "required"))
    elif data.start_date <= today:
        errors.append(_error("start_date", _("The deal must start after today (%(today)s in %(mp)s): the vendor confirms before it starts.") % {"today": today.isoformat(), "mp": data.marketplace.code}))
    elif data.start_date > today + datetime.timedelta(days=366):
        errors.append(_error("start_date", _("The deal must start within a year.")))
    if data.end_date is None:
        errors.append(_error("end_date", _("The deal's last day is required."), "required"))
    elif data.start_date is not None and data.end_date < data.start_date:
        errors.append(_error("end_date", _("The deal ends before it starts.")))
    elif data.start_date is not None and (data.end_date - data.start_date).days > 92:
        errors.append(_error("end_date", _("A deal runs at most 93 days.")))
    if not data.lines:
        errors.append(_error("lines", _("A promotion needs at least one product."), "required"))
    elif len(data.lines) > MAX_PROMOTION_LINES:
        errors.append(_error("lines", _("At most %(max)s products per promotion.") % {"max": MAX_PROMOTION_LINES}, "max_length"))
    products = _catalogue(data.vendor, data.lines)
    resolved: list[Product | None] = []
    seen = {}
    for index, line in enumerate(data.lines[:MAX_PROMOTION_LINES]):
        where = f"lines[{index}]"
        product = _resolve_product(products, line, where, data.vendor, errors)
        if product is not None and product.pk in seen:
            errors.append(_error(f"{where}.vendor_sku", _("%(sku)s is already on line %(n)s.") % {"sku": product.vendor_sku, "n": seen[product.pk] + 1}, "duplicate"))
        elif product is not None:
            seen[product.pk] = index
        resolved.append(product)
        price_errors = _amount_errors(line.promotional_price, f"{where}.promotional_price", maximum=MAX_PRICE, label=_("The promotional price"))
        if not price_errors and line.promotional_price <= 0:
            price_errors = [_error(f"{where}.promotional_price", _("The promotional price must be above zero."), "min_value")]
        errors.extend(price_errors)
        funding_errors = _amount_errors(line.vendor_funding_per_unit, f"{where}.vendor_funding_per_unit", maximum=MAX_PRICE, label=_("The vendor funding"))
        errors.extend(funding_errors)
        if not price_errors and not funding_errors and line.vendor_funding_per_unit > line.promotional_price:
            errors.append(_error(f"{where}.vendor_funding_per_unit", _("The vendor funding per unit cannot exceed the promotional price.")))
        if line.expected_units is None:
            errors.append(_error(f"{where}.expected_units", _("The expected units are required."), "required"))
        elif not 1 <= line.expected_units <= MAX_EXPECTED_UNITS:
            errors.append(_error(f"{where}.expected_units", _("Expect from 1 to %(max)s units.") % {"max": MAX_EXPECTED_UNITS}, "min_value"))
    return errors, resolved


def _promotion_state(promotion: Promotion, lines) -> dict:
    return {**snapshot(promotion, PROMOTION_AUDITED), "lines": [snapshot(line, LINE_AUDITED) for line in lines]}


def _build_lines(promotion: Promotion, data: PromotionInput, products) -> list[PromotionLine]:
    return [
        PromotionLine(
            promotion=promotion, sequence=sequence, product=product, promotional_price=line.promotional_price,
            expected_units=line.expected_units, vendor_funding_per_unit=line.vendor_funding_per_unit,
        )
        for sequence, (line, product) in enumerate(zip(data.lines, products), start=1)
    ]


def _audit_lines(lines, actor: Actor, vendor, action: str, before: dict | None = None) -> None:
    for line in lines:
        audit_record(actor=actor, action=action, obj=line, vendor=vendor, before=(before or {}).get(line.pk), after=snapshot(line, LINE_AUDITED))


def promotion_create(*, scope, data: PromotionInput, actor: Actor, now=None) -> Promotion:
    """The buyer drafts a promotion; the vendor sees it once it is shared."""
    _require_planner(scope)
    errors, products = promotion_validate(data, now=now)
    if errors:
        raise DomainValidationError(_("The promotion has errors; nothing was saved."), errors=errors)
    with transaction.atomic():
        promotion = Promotion.objects.create(
            vendor=data.vendor, marketplace=data.marketplace, name=data.name.strip(), promotion_type=data.promotion_type,
            start_date=data.start_date, end_date=data.end_date, currency=data.marketplace.currency, buyer_note=data.buyer_note.strip(),
            state=PromotionState.DRAFT, state_changed_at=timezone.now(), created_by=actor.user,
        )
        lines = _build_lines(promotion, data, products)
        for line in lines:
            line.save()
        audit_record(actor=actor, action="promotion.create", obj=promotion, after=_promotion_state(promotion, lines))
        _audit_lines(lines, actor, promotion.vendor, "promotion_line.create")
    return promotion


def _locked(scope, promotion_id) -> Promotion:
    """Lock the promotion for a write; another vendor's (or, for a vendor, a draft) is 'not found'."""
    try:
        pk = int(promotion_id)
    except (TypeError, ValueError):
        pk = None
    promotion = None
    if pk is not None:
        promotion = (
            Promotion.objects.visible_to(scope).select_related("vendor", "marketplace").select_for_update(of=("self",)).filter(pk=pk).first()
        )
    if promotion is None:
        raise NotFoundError(_("Promotion not found."))
    return promotion


def _refuse_transition(promotion: Promotion, target: str, message=None):
    if not promotion.can_transition_to(target):
        raise InvalidTransitionError(message or _("Promotion %(name)s is %(state)s and cannot become %(target)s.") % {
            "name": promotion.name, "state": promotion.get_state_display().lower(), "target": PromotionState(target).label.lower()})


def _set_state(promotion: Promotion, state: str, *, extra_fields=()) -> None:
    promotion.state = state
    promotion.state_changed_at = timezone.now()
    promotion.save(update_fields=["state", "state_changed_at", "updated_at", *extra_fields])


def promotion_update(*, scope, promotion_id, data: PromotionInput, actor: Actor, now=None) -> Promotion:
    """The buyer edits a draft: header and lines, replaced as given."""
    _require_planner(scope)
    with transaction.atomic():
        promotion = _locked(scope, promotion_id)
        if not promotion.is_editable:
            raise InvalidTransitionError(_("Only a draft can be edited; promotion %(name)s is %(state)s.") % {"name": promotion.name, "state": promotion.get_state_display().lower()})
        if data.vendor.pk != promotion.vendor_id:
            raise DomainValidationError(_("A promotion stays with its vendor."), field="vendor")
        errors, products = promotion_validate(data, now=now)
        if errors:
            raise DomainValidationError(_("The promotion has errors; nothing was saved."), errors=errors)
        old_lines = list(promotion.lines.order_by("sequence"))
        before = _promotion_state(promotion, old_lines)
        for name in ("marketplace", "promotion_type", "start_date", "end_date"):
            setattr(promotion, name, getattr(data, name))
        promotion.name = data.name.strip()
        promotion.buyer_note = data.buyer_note.strip()
        promotion.currency = data.marketplace.currency
        promotion.save()
        for line in old_lines:
            audit_record(actor=actor, action="promotion_line.delete", obj=line, vendor=promotion.vendor, before=snapshot(line, LINE_AUDITED))
        promotion.lines.all().delete()
        lines = _build_lines(promotion, data, products)
        for line in lines:
            line.save()
        audit_record(actor=actor, action="promotion.update", obj=promotion, before=before, after=_promotion_state(promotion, lines))
        _audit_lines(lines, actor, promotion.vendor, "promotion_line.create")
    return promotion


def _promotion_url(promotion) -> str:
    return f"/planning/promotions/{promotion.pk}/"


def promotion_share(*, scope, promotion_id, actor: Actor, now=None) -> Promotion:
    """Draft → shared: the vendor's admins and ops are asked to confirm before the deal starts."""
    _require_planner(scope)
    with transaction.atomic():
        promotion = _locked(scope, promotion_id)
        _refuse_transition(promotion, PromotionState.SHARED)
        if promotion.start_date <= marketplace_today(promotion.marketplace, now):
            raise InvalidTransitionError(_("The deal starts %(day)s: share it before its first day, or move its dates.") % {"day": promotion.start_date.isoformat()})
        before = snapshot(promotion, PROMOTION_AUDITED)
        promotion.shared_at = timezone.now()
        promotion.shared_by = actor.user
        _set_state(promotion, PromotionState.SHARED, extra_fields=["shared_at", "shared_by"])
        audit_record(actor=actor, action="promotion.share", obj=promotion, before=before, after=snapshot(promotion, PROMOTION_AUDITED))
        notify_vendor_roles(
            vendor=promotion.vendor, roles=CONFIRMERS, marketplace=promotion.marketplace, kind="promotion_shared",
            title=_("Promotion to confirm: %(name)s") % {"name": promotion.name},
            body=_("%(type)s in %(mp)s, %(start)s to %(end)s. Confirm the units you commit before %(start)s.") % {
                "type": promotion.get_promotion_type_display(), "mp": promotion.marketplace.code,
                "start": promotion.start_date.isoformat(), "end": promotion.end_date.isoformat()},
            url=_promotion_url(promotion),
        )
    return promotion


def promotion_cancel(*, scope, promotion_id, actor: Actor, reason: str = "") -> Promotion:
    """The buyer cancels a promotion that has not ended; a vendor that saw it is told."""
    _require_planner(scope)
    reason = (reason or "").strip()
    with transaction.atomic():
        promotion = _locked(scope, promotion_id)
        _refuse_transition(promotion, PromotionState.CANCELLED)
        was_shared = promotion.shared_at is not None  # the vendor has seen it (perhaps before a reopen)
        before = snapshot(promotion, PROMOTION_AUDITED)
        promotion.cancel_reason = reason[:2000]
        _set_state(promotion, PromotionState.CANCELLED, extra_fields=["cancel_reason"])
        # A draft's cancellation has its own action: it is no webhook event, the vendor never saw the draft.
        action = "promotion.cancel" if was_shared else "promotion.cancel_draft"
        audit_record(actor=actor, action=action, obj=promotion, before=before, after=snapshot(promotion, PROMOTION_AUDITED))
        if was_shared:
            notify_vendor_roles(
                vendor=promotion.vendor, roles=CONFIRMERS, marketplace=promotion.marketplace, kind="promotion_cancelled",
                title=_("Promotion cancelled: %(name)s") % {"name": promotion.name}, body=reason, url=_promotion_url(promotion),
            )
    return promotion


def promotion_reopen(*, scope, promotion_id, actor: Actor) -> Promotion:
    """Declined → draft, so the buyer can change it and share it again."""
    _require_planner(scope)
    with transaction.atomic():
        promotion = _locked(scope, promotion_id)
        if promotion.state != PromotionState.DECLINED:
            raise InvalidTransitionError(_("Only a declined promotion can be reopened."))
        before = snapshot(promotion, PROMOTION_AUDITED)
        _set_state(promotion, PromotionState.DRAFT)
        audit_record(actor=actor, action="promotion.reopen", obj=promotion, before=before, after=snapshot(promotion, PROMOTION_AUDITED))
    return promotion


def _tell_buyers(promotion: Promotion, *, kind: str, title: str, body: str = "") -> None:
    """The buyer who created or shared the promotion; every buyer when neither is known."""
    user_ids = {pk for pk in (promotion.created_by_id, promotion.shared_by_id) if pk}
    if not user_ids:
        notify_retailer_roles(roles=[Role.BUYER], kind=kind, title=title, body=body, url=_promotion_url(promotion), vendor=promotion.vendor)
        return
    vendor, url = promotion.vendor, _promotion_url(promotion)
    transaction.on_commit(
        lambda: notification_send(users=User.objects.filter(pk__in=user_ids, is_active=True), kind=kind, title=title, body=body, url=url, vendor=vendor)
    )


def _answerable(promotion: Promotion, target: str, now=None) -> None:
    if promotion.has_started(now) and promotion.state in (PromotionState.SHARED, PromotionState.CONFIRMED):
        raise InvalidTransitionError(_("The deal started %(when)s: it can no longer be confirmed or declined.") % {
            "when": timezone.localtime(promotion.starts_at, promotion.starts_at.tzinfo).strftime("%Y-%m-%d %H:%M %Z")})
    _refuse_transition(promotion, target)


def promotion_confirm(*, scope, promotion_id, commitments: list[LineCommitment], actor: Actor, now=None) -> Promotion:
    """The vendor commits units per line (0 up to the expected units, every line answered), before the deal
    starts. A confirmed promotion can be confirmed again (revised) until then."""
    _require_confirmer(scope)
    with transaction.atomic():
        promotion = _locked(scope, promotion_id)
        _answerable(promotion, PromotionState.CONFIRMED, now)
        lines = {line.sequence: line for line in promotion.lines.select_for_update().order_by("sequence")}
        errors = []
        given = {}
        for index, commitment in enumerate(commitments):
            where = f"lines[{index}]"
            line = lines.get(commitment.sequence)
            if line is None:
                errors.append(_error(f"{where}.sequence", _("The promotion has no line %(n)s.") % {"n": commitment.sequence}, "unknown_line"))
                continue
            if commitment.sequence in given:
                errors.append(_error(f"{where}.sequence", _("Line %(n)s appears twice.") % {"n": commitment.sequence}, "duplicate"))
                continue
            given[commitment.sequence] = commitment
            units = commitment.committed_units
            if units is None:
                errors.append(_error(f"{where}.committed_units", _("Line %(n)s: give the units you commit (0 if none).") % {"n": line.sequence}, "required"))
            elif units < 0:
                errors.append(_error(f"{where}.committed_units", _("Line %(n)s: committed units cannot be negative.") % {"n": line.sequence}, "min_value"))
            elif units > line.expected_units:
                errors.append(_error(f"{where}.committed_units", _(
                    "Line %(n)s: %(units)s units is more than the %(expected)s the retailer expects."
                ) % {"n": line.sequence, "units": units, "expected": line.expected_units}, "above_expected"))
            if len(commitment.note or "") > 500:
                errors.append(_error(f"{where}.note", _("A note is at most 500 characters."), "max_length"))
        for sequence in lines:
            if sequence not in given:
                errors.append(_error("lines", _("Line %(n)s has no answer: give the committed units of every line.") % {"n": sequence}, "line_missing"))
        if not errors and not any(commitment.committed_units for commitment in given.values()):
            errors.append(_error("lines", _("Commit at least one unit, or decline the promotion."), "nothing_committed"))
        if errors:
            raise DomainValidationError(_("The confirmation has errors; nothing was saved."), errors=errors)
        before_state = _promotion_state(promotion, lines.values())
        line_before = {line.pk: snapshot(line, LINE_AUDITED) for line in lines.values()}
        changed = []
        for sequence, commitment in given.items():
            line = lines[sequence]
            note = (commitment.note or "").strip()
            if line.committed_units != commitment.committed_units or line.commitment_note != note:
                line.committed_units = commitment.committed_units
                line.commitment_note = note
                line.save(update_fields=["committed_units", "commitment_note"])
                changed.append(line)
        promotion.responded_at = timezone.now()
        promotion.responded_by_label = actor.label
        promotion.decline_reason = ""
        promotion.confirmation_revision += 1
        _set_state(promotion, PromotionState.CONFIRMED, extra_fields=["responded_at", "responded_by_label", "decline_reason", "confirmation_revision"])
        audit_record(actor=actor, action="promotion.confirm", obj=promotion, before=before_state, after=_promotion_state(promotion, lines.values()))
        _audit_lines(changed, actor, promotion.vendor, "promotion_line.commit", before=line_before)
        committed = sum(line.committed_units or 0 for line in lines.values())
        expected = sum(line.expected_units for line in lines.values())
        _tell_buyers(
            promotion, kind="promotion_confirmed",
            title=(_("%(vendor)s revised its commitment to %(name)s") if promotion.confirmation_revision > 1 else _("%(vendor)s confirmed %(name)s")) % {
                "vendor": promotion.vendor.code, "name": promotion.name},
            body=_("%(committed)s of %(expected)s expected units committed.") % {"committed": committed, "expected": expected},
        )
    return promotion


def promotion_decline(*, scope, promotion_id, reason: str, actor: Actor, now=None) -> Promotion:
    """The vendor declines, with a reason, before the deal starts (also after confirming: plans change)."""
    _require_confirmer(scope)
    reason = (reason or "").strip()
    if not reason:
        raise DomainValidationError(_("Say why you decline, so the buyer can adjust the deal."), field="reason")
    if len(reason) > 2000:
        raise DomainValidationError(_("A reason is at most 2000 characters."), field="reason")
    with transaction.atomic():
        promotion = _locked(scope, promotion_id)
        _answerable(promotion, PromotionState.DECLINED, now)
        lines = list(promotion.lines.select_for_update().order_by("sequence"))
        before = _promotion_state(promotion, lines)
        line_before = {line.pk: snapshot(line, LINE_AUDITED) for line in lines}
        withdrawn = [line for line in lines if line.committed_units is not None]
        for line in withdrawn:
            line.committed_units = None
            line.save(update_fields=["committed_units"])
        promotion.responded_at = timezone.now()
        promotion.responded_by_label = actor.label
        promotion.decline_reason = reason
        _set_state(promotion, PromotionState.DECLINED, extra_fields=["responded_at", "responded_by_label", "decline_reason"])
        audit_record(actor=actor, action="promotion.decline", obj=promotion, before=before, after=_promotion_state(promotion, lines))
        _audit_lines(withdrawn, actor, promotion.vendor, "promotion_line.withdraw", before=line_before)
        _tell_buyers(
            promotion, kind="promotion_declined",
            title=_("%(vendor)s declined %(name)s") % {"vendor": promotion.vendor.code, "name": promotion.name}, body=reason,
        )
    return promotion


def promotions_end_due(*, now=None) -> int:
    """System: shared and confirmed promotions whose last day has passed in their marketplace become ended."""
    now = now or timezone.now()
    ended = 0
    candidates = Promotion.objects.filter(state__in=[PromotionState.SHARED, PromotionState.CONFIRMED], end_date__lt=now.date() + datetime.timedelta(days=1))
    for pk in candidates.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            promotion = Promotion.objects.select_related("vendor", "marketplace").select_for_update(of=("self",)).filter(pk=pk).first()
            if promotion is None or promotion.state not in (PromotionState.SHARED, PromotionState.CONFIRMED) or now < promotion.ends_at:
                continue
            before = snapshot(promotion, PROMOTION_AUDITED)
            _set_state(promotion, PromotionState.ENDED)
            audit_record(actor=Actor.system(), action="promotion.end", obj=promotion, before=before, after=snapshot(promotion, PROMOTION_AUDITED))
            ended += 1
    return ended
