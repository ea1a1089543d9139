from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vendor_portal.models import BankDetails
from vendor_portal.models.vendors import mask_account_number
from vendor_portal.roles import Action

from .approvals import VENDOR_CHECKERS, ApprovalKind, approval_request_create, register_approval_kind
from .audit import Actor, audit_record, snapshot
from .notifications import email_vendor_roles

BANK_CHANGE = "bank_details_change"
BANK_AUDITED = [*BankDetails.FIELDS, "changed_at"]


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
        before = snapshot(details, BANK_AUDITED) if details else None
        if details is None:
            details = BankDetails(vendor_id=approval.vendor_id)
        for field in BankDetails.FIELDS:
            setattr(details, field, approval.payload.get(field, ""))
        details.changed_at = timezone.now()
        details.save()
        audit_record(actor=actor, action="bank_details.change", obj=details, before=_masked(before), after=_masked(snapshot(details, BANK_AUDITED)))
        _announce_bank_change(approval, details=details)


def _masked(fields: dict | None) -> dict | None:
    """Bank details as shown and audited: the account number masked, as on the bank screen."""
    return {**fields, "account_number": mask_account_number(fields.get("account_number"))} if fields else fields


def _announce_bank_change_request(approval, actor: Actor) -> None:
    _announce_bank_change(approval, details=None)


def _announce_bank_change(approval, *, details) -> None:
    """Every vendor admin and finance person hears of a bank change by e-mail when it is asked for (so one who
    did not ask can turn it down) and when it takes effect (with the date payments to it resume)."""
    from vendor_portal.models import Vendor

    vendor = Vendor.objects.get(pk=approval.vendor_id)
    account = mask_account_number(approval.payload.get("account_number", ""))
    facts = {
        "vendor": vendor.name,
        "code": vendor.code,
        "bank": approval.payload.get("bank_name", ""),
        "account": account,
        "requester": approval.requested_by.get_username(),
        "checker": approval.decided_by.get_username() if approval.decided_by_id else "",
        "held_until": timezone.localtime(details.payments_held_until).strftime("%Y-%m-%d %H:%M %Z")
        if details is not None and details.payments_held_until
        else "",
    }

    def compose(_user):
        if details is None:
            subject = _("Bank details change requested for %(code)s") % facts
            body = (
                _(
                    "%(requester)s asked to change the bank details of %(vendor)s (%(code)s) to %(bank)s, account %(account)s.\n"
                    "It takes effect when a second vendor admin or finance person approves it under Approvals on the Vendor Portal.\n"
                    "If you do not recognise this change, reject it there and tell your colleagues."
                )
                % facts
            )
        else:
            subject = _("Bank details of %(code)s changed") % facts
            body = (
                _(
                    "The bank details of %(vendor)s (%(code)s) are now %(bank)s, account %(account)s: requested by %(requester)s, "
                    "approved by %(checker)s.\nPayments to the new details are held until %(held_until)s.\n"
                    "If you do not recognise this change, contact the retailer's accounts payable at once."
                )
                % facts
            )
        return subject, body

    email_vendor_roles(vendor=vendor, roles=VENDOR_CHECKERS, compose=compose)


register_approval_kind(
    ApprovalKind(
        name=BANK_CHANGE,
        checker_action=Action.APPROVE_BANK_CHANGE,
        apply=_apply_bank_change,
        checker_roles=VENDOR_CHECKERS,
        redact=_masked,
        established_checker=True,
        on_request=_announce_bank_change_request,
    )
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
