"""Item setup: the vendor proposes a new item (GTINs, pack hierarchy with dimensions and weights per level,
origin, HS code, an offer per marketplace), submits it; the buyer returns it with a comment or approves it,
which puts the product in the catalogue with its costs: orderable from that day."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from vendor_portal.countries import COUNTRIES
from vendor_portal.errors import DomainValidationError, FieldError, InvalidTransitionError, NotFoundError, field_error, with_refs
from vendor_portal.gs1 import GTIN_LENGTHS, gs1_check_digit
from vendor_portal.limits import quantity_problem
from vendor_portal.models import Marketplace, Product, ProductCost, Vendor, marketplace_today
from vendor_portal.services.audit import Actor, audit_record, snapshot
from vendor_portal.services.notifications import notify_retailer_roles, notify_vendor_roles
from vendor_portal.states import require_transition, transition

from ..models import PACK_LEVEL_ORDER, ItemMarketplaceOffer, ItemPackLevel, ItemProposal, PackLevel, ProposalState
from ._common import PROPOSERS, REVIEWERS, amount_errors, require_proposer, require_reviewer

PROPOSAL_AUDITED = [
    "vendor_sku",
    "title",
    "brand",
    "gtin",
    "case_gtin",
    "case_pack",
    "minimum_order_quantity",
    "country_of_origin",
    "hs_code",
    "state",
    "review_comment",
    "product_id",
]
LEVEL_AUDITED = ["level", "units", "length_cm", "width_cm", "height_cm", "weight_kg"]
OFFER_AUDITED = ["marketplace_id", "local_title", "cost", "list_price", "currency"]
MAX_DIMENSION_CM = Decimal("999.99")
MAX_WEIGHT_KG = Decimal("2000")
MAX_PALLET_UNITS = 1_000_000
COUNTRY = re.compile(r"^[A-Z]{2}$")
HS_CODE = re.compile(r"^\d{6,10}$")


@dataclass
class PackLevelInput:
    level: str
    length_cm: Decimal | None
    width_cm: Decimal | None
    height_cm: Decimal | None
    weight_kg: Decimal | None
    units: int | None = None  # eaches in the level: 1 for the each, the case pack for the case; given for a pallet
    ref: object = None


@dataclass
class OfferInput:
    marketplace: str  # its code, e.g. US
    cost: Decimal | None
    list_price: Decimal | None = None
    local_title: str = ""
    ref: object = None


@dataclass
class ItemInput:
    vendor_sku: str
    title: str
    gtin: str
    case_gtin: str
    case_pack: int | None
    country_of_origin: str
    hs_code: str
    brand: str = ""
    minimum_order_quantity: int | None = 1
    pack_levels: list[PackLevelInput] = field(default_factory=list)
    offers: list[OfferInput] = field(default_factory=list)
    ref: object = None  # the door's reference of the item among many (a file's row number), for its errors


# GTINs ---------------------------------------------------------------------------------------------
def gtin_problem(value: str) -> str | None:
    """What is wrong with a GTIN, in words that say how to fix it; None when it is valid."""
    if not value:
        return _("The GTIN is required.")
    if not value.isascii() or not value.isdigit():
        return _("A GTIN has digits only.")
    if len(value) not in GTIN_LENGTHS:
        return _("A GTIN has 8, 12, 13 or 14 digits; %(value)s has %(n)s.") % {"value": value, "n": len(value)}
    expected = gs1_check_digit(value[:-1])
    if expected != int(value[-1]):
        return _("%(value)s ends in %(given)s but its check digit is %(expected)s.") % {"value": value, "given": value[-1], "expected": expected}
    return None


def gtin_forms(value: str) -> set[str]:
    """The ways one GTIN is written: a UPC-A 036000291452 is also the EAN 0036000291452 and GTIN-14 00036000291452."""
    full = value.zfill(14)
    return {full[-length:] for length in GTIN_LENGTHS if set(full[:-length]) <= {"0"}}


@dataclass
class InUse:
    """The GTINs and vendor SKUs the items to check may not take, read in four queries for any number of items
    (a file's rows): GTINs in the catalogue (any vendor's: a GTIN names one trade item) or on a proposal not yet
    approved (its item or case GTIN), and the vendor's SKUs in the catalogue or on a proposal not yet approved.
    `proposal_id` is the proposal being changed, which does not collide with itself."""

    gtins: set[str]
    catalogue_skus: set[str]
    proposal_skus: set[str]

    @classmethod
    def of(cls, vendor: Vendor, items: list[ItemInput], *, proposal_id=None) -> InUse:
        forms = set()
        for data in items:
            for value in (data.gtin, data.case_gtin):
                if value and not gtin_problem(value):
                    forms |= gtin_forms(value)
        skus = {(data.vendor_sku or "").strip() for data in items} - {""}
        open_proposals = ItemProposal.objects.exclude(state=ProposalState.APPROVED).exclude(pk=proposal_id or 0)
        gtins = set(Product.objects.filter(gtin__in=forms).values_list("gtin", flat=True)) if forms else set()
        if forms:
            for gtin, case_gtin in open_proposals.filter(Q(gtin__in=forms) | Q(case_gtin__in=forms)).values_list("gtin", "case_gtin"):
                gtins |= {gtin, case_gtin}
        return cls(
            gtins=gtins,
            catalogue_skus=set(Product.objects.filter(vendor=vendor, vendor_sku__in=skus).values_list("vendor_sku", flat=True)) if skus else set(),
            proposal_skus=set(open_proposals.filter(vendor=vendor, vendor_sku__in=skus).values_list("vendor_sku", flat=True)) if skus else set(),
        )

    def gtin_taken(self, value: str) -> bool:
        return bool(gtin_forms(value) & self.gtins)


# Validation ----------------------------------------------------------------------------------------
def item_proposal_validate(
    vendor: Vendor, data: ItemInput, *, proposal_id=None, ref=None, in_use: InUse | None = None, marketplaces: dict | None = None
) -> tuple[list[FieldError], dict]:
    """Every problem of a proposed item, and its offers' marketplaces by code. `ref` is the door's reference of the
    item for the problems of its own fields (a file's row); `in_use` and `marketplaces` (every one by code) are
    read once by a caller checking many items."""
    if in_use is None:
        in_use = InUse.of(vendor, [data], proposal_id=proposal_id)
    errors: list[FieldError] = []
    sku = (data.vendor_sku or "").strip()
    if not sku:
        errors.append(field_error(None, "vendor_sku", _("The vendor SKU is required."), "required"))
    elif len(sku) > 40:
        errors.append(field_error(None, "vendor_sku", _("A vendor SKU is at most 40 characters."), "max_length"))
    elif sku in in_use.catalogue_skus:
        errors.append(field_error(None, "vendor_sku", _("%(sku)s is already in your catalogue.") % {"sku": sku}, "duplicate"))
    elif sku in in_use.proposal_skus:
        errors.append(field_error(None, "vendor_sku", _("%(sku)s is already on another proposal.") % {"sku": sku}, "duplicate"))
    if not (data.title or "").strip():
        errors.append(field_error(None, "title", _("The title is required."), "required"))
    elif len(data.title.strip()) > 300:
        errors.append(field_error(None, "title", _("A title is at most 300 characters."), "max_length"))
    gtins_valid = True
    for name, value, label in (("gtin", data.gtin, _("item GTIN")), ("case_gtin", data.case_gtin, _("case GTIN"))):
        problem = gtin_problem(value or "")
        if problem:
            gtins_valid = False
            errors.append(field_error(None, name, problem, "invalid_gtin"))
        elif in_use.gtin_taken(value):
            errors.append(
                field_error(None, name, _("The %(label)s %(value)s is already in use.") % {"label": label, "value": value}, "duplicate_gtin")
            )
    if gtins_valid and gtin_forms(data.gtin) & gtin_forms(data.case_gtin):
        errors.append(field_error(None, "case_gtin", _("The case needs its own GTIN, not the item's."), "duplicate_gtin"))
    if data.case_pack is None or data.case_pack < 1:
        errors.append(field_error(None, "case_pack", _("A case holds at least one each."), "min_value"))
    elif quantity_problem(data.case_pack):
        errors.append(field_error(None, "case_pack", quantity_problem(data.case_pack), "max_value"))
    if data.minimum_order_quantity is None or data.minimum_order_quantity < 1:
        errors.append(field_error(None, "minimum_order_quantity", _("The minimum order quantity is at least 1."), "min_value"))
    elif quantity_problem(data.minimum_order_quantity):
        errors.append(field_error(None, "minimum_order_quantity", quantity_problem(data.minimum_order_quantity), "max_value"))
    country = (data.country_of_origin or "").strip().upper()
    if not COUNTRY.match(country):
        errors.append(field_error(None, "country_of_origin", _("Give the country of origin as its two-letter code, e.g. CN."), "invalid"))
    elif country not in COUNTRIES:
        errors.append(field_error(None, "country_of_origin", _("%(code)s is not an ISO 3166 country code.") % {"code": country}, "invalid_choice"))
    if not HS_CODE.match((data.hs_code or "").replace(".", "").strip()):
        errors.append(field_error(None, "hs_code", _("An HS code has 6 to 10 digits, e.g. 8516.71."), "invalid"))
    if ref is not None:
        errors = [replace(error, ref=ref) if error.ref is None else error for error in errors]
    errors.extend(pack_hierarchy_errors(data.pack_levels, data.case_pack, item_ref=ref))
    if marketplaces is None:
        marketplaces = {m.code: m for m in Marketplace.objects.filter(code__in=[(o.marketplace or "").upper() for o in data.offers])}
    errors.extend(_offer_errors(data.offers, marketplaces, item_ref=ref))
    return errors, marketplaces


def pack_hierarchy_errors(levels: list[PackLevelInput], case_pack: int | None, *, item_ref=None) -> list[FieldError]:
    """An each and a case are required (a pallet is optional); each level holds a whole number of the level below,
    and weighs and measures at least what it holds."""
    errors = []
    by_level = {}
    for ref, level in with_refs(levels, "pack_levels"):
        if level.level not in PackLevel.values:
            errors.append(field_error(ref, "level", _("A level is each, case or pallet."), "invalid_choice"))
            continue
        if level.level in by_level:
            errors.append(field_error(ref, "level", _("The %(level)s level is given twice.") % {"level": level.level}, "duplicate"))
            continue
        problems = len(errors)
        for name, maximum in (
            ("length_cm", MAX_DIMENSION_CM),
            ("width_cm", MAX_DIMENSION_CM),
            ("height_cm", MAX_DIMENSION_CM),
            ("weight_kg", MAX_WEIGHT_KG),
        ):
            value = getattr(level, name)
            if value is None:
                errors.append(field_error(ref, name, _("Give every dimension and the weight."), "required"))
            elif not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
                errors.append(field_error(ref, name, _("Dimensions and weights are above zero."), "min_value"))
            elif value > maximum:
                errors.append(field_error(ref, name, _("At most %(max)s.") % {"max": maximum}, "max_value"))
        if level.level == PackLevel.EACH:
            units = 1
        elif level.level == PackLevel.CASE:
            units = case_pack
        else:
            units = level.units
            if units is None or not isinstance(units, int) or units < 1 or units > MAX_PALLET_UNITS:
                errors.append(field_error(ref, "units", _("Say how many eaches a pallet holds."), "required"))
                continue
        if len(errors) == problems and units:
            by_level[level.level] = (ref, level, units)
    given = {level.level for level in levels}
    for required in (PackLevel.EACH, PackLevel.CASE):
        if required not in given:
            errors.append(
                field_error(item_ref, "pack_levels", _("Give the dimensions and weight of the %(level)s.") % {"level": required}, "required")
            )
    present = [name for name in PACK_LEVEL_ORDER if name in by_level]
    for lower_name, upper_name in zip(present, present[1:], strict=False):
        _lower_ref, lower, lower_units = by_level[lower_name]
        ref, upper, upper_units = by_level[upper_name]
        if upper_units <= lower_units or upper_units % lower_units:
            errors.append(
                field_error(
                    ref,
                    "units",
                    _("A %(upper)s of %(n)s eaches does not hold a whole number of %(lower)ss of %(m)s.")
                    % {"upper": upper_name, "n": upper_units, "lower": lower_name, "m": lower_units},
                    "pack_hierarchy",
                )
            )
            continue
        count = upper_units // lower_units
        if upper.weight_kg < lower.weight_kg * count:
            errors.append(
                field_error(
                    ref,
                    "weight_kg",
                    _("A %(upper)s holds %(count)s × %(weight)s kg, so it weighs at least %(total)s kg.")
                    % {"upper": upper_name, "count": count, "weight": lower.weight_kg, "total": lower.weight_kg * count},
                    "pack_hierarchy",
                )
            )
        lower_volume = lower.length_cm * lower.width_cm * lower.height_cm
        if upper.length_cm * upper.width_cm * upper.height_cm < lower_volume * count:
            errors.append(
                field_error(
                    ref,
                    "length_cm",
                    _("A %(upper)s of these dimensions cannot hold %(count)s %(lower)ss.")
                    % {"upper": upper_name, "count": count, "lower": lower_name},
                    "pack_hierarchy",
                )
            )
    return errors


def _offer_errors(offers: list[OfferInput], marketplaces: dict, *, item_ref=None) -> list[FieldError]:
    errors = []
    if not offers:
        return [field_error(item_ref, "offers", _("Offer the item in at least one marketplace."), "required")]
    seen = set()
    for ref, offer in with_refs(offers, "offers"):
        code = (offer.marketplace or "").upper()
        if code not in marketplaces:
            errors.append(field_error(ref, "marketplace", _("No marketplace %(code)s.") % {"code": offer.marketplace}, "invalid_choice"))
        elif code in seen:
            errors.append(field_error(ref, "marketplace", _("%(code)s is offered twice.") % {"code": code}, "duplicate"))
        seen.add(code)
        errors.extend(amount_errors(offer.cost, ref, "cost", label=_("The cost")))
        errors.extend(amount_errors(offer.list_price, ref, "list_price", label=_("The list price"), required=False))
        if len(offer.local_title or "") > 300:
            errors.append(field_error(ref, "local_title", _("A title is at most 300 characters."), "max_length"))
    return errors


# Writes ----------------------------------------------------------------------------------------------
def _state(proposal: ItemProposal) -> dict:
    return {
        **snapshot(proposal, PROPOSAL_AUDITED),
        "pack_levels": [snapshot(level, LEVEL_AUDITED) for level in proposal.pack_levels.all()],
        "offers": [snapshot(offer, OFFER_AUDITED) for offer in proposal.offers.all()],
    }


def _write_children(proposal: ItemProposal, data: ItemInput, marketplaces: dict) -> None:
    proposal.pack_levels.all().delete()
    proposal.offers.all().delete()
    for level in data.pack_levels:
        units = {PackLevel.EACH: 1, PackLevel.CASE: data.case_pack}.get(level.level, level.units)
        ItemPackLevel.objects.create(
            proposal=proposal,
            level=level.level,
            units=units,
            length_cm=level.length_cm,
            width_cm=level.width_cm,
            height_cm=level.height_cm,
            weight_kg=level.weight_kg,
        )
    for offer in data.offers:
        marketplace = marketplaces[offer.marketplace.upper()]
        ItemMarketplaceOffer.objects.create(
            proposal=proposal,
            marketplace=marketplace,
            local_title=(offer.local_title or "").strip(),
            cost=offer.cost,
            list_price=offer.list_price,
            currency=marketplace.currency,
        )


def _fill(proposal: ItemProposal, data: ItemInput) -> None:
    proposal.vendor_sku = data.vendor_sku.strip()
    proposal.title = data.title.strip()
    proposal.brand = (data.brand or "").strip()[:100]
    proposal.gtin = data.gtin
    proposal.case_gtin = data.case_gtin
    proposal.case_pack = data.case_pack
    proposal.minimum_order_quantity = data.minimum_order_quantity
    proposal.country_of_origin = data.country_of_origin.strip().upper()
    proposal.hs_code = data.hs_code.replace(".", "").strip()


def item_proposal_create(*, scope, data: ItemInput, actor: Actor, submit: bool = False) -> ItemProposal:
    """The vendor saves a new item as a draft (and submits it for review at once when `submit`)."""
    require_proposer(scope)
    errors, marketplaces = item_proposal_validate(scope.vendor, data)
    if errors:
        raise DomainValidationError(_("The item has errors; nothing was saved."), errors=errors)
    with transaction.atomic():
        proposal = ItemProposal(vendor=scope.vendor, state=ProposalState.DRAFT, state_changed_at=timezone.now(), created_by=actor.user)
        _fill(proposal, data)
        proposal.save()
        _write_children(proposal, data, marketplaces)
        _audit_children(proposal, actor)
        audit_record(actor=actor, action="item_proposal.create", obj=proposal, after=_state(proposal))
        if submit:
            _submit(proposal, actor)
    return proposal


def _audit_children(proposal: ItemProposal, actor: Actor) -> None:
    for child, fields in [(level, LEVEL_AUDITED) for level in proposal.pack_levels.all()] + [
        (offer, OFFER_AUDITED) for offer in proposal.offers.all()
    ]:
        audit_record(actor=actor, action=f"{child._meta.model_name}.create", obj=child, vendor=proposal.vendor, after=snapshot(child, fields))


def _locked(scope, proposal_id) -> ItemProposal:
    try:
        pk = int(proposal_id)
    except (TypeError, ValueError):
        pk = None
    proposal = None
    if pk is not None:
        proposal = ItemProposal.objects.visible_to(scope).select_related("vendor").select_for_update(of=("self",)).filter(pk=pk).first()
    if proposal is None:
        raise NotFoundError(_("Item proposal not found."))
    return proposal


def _refusal(proposal: ItemProposal, target: str) -> str:
    return _("Item %(sku)s is %(state)s and cannot become %(target)s.") % {
        "sku": proposal.vendor_sku,
        "state": proposal.get_state_display().lower(),
        "target": ProposalState(target).label.lower(),
    }


def _set_state(proposal: ItemProposal, state: str, *, extra_fields=()) -> None:
    transition(proposal, state, refusal=_refusal)
    proposal.state_changed_at = timezone.now()
    proposal.save(update_fields=["state", "state_changed_at", "updated_at", *extra_fields])


def item_proposal_update(*, scope, proposal_id, data: ItemInput, actor: Actor, submit: bool = False) -> ItemProposal:
    """The vendor changes a draft or a returned proposal (everything replaced as given)."""
    require_proposer(scope)
    with transaction.atomic():
        proposal = _locked(scope, proposal_id)
        if not proposal.is_editable:
            raise InvalidTransitionError(
                _("Item %(sku)s is %(state)s: only a draft or a returned item can be changed.")
                % {"sku": proposal.vendor_sku, "state": proposal.get_state_display().lower()}
            )
        errors, marketplaces = item_proposal_validate(scope.vendor, data, proposal_id=proposal.pk)
        if errors:
            raise DomainValidationError(_("The item has errors; nothing was saved."), errors=errors)
        before = _state(proposal)
        for child, fields in [(level, LEVEL_AUDITED) for level in proposal.pack_levels.all()] + [
            (offer, OFFER_AUDITED) for offer in proposal.offers.all()
        ]:
            audit_record(actor=actor, action=f"{child._meta.model_name}.delete", obj=child, vendor=proposal.vendor, before=snapshot(child, fields))
        _fill(proposal, data)
        proposal.save()
        _write_children(proposal, data, marketplaces)
        _audit_children(proposal, actor)
        audit_record(actor=actor, action="item_proposal.update", obj=proposal, before=before, after=_state(proposal))
        if submit:
            _submit(proposal, actor)
    return proposal


def _proposal_url(proposal) -> str:
    return f"/catalogue/items/{proposal.pk}/"


def _submit(proposal: ItemProposal, actor: Actor) -> None:
    require_transition(proposal, ProposalState.SUBMITTED, refusal=_refusal)
    before = snapshot(proposal, PROPOSAL_AUDITED)
    proposal.submitted_at = timezone.now()
    _set_state(proposal, ProposalState.SUBMITTED, extra_fields=["submitted_at"])
    audit_record(actor=actor, action="item_proposal.submit", obj=proposal, before=before, after=snapshot(proposal, PROPOSAL_AUDITED))
    notify_retailer_roles(
        roles=REVIEWERS,
        kind="item_proposal_submitted",
        title=_("New item to review: %(sku)s from %(vendor)s") % {"sku": proposal.vendor_sku, "vendor": proposal.vendor.code},
        body=proposal.title,
        url=_proposal_url(proposal),
        vendor=proposal.vendor,
    )


def item_proposal_submit(*, scope, proposal_id, actor: Actor) -> ItemProposal:
    """Draft or returned → submitted, checked again (a GTIN may have been taken since it was saved)."""
    require_proposer(scope)
    with transaction.atomic():
        proposal = _locked(scope, proposal_id)
        require_transition(proposal, ProposalState.SUBMITTED, refusal=_refusal)
        errors, _marketplaces = item_proposal_validate(scope.vendor, _input_of(proposal), proposal_id=proposal.pk)
        if errors:
            raise DomainValidationError(_("The item has errors; it was not submitted."), errors=errors)
        _submit(proposal, actor)
    return proposal


def _input_of(proposal: ItemProposal) -> ItemInput:
    return ItemInput(
        vendor_sku=proposal.vendor_sku,
        title=proposal.title,
        brand=proposal.brand,
        gtin=proposal.gtin,
        case_gtin=proposal.case_gtin,
        case_pack=proposal.case_pack,
        minimum_order_quantity=proposal.minimum_order_quantity,
        country_of_origin=proposal.country_of_origin,
        hs_code=proposal.hs_code,
        pack_levels=[
            PackLevelInput(
                level=lv.level, units=lv.units, length_cm=lv.length_cm, width_cm=lv.width_cm, height_cm=lv.height_cm, weight_kg=lv.weight_kg
            )
            for lv in proposal.pack_levels.all()
        ],
        offers=[
            OfferInput(marketplace=o.marketplace.code, cost=o.cost, list_price=o.list_price, local_title=o.local_title)
            for o in proposal.offers.select_related("marketplace")
        ],
    )


def item_proposal_return(*, scope, proposal_id, comment: str, actor: Actor) -> ItemProposal:
    """The buyer sends a submitted item back to the vendor, saying what to change."""
    require_reviewer(scope)
    comment = (comment or "").strip()
    if not comment:
        raise DomainValidationError(_("Say what the vendor should change."), field="comment")
    with transaction.atomic():
        proposal = _locked(scope, proposal_id)
        require_transition(proposal, ProposalState.RETURNED, refusal=_refusal)
        before = snapshot(proposal, PROPOSAL_AUDITED)
        proposal.review_comment = comment[:4000]
        proposal.reviewed_at = timezone.now()
        proposal.reviewed_by_label = actor.label
        _set_state(proposal, ProposalState.RETURNED, extra_fields=["review_comment", "reviewed_at", "reviewed_by_label"])
        audit_record(actor=actor, action="item_proposal.return", obj=proposal, before=before, after=snapshot(proposal, PROPOSAL_AUDITED))
        notify_vendor_roles(
            vendor=proposal.vendor,
            roles=PROPOSERS,
            kind="item_proposal_returned",
            title=_("Item %(sku)s returned by the buyer") % {"sku": proposal.vendor_sku},
            body=comment,
            url=_proposal_url(proposal),
        )
    return proposal


def _new_asin() -> str:
    """The retailer's identifier for a new item: B0 and eight letters or digits, unused."""
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    while True:
        asin = "B0" + "".join(secrets.choice(alphabet) for _ in range(8))
        if not Product.objects.filter(asin=asin).exists():
            return asin


def item_proposal_approve(*, scope, proposal_id, actor: Actor, comment: str = "") -> ItemProposal:
    """The buyer approves a submitted item: it joins the vendor's catalogue with an ASIN, its case data and a
    cost per offered marketplace effective today, so POs can order it from now on."""
    require_reviewer(scope)
    with transaction.atomic():
        proposal = _locked(scope, proposal_id)
        require_transition(proposal, ProposalState.APPROVED, refusal=_refusal)
        errors, marketplaces = item_proposal_validate(proposal.vendor, _input_of(proposal), proposal_id=proposal.pk)
        if errors:
            raise DomainValidationError(_("The item cannot be approved as it is; return it to the vendor."), errors=errors)
        case = proposal.pack_levels.filter(level=PackLevel.CASE).first()
        product = Product.objects.create(
            vendor=proposal.vendor,
            asin=_new_asin(),
            vendor_sku=proposal.vendor_sku,
            gtin=proposal.gtin,
            title=proposal.title,
            case_pack=proposal.case_pack,
            minimum_order_quantity=proposal.minimum_order_quantity,
            carton_length_cm=case.length_cm if case else None,
            carton_width_cm=case.width_cm if case else None,
            carton_height_cm=case.height_cm if case else None,
            carton_weight_kg=case.weight_kg if case else None,
        )
        audit_record(actor=actor, action="product.create", obj=product, after=snapshot(product))
        for offer in proposal.offers.select_related("marketplace"):
            cost = ProductCost.objects.create(
                product=product,
                marketplace=offer.marketplace,
                cost=offer.cost,
                currency=offer.currency,
                list_price=offer.list_price,
                effective_from=marketplace_today(offer.marketplace),
            )
            audit_record(actor=actor, action="product_cost.create", obj=cost, vendor=proposal.vendor, after=snapshot(cost))
        before = snapshot(proposal, PROPOSAL_AUDITED)
        proposal.product = product
        proposal.review_comment = (comment or "").strip()[:4000]
        proposal.reviewed_at = timezone.now()
        proposal.reviewed_by_label = actor.label
        _set_state(proposal, ProposalState.APPROVED, extra_fields=["product", "review_comment", "reviewed_at", "reviewed_by_label"])
        audit_record(actor=actor, action="item_proposal.approve", obj=proposal, before=before, after=snapshot(proposal, PROPOSAL_AUDITED))
        notify_vendor_roles(
            vendor=proposal.vendor,
            roles=PROPOSERS,
            kind="item_proposal_approved",
            title=_("Item %(sku)s approved: ASIN %(asin)s") % {"sku": proposal.vendor_sku, "asin": product.asin},
            body=_("It is in the catalogue and can be ordered."),
            url=_proposal_url(proposal),
        )
    return proposal
