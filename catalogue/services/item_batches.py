"""Many new items at once (a vendor's XLSX file): each checked by the same rules as one item proposed by form
(`item_proposal_validate`), plus what only a batch can get wrong, two of its items with the same GTIN or
vendor SKU; then created and submitted all together, or none when any has a problem."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vendor_portal.errors import DomainValidationError, FieldError, field_error, with_refs
from vendor_portal.models import AuditEvent, Marketplace, Vendor
from vendor_portal.services.audit import Actor, audit_event, snapshot
from vendor_portal.services.notifications import notify_retailer_roles

from ..models import ItemMarketplaceOffer, ItemPackLevel, ItemProposal, PackLevel, ProposalState
from ._common import REVIEWERS, require_proposer
from .items import LEVEL_AUDITED, OFFER_AUDITED, PROPOSAL_AUDITED, InUse, ItemInput, _fill, gtin_forms, gtin_problem, item_proposal_validate

MAX_ITEMS = 2000  # as many as a cost change file
BATCH = 500  # rows per INSERT
PROGRESS_ROWS = 100  # a worker's job reports its progress every this many items


def item_proposals_check(*, scope, items: list[ItemInput]) -> tuple[list[FieldError], list[dict]]:
    """Every problem of the items (nothing saved), each on the item's `ref`; and the marketplaces of each item's
    offers by code, to create it with."""
    require_proposer(scope)
    if not items:
        return [field_error(None, "items", _("Propose at least one item."), "required")], []
    if len(items) > MAX_ITEMS:
        return [field_error(None, "items", _("At most %(max)s items at once.") % {"max": MAX_ITEMS}, "max_length")], []
    in_use = InUse.of(scope.vendor, items)
    marketplaces = {m.code: m for m in Marketplace.objects.all()}
    errors: list[FieldError] = []
    offered: list[dict] = []
    for ref, data in with_refs(items, "items"):
        item_errors, item_marketplaces = item_proposal_validate(scope.vendor, data, ref=ref, in_use=in_use, marketplaces=marketplaces)
        errors.extend(item_errors)
        offered.append(item_marketplaces)
    errors.extend(_repeated_in_batch(items))
    return errors, offered


def _repeated_in_batch(items: list[ItemInput]) -> list[FieldError]:
    """An item GTIN, case GTIN or vendor SKU an earlier item of the batch already has: the first keeps it."""
    errors = []
    gtin_owner: dict[str, object] = {}
    sku_owner: dict[str, object] = {}
    for ref, data in with_refs(items, "items"):
        sku = (data.vendor_sku or "").strip()
        if sku and sku in sku_owner:
            errors.append(
                field_error(ref, "vendor_sku", _("%(sku)s is also on %(other)s.") % {"sku": sku, "other": _place(sku_owner[sku])}, "duplicate")
            )
        elif sku:
            sku_owner[sku] = ref
        for name in ("gtin", "case_gtin"):
            value = getattr(data, name) or ""
            if gtin_problem(value):
                continue  # the item's own check says what is wrong with it
            forms = gtin_forms(value)
            owner = next((gtin_owner[form] for form in forms if form in gtin_owner), None)
            if owner is not None and owner != ref:
                errors.append(
                    field_error(ref, name, _("GTIN %(value)s is also on %(other)s.") % {"value": value, "other": _place(owner)}, "duplicate_gtin")
                )
                continue
            for form in forms:
                gtin_owner.setdefault(form, ref)
    return errors


def _place(ref) -> str:
    """Where the other item is, as its door named it: a file's row number, or the API's `items[2]`."""
    return _("row %(row)s") % {"row": ref} if isinstance(ref, int) else str(ref)


def item_proposals_create(*, scope, items: list[ItemInput], actor: Actor, progress: Callable[[int], None] | None = None) -> list[ItemProposal]:
    """The vendor proposes the items all together, submitted for review at once (the buyers are told once):
    all of them, or none when any has a problem. Checked again under a lock on the vendor, so the same file
    sent twice at once (a double click) cannot create its items twice.

    The rows go in with bulk_create, their audit rows too (the same rows, item by item, as the form's
    create and submit write): a file of 2000 items is about a hundred statements, not 30,000. `progress(done)` (a
    worker's job) hears every PROGRESS_ROWS items created."""
    require_proposer(scope)
    with transaction.atomic():
        Vendor.objects.select_for_update().filter(pk=scope.vendor.pk).first()
        errors, offered = item_proposals_check(scope=scope, items=items)
        if errors:
            raise DomainValidationError(_("The items have errors; nothing was saved."), errors=errors)
        now = timezone.now()
        proposals = []
        # In chunks of PROGRESS_ROWS items (their rows, pack levels, offers and audit rows), each chunk a few statements.
        for start in range(0, len(items), PROGRESS_ROWS):
            chunk = list(zip(items[start : start + PROGRESS_ROWS], offered[start : start + PROGRESS_ROWS], strict=True))
            proposals += _create_chunk(chunk, scope=scope, actor=actor, now=now)
            if progress is not None:
                progress(len(proposals))
        notify_retailer_roles(
            roles=REVIEWERS,
            kind="item_proposal_submitted",
            title=ngettext("%(n)s new item to review from %(vendor)s", "%(n)s new items to review from %(vendor)s", len(proposals))
            % {"n": len(proposals), "vendor": scope.vendor.code},
            body=", ".join(p.vendor_sku for p in proposals[:10]) + ("…" if len(proposals) > 10 else ""),
            url="/catalogue/items/?state=submitted",
            vendor=scope.vendor,
        )
    return proposals


def _create_chunk(chunk, *, scope, actor: Actor, now) -> list[ItemProposal]:
    """[(item, its marketplaces by code)] created and submitted: the proposals, their pack levels and offers, and
    the audit rows the form's create and submit would write."""
    proposals = []
    for data, _marketplaces in chunk:
        proposal = ItemProposal(vendor=scope.vendor, state=ProposalState.SUBMITTED, state_changed_at=now, submitted_at=now, created_by=actor.user)
        _fill(proposal, data)
        proposals.append(proposal)
    ItemProposal.objects.bulk_create(proposals, batch_size=BATCH)
    levels, offers, children = [], [], []
    for proposal, (data, marketplaces) in zip(proposals, chunk, strict=True):
        new_levels = [
            ItemPackLevel(proposal=proposal, units={PackLevel.EACH: 1, PackLevel.CASE: data.case_pack}.get(level.level, level.units), **_level(level))
            for level in data.pack_levels
        ]
        new_offers = [
            ItemMarketplaceOffer(
                proposal=proposal,
                marketplace=marketplaces[offer.marketplace.upper()],
                local_title=(offer.local_title or "").strip(),
                cost=offer.cost,
                list_price=offer.list_price,
                currency=marketplaces[offer.marketplace.upper()].currency,
            )
            for offer in data.offers
        ]
        levels += new_levels
        offers += new_offers
        children.append((proposal, new_levels, new_offers))
    ItemPackLevel.objects.bulk_create(levels, batch_size=BATCH)
    ItemMarketplaceOffer.objects.bulk_create(offers, batch_size=BATCH)
    AuditEvent.objects.bulk_create(_audit_events(children, actor=actor, vendor=scope.vendor), batch_size=BATCH)
    return proposals


def _level(level) -> dict:
    return {name: getattr(level, name) for name in ("level", "length_cm", "width_cm", "height_cm", "weight_kg")}


def _audit_events(children, *, actor: Actor, vendor) -> list[AuditEvent]:
    """The rows the form's create and submit would write, item by item, for (proposal, levels, offers)."""
    events = []
    for proposal, new_levels, new_offers in children:
        for child, fields in [(level, LEVEL_AUDITED) for level in new_levels] + [(offer, OFFER_AUDITED) for offer in new_offers]:
            events.append(
                audit_event(actor=actor, action=f"{child._meta.model_name}.create", obj=child, vendor=vendor, after=snapshot(child, fields))
            )
        state = snapshot(proposal, PROPOSAL_AUDITED)
        after = {
            **state,
            "state": ProposalState.DRAFT,
            "pack_levels": [snapshot(level, LEVEL_AUDITED) for level in new_levels],
            "offers": [snapshot(offer, OFFER_AUDITED) for offer in new_offers],
        }
        events.append(audit_event(actor=actor, action="item_proposal.create", obj=proposal, after=after))
        events.append(
            audit_event(actor=actor, action="item_proposal.submit", obj=proposal, before={**state, "state": ProposalState.DRAFT}, after=state)
        )
    return events
