"""What item setup and cost changes share: who may do what, and amounts."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from vendor_portal.errors import FieldError, ForbiddenError, field_error
from vendor_portal.roles import Action, Role

MAX_COST = Decimal("9999999999.99")
PROPOSERS = [Role.VENDOR_ADMIN, Role.VENDOR_OPS]
REVIEWERS = [Role.BUYER, Role.RETAILER_ADMIN]


def require_proposer(scope) -> None:
    if scope is None or scope.is_retailer or scope.vendor is None or not scope.can(Action.PROPOSE_CATALOGUE):
        raise ForbiddenError(_("Your role or token scopes do not allow proposing items or cost changes."))


def require_reviewer(scope) -> None:
    if scope is None or not scope.is_retailer or not scope.can(Action.REVIEW_CATALOGUE):
        raise ForbiddenError(_("Only the retailer's buyers review new items and cost changes."))


def amount_errors(value, ref, name: str, *, label: str, required: bool = True) -> list[FieldError]:
    """A cost or price: above zero, at most MAX_COST, two decimal places."""
    if value is None:
        return [field_error(ref, name, _("%(label)s is required.") % {"label": label}, "required")] if required else []
    if not isinstance(value, Decimal) or not value.is_finite():
        return [field_error(ref, name, _("%(label)s must be a number.") % {"label": label})]
    if value <= 0:
        return [field_error(ref, name, _("%(label)s must be above zero.") % {"label": label}, "min_value")]
    if value > MAX_COST:
        return [field_error(ref, name, _("%(label)s is at most %(max)s.") % {"label": label, "max": MAX_COST}, "max_value")]
    if value.as_tuple().exponent < -2:
        return [field_error(ref, name, _("%(label)s has more than 2 decimal places.") % {"label": label}, "max_decimal_places")]
    return []
