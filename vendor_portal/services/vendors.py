from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from vendor_portal.models import BankDetails
from vendor_portal.models.vendors import mask_account_number
from vendor_portal.roles import Action

from .approvals import VENDOR_CHECKERS, ApprovalKind, approval_request_create, register_approval_kind
from .audit import Actor, audit_record, snapshot

BANK_CHANGE = "bank_details_change"


def bank_details_change_request(*, vendor, data: dict, actor: Actor):
    """Ask for new bank / remit-to details. Nothing changes until a second person approves."""
    payload = {field: str(data.get(field, "")).strip() for field in BankDetails.FIELDS}
    current = getattr(vendor, "bank_details", None) if BankDetails.objects.filter(vendor=vendor).exists() else None
    masked = mask_account_number(payload["account_number"])
    summary = _("Change bank details of %(vendor)s to %(bank)s %(account)s") % {
        "vendor": vendor.code,
        "bank": payload["bank_name"],
        "account": masked,
    }
    return approval_request_create(vendor=vendor, kind=BANK_CHANGE, summary=summary[:200], payload=payload, actor=actor, target=current)


def _apply_bank_change(approval, actor: Actor) -> None:
    with transaction.atomic():
        details = BankDetails.objects.select_for_update().filter(vendor_id=approval.vendor_id).first()
        before = snapshot(details, BankDetails.FIELDS) if details else None
        if details is None:
            details = BankDetails(vendor_id=approval.vendor_id)
        for field in BankDetails.FIELDS:
            setattr(details, field, approval.payload.get(field, ""))
        details.save()
        audit_record(
            actor=actor, action="bank_details.change", obj=details, before=_masked(before), after=_masked(snapshot(details, BankDetails.FIELDS))
        )


def _masked(fields: dict | None) -> dict | None:
    """Bank details as shown and audited: the account number masked, as on the bank screen."""
    return {**fields, "account_number": mask_account_number(fields.get("account_number"))} if fields else fields


register_approval_kind(
    ApprovalKind(name=BANK_CHANGE, checker_action=Action.APPROVE_BANK_CHANGE, apply=_apply_bank_change, checker_roles=VENDOR_CHECKERS, redact=_masked)
)


def vendor_onboard(
    *, code: str, name: str, gs1_company_prefix: str, marketplaces, admin_username: str, admin_email: str, actor: Actor, site_url: str = ""
):
    """The retailer admits a new vendor: the vendor, its code per marketplace, and its first vendor admin."""
    from django.core.exceptions import ValidationError

    from vendor_portal.errors import DomainValidationError, field_error
    from vendor_portal.models import Vendor, VendorAccount
    from vendor_portal.roles import Role

    from .members import member_invite

    vendor = Vendor(code=code.strip().upper(), name=name.strip(), gs1_company_prefix=gs1_company_prefix.strip())
    try:
        vendor.full_clean()
    except ValidationError as error:
        raise DomainValidationError(
            _("The vendor has errors."),
            errors=[field_error(None, field, message) for field, messages in error.message_dict.items() for message in messages],
        ) from error
    with transaction.atomic():
        try:
            with transaction.atomic():
                vendor.save()
        except IntegrityError:  # onboarded by someone else since full_clean()
            raise DomainValidationError(_("Vendor with this Vendor code already exists."), field="code") from None
        audit_record(
            actor=actor,
            action="vendor.onboard",
            obj=vendor,
            after=snapshot(vendor, ["code", "name", "gs1_company_prefix", "invoice_approval_threshold"]),
        )
        for marketplace in marketplaces:
            vendor_code = f"{vendor.code[:8]}{marketplace.code}"
            if VendorAccount.objects.filter(marketplace=marketplace, vendor_code=vendor_code).exists():
                raise DomainValidationError(
                    _("%(account)s is already another vendor's code in %(marketplace)s: choose a code that differs in its first 8 characters.")
                    % {"account": vendor_code, "marketplace": marketplace.code},
                    field="code",
                )
            account = VendorAccount.objects.create(vendor=vendor, marketplace=marketplace, vendor_code=vendor_code)
            audit_record(
                actor=actor,
                action="vendor_account.create",
                obj=account,
                vendor=vendor,
                after={"marketplace": marketplace.code, "vendor_code": account.vendor_code},
            )
        member_invite(
            vendor=vendor, username=admin_username, email=admin_email, roles=[Role.VENDOR_ADMIN], marketplaces=[], actor=actor, site_url=site_url
        )
    return vendor
