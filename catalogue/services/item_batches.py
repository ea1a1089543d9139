"""Many new items at once (a vendor's XLSX file): each checked by the same rules as one item proposed by form
(`item_proposal_validate`), plus what only a batch can get wrong, two of its items with the same GTIN or
vendor SKU; then created and submitted all together, or none when any has a problem."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vendor_portal.errors import DomainValidationError, FieldError, field_error, with_refs
from vendor_portal.models import Marketplace, Vendor
from vendor_portal.services.audit import Actor, audit_record
from vendor_portal.services.notifications import notify_retailer_roles

from ..models import ItemProposal, ProposalState
from ._common import REVIEWERS, require_proposer
from .items import InUse, ItemInput, _audit_children, _fill, _state, _submit, _write_children, gtin_forms, gtin_problem, item_proposal_validate

MAX_ITEMS = 2000  # as many as a cost change file


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


def item_proposals_create(*, scope, items: list[ItemInput], actor: Actor) -> list[ItemProposal]:
    """The vendor proposes the items all together, submitted for review at once (the buyers are told once):
    all of them, or none when any has a problem. Checked again under a lock on the vendor, so the same file
    sent twice at once (a double click) cannot create its items twice."""
    require_proposer(scope)
    with transaction.atomic():
        Vendor.objects.select_for_update().filter(pk=scope.vendor.pk).first()
        errors, offered = item_proposals_check(scope=scope, items=items)
        if errors:
            raise DomainValidationError(_("The items have errors; nothing was saved."), errors=errors)
        created = []
        for data, marketplaces in zip(items, offered, strict=True):
            proposal = ItemProposal(vendor=scope.vendor, state=ProposalState.DRAFT, state_changed_at=timezone.now(), created_by=actor.user)
            _fill(proposal, data)
            proposal.save()
            _write_children(proposal, data, marketplaces)
            _audit_children(proposal, actor)
            audit_record(actor=actor, action="item_proposal.create", obj=proposal, after=_state(proposal))
            _submit(proposal, actor, notify=False)
            created.append(proposal)
        notify_retailer_roles(
            roles=REVIEWERS,
            kind="item_proposal_submitted",
            title=ngettext("%(n)s new item to review from %(vendor)s", "%(n)s new items to review from %(vendor)s", len(created))
            % {"n": len(created), "vendor": scope.vendor.code},
            body=", ".join(p.vendor_sku for p in created[:10]) + ("…" if len(created) > 10 else ""),
            url="/catalogue/items/?state=submitted",
            vendor=scope.vendor,
        )
    return created
