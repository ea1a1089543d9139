from django.db import transaction
from django.utils.translation import gettext as _

from vendor_portal.models import BankDetails
from vendor_portal.roles import Action

from .approvals import VENDOR_CHECKERS, ApprovalKind, approval_request_create, register_approval_kind
from .audit import Actor, audit_record, snapshot

BANK_CHANGE = "bank_details_change"


def bank_details_change_request(*, vendor, data: dict, actor: Actor):
    """Ask for new bank / remit-to details. Nothing changes until a second person approves."""
    payload = {field: str(data.get(field, "")).strip() for field in BankDetails.FIELDS}
    current = getattr(vendor, "bank_details", None) if BankDetails.objects.filter(vendor=vendor).exists() else None
    masked = "···" + payload["account_number"][-4:]
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
        audit_record(actor=actor, action="bank_details.change", obj=details, before=before, after=snapshot(details, BankDetails.FIELDS))


register_approval_kind(
    ApprovalKind(name=BANK_CHANGE, checker_action=Action.APPROVE_BANK_CHANGE, apply=_apply_bank_change, checker_roles=VENDOR_CHECKERS)
)
