"""A vendor's tax registration per marketplace account. The screen /settings/tax-registrations/ and
PATCH /api/v1/vendor-accounts/{id}/ both call these; the retailer's people still may in the Django admin.

The registration is copied onto each invoice when it is made (`remit_to_tax_id`): a change reaches invoices
made afterwards and the drafts that still carry the old one (invoicing subscribes to TaxRegistrationChanged),
never an invoice submitted or waiting for approval. The retailer's accounts payable hear of every change,
since it changes what the invoices they receive say."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vendor_portal import events
from vendor_portal.errors import DomainValidationError, ForbiddenError, NotFoundError, field_error
from vendor_portal.models import VendorAccount
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor, audit_record, snapshot
from vendor_portal.tax_ids import tax_id_normalize

AUDITED_FIELDS = ["tax_registration_number", "tax_registration_changed_at", "tax_registration_changed_by"]
TOLD_AT_RETAILER = [Role.ACCOUNTS_PAYABLE, Role.RETAILER_ADMIN]
ACTION = "vendor_account.tax_registration_change"


def tax_registration_clean(*, account: VendorAccount, value: str) -> str:
    """`value` as it would be stored for `account`'s marketplace, or a DomainValidationError on the field."""
    try:
        return tax_id_normalize(value, account.marketplace.country_code)
    except ValidationError as error:
        raise DomainValidationError(
            _("The tax registration was not saved."),
            errors=[field_error(None, "tax_registration_number", " ".join(error.messages), error.code or "invalid")],
        ) from None


def tax_registration_change(*, scope, account_id, tax_registration_number: str, actor: Actor) -> VendorAccount:
    """Set the vendor's tax registration in one marketplace (empty: not registered there)."""
    if scope is None or scope.vendor is None:
        raise ForbiddenError(_("A tax registration is changed by its vendor."))
    with transaction.atomic():
        account = (
            VendorAccount.objects.visible_to(scope)
            .select_related("marketplace", "vendor")
            .select_for_update(of=("self",))
            .filter(pk=account_id)
            .first()
        )
        if account is None:
            raise NotFoundError(_("No such marketplace account."))
        value = tax_registration_clean(account=account, value=tax_registration_number)
        if value == account.tax_registration_number:
            return account
        before = snapshot(account, AUDITED_FIELDS)
        account.tax_registration_number = value
        account.tax_registration_changed_at = timezone.now()
        account.tax_registration_changed_by = actor.label[:200]
        account.save(update_fields=AUDITED_FIELDS)
        audit_record(actor=actor, action=ACTION, obj=account, before=before, after=snapshot(account, AUDITED_FIELDS))
        events.publish(
            events.TaxRegistrationChanged(
                vendor_id=account.vendor_id,
                channel=actor.channel,
                vendor_account_id=account.pk,
                marketplace_id=account.marketplace_id,
                tax_registration_number=value,
                previous_tax_registration_number=before["tax_registration_number"],
                changed_by_user_id=actor.user.pk if actor.user is not None else None,
                changed_by_token_id=actor.token.pk if actor.token is not None else None,
            )
        )
        _tell_the_retailer(account, before=before["tax_registration_number"], actor=actor)
    return account


def _tell_the_retailer(account: VendorAccount, *, before: str, actor: Actor) -> None:
    from vendor_portal.services.notifications import notify_retailer_roles

    facts = {
        "vendor": account.vendor.code,
        "marketplace": account.marketplace.code,
        "before": before or _("none"),
        "after": account.tax_registration_number or _("none"),
        "who": actor.label,
    }
    notify_retailer_roles(
        roles=TOLD_AT_RETAILER,
        kind="tax_registration_changed",
        title=_("%(vendor)s changed its tax registration in %(marketplace)s") % facts,
        body=_(
            "From %(before)s to %(after)s, by %(who)s. Its invoices from now on, and its drafts, carry the new one; invoices already submitted keep theirs."
        )
        % facts,
        url=f"/audit/?object_type=vendor_portal.vendoraccount&object_id={account.pk}",
        vendor=account.vendor,
    )
