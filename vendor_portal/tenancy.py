"""The one tenancy mechanism.

Every vendor-owned model uses VendorScopedQuerySet; every read goes through `visible_to(scope)`
(or `for_vendor(vendor)`), which returns nothing when the scope is missing: it fails closed.
A Scope says who is asking: one vendor (perhaps limited to some marketplaces) or the retailer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models
from django.http import Http404

from vendor_portal.roles import RETAILER_ROLES, role_allows

# What an API token's scopes allow, in terms of the same actions people have.
ACTION_TOKEN_SCOPE = {
    "po.view": "orders:read",
    "catalogue.view": "orders:read",
    "catalogue.propose": "catalogue:write",
    "po.confirm": "orders:write",
    "scorecard.refresh": "orders:write",
    "shipment.view": "shipments:read",
    "shipment.manage": "shipments:write",
    "ship_from.manage": "shipments:write",
    "appointment.request": "shipments:write",
    "invoice.view": "invoices:read",
    "invoice.manage": "invoices:write",
    "tax_registration.manage": "invoices:write",
    "payment.view": "payments:read",
    "deduction.dispute": "payments:write",
    "webhook.manage": "webhooks",
    "edi.exchange": "edi",
    "planning.view": "planning:read",
    "promotion.confirm": "planning:write",
    "availability.report": "planning:write",
}


@dataclass(frozen=True)
class Scope:
    vendor: object | None = None  # Vendor
    roles: frozenset = frozenset()
    marketplace_ids: frozenset | None = None  # None: every marketplace
    is_retailer: bool = False
    token_scopes: frozenset | None = None  # set when an API token is asking
    vendor_ids: tuple = field(default=())  # every vendor this person may switch to

    @property
    def vendor_id(self):
        return self.vendor.pk if self.vendor is not None else None

    def can(self, action: str) -> bool:
        if self.token_scopes is not None:
            required = ACTION_TOKEN_SCOPE.get(str(action))
            return required is not None and required in self.token_scopes
        return role_allows(self.roles, action)

    def sees_marketplace(self, marketplace_id) -> bool:
        return self.is_retailer or self.marketplace_ids is None or marketplace_id in self.marketplace_ids


class VendorScopedQuerySet(models.QuerySet):
    def _vendor_field(self) -> str:
        return getattr(self.model, "tenancy_vendor_field", "vendor")

    def for_vendor(self, vendor):
        if vendor is None:
            return self.none()
        return self.filter(**{self._vendor_field(): vendor})

    def visible_to(self, scope: Scope | None):
        if scope is None:
            return self.none()
        if scope.is_retailer:
            return self.all()
        queryset = self.for_vendor(scope.vendor)
        marketplace_field = getattr(self.model, "tenancy_marketplace_field", None)
        if marketplace_field and scope.marketplace_ids is not None:
            queryset = queryset.filter(**{f"{marketplace_field}__in": scope.marketplace_ids})
        return queryset


def get_visible_or_404(queryset, scope: Scope | None, **lookup):
    """Another vendor's object and a missing object look the same: 404."""
    if hasattr(queryset, "objects"):
        queryset = queryset.objects.all()
    try:
        return queryset.visible_to(scope).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def scope_for_user(user, active_vendor_id=None) -> Scope | None:
    """Build the scope of a signed-in person from their memberships."""
    if not user or not user.is_authenticated:
        return None
    if getattr(user, "token", None) is not None:  # an API token's principal
        return scope_for_token(user.token)
    memberships = list(user.memberships.select_related("vendor").prefetch_related("marketplaces"))
    retailer_roles = frozenset(m.role for m in memberships if m.vendor_id is None)
    vendor_memberships = [m for m in memberships if m.vendor_id is not None and m.vendor.is_active]
    vendor_ids = tuple(sorted({m.vendor_id for m in vendor_memberships}))
    if vendor_memberships and (active_vendor_id in vendor_ids or not retailer_roles):
        default_vendor_id = user.default_vendor_id if user.default_vendor_id in vendor_ids else vendor_ids[0]
        chosen = active_vendor_id if active_vendor_id in vendor_ids else default_vendor_id
        mine = [m for m in vendor_memberships if m.vendor_id == chosen]
        marketplace_ids: set | None = set()
        for membership in mine:
            limited = {mp.pk for mp in membership.marketplaces.all()}
            if not limited:
                marketplace_ids = None
                break
            marketplace_ids |= limited
        return Scope(
            vendor=mine[0].vendor,
            roles=frozenset(m.role for m in mine),
            marketplace_ids=frozenset(marketplace_ids) if marketplace_ids is not None else None,
            vendor_ids=vendor_ids,
        )
    if retailer_roles & RETAILER_ROLES:
        return Scope(roles=retailer_roles, is_retailer=True, vendor_ids=vendor_ids)
    return None


def scope_for_token(token) -> Scope:
    return Scope(vendor=token.vendor, token_scopes=frozenset(token.scopes))
