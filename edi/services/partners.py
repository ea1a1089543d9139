"""Trading partners: the retailer's own X12 and EDIFACT identities (from settings), a vendor's partners created
and (de)activated, and the one EDI goes to."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from edi import x12
from vendor_portal.errors import DomainValidationError, NotFoundError, field_error
from vendor_portal.gs1 import gln_is_valid
from vendor_portal.models import Vendor
from vendor_portal.services.audit import Actor, audit_record
from vendor_portal.tenancy import Scope

from ..models import Syntax, TradingPartner

DEFAULTS = {
    "EDI_RETAILER_ISA_QUALIFIER": "ZZ",
    "EDI_RETAILER_ISA_ID": "NORTHWIND",
    "EDI_RETAILER_GS_ID": "NORTHWIND",
    "EDI_RETAILER_GLN": "4000000000006",
    "EDI_INBOX_DIR": str(Path(settings.BASE_DIR) / "var" / "edi" / "inbox"),
    "EDI_MAX_UPLOAD_BYTES": 5 * 1024 * 1024,
    "EDI_MAX_TRANSACTION_SETS": 10_000,
}


def edi_setting(name: str):
    return getattr(settings, name, DEFAULTS[name])


def retailer_partner() -> x12.Partner:
    return x12.Partner(edi_setting("EDI_RETAILER_ISA_QUALIFIER"), edi_setting("EDI_RETAILER_ISA_ID"), edi_setting("EDI_RETAILER_GS_ID"))


def retailer_gln() -> str:
    """The retailer's GLN: UNB sender of what the portal sends by EDIFACT, the recipient it expects."""
    return edi_setting("EDI_RETAILER_GLN")


def _x12_partner(partner: TradingPartner) -> x12.Partner:
    return x12.Partner(partner.isa_qualifier, partner.isa_id, partner.gs_application_id)


def active_partner(vendor) -> TradingPartner | None:
    return TradingPartner.objects.for_vendor(vendor).filter(is_active=True).order_by("pk").first()


# Trading partners ----------------------------------------------------------------------------------
_EDI_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,14}")


def trading_partner_create(
    *,
    vendor: Vendor,
    actor: Actor,
    isa_id: str = "",
    isa_qualifier: str = "ZZ",
    gs_application_id: str = "",
    name: str = "",
    syntax: str = Syntax.X12,
    gln: str = "",
) -> TradingPartner:
    """A partner trading in `syntax`: X12 partners are known by their ISA id, EDIFACT partners by their GLN
    (UNB S002, qualifier 14); a partner may have both, and is sent what its syntax says."""
    isa_id, gs_application_id, isa_qualifier, gln = isa_id.strip(), gs_application_id.strip(), isa_qualifier.strip().upper(), gln.strip()
    errors = []
    if syntax not in Syntax.values:
        errors.append(field_error(None, "syntax", _("Choose X12 or EDIFACT.")))
    if (isa_id or syntax == Syntax.X12) and not _EDI_ID.fullmatch(isa_id):
        errors.append(field_error(None, "isa_id", _("An ISA id is 1-15 letters, digits, spaces, dots, dashes or underscores.")))
    if gs_application_id and not _EDI_ID.fullmatch(gs_application_id):
        errors.append(field_error(None, "gs_application_id", _("A GS application id is 1-15 letters, digits, spaces, dots, dashes or underscores.")))
    if not re.fullmatch(r"[A-Z0-9]{2}", isa_qualifier):
        errors.append(field_error(None, "isa_qualifier", _("An ISA qualifier is two letters or digits, e.g. ZZ or 01.")))
    if (gln or syntax == Syntax.EDIFACT) and not gln_is_valid(gln):
        errors.append(field_error(None, "gln", _("A GLN is 13 digits, the last one its check digit.")))
    if errors:
        raise DomainValidationError(_("The trading partner has errors."), errors=errors)
    try:
        with transaction.atomic():
            partner = TradingPartner.objects.create(
                vendor=vendor,
                syntax=syntax,
                isa_qualifier=isa_qualifier,
                isa_id=isa_id,
                gs_application_id=gs_application_id,
                gln=gln,
                name=name[:100],
            )
            audit_record(
                actor=actor,
                action="edi_trading_partner.create",
                obj=partner,
                after={"syntax": syntax, "isa_qualifier": isa_qualifier, "isa_id": isa_id, "gs_application_id": gs_application_id, "gln": gln},
            )
    except IntegrityError:
        if gln and TradingPartner.objects.filter(gln=gln).exists():
            raise DomainValidationError(_("GLN %(gln)s is already in use.") % {"gln": gln}, field="gln") from None
        raise DomainValidationError(_("ISA id %(id)s is already in use.") % {"id": f"{isa_qualifier}:{isa_id}"}, field="isa_id") from None
    return partner


def trading_partner_set_active(*, scope: Scope, partner_id, is_active: bool, actor: Actor) -> TradingPartner:
    with transaction.atomic():
        partner = TradingPartner.objects.visible_to(scope).select_for_update().filter(pk=partner_id).first()
        if partner is None:
            raise NotFoundError(_("Trading partner not found."))
        if partner.is_active != is_active:
            partner.is_active = is_active
            partner.save(update_fields=["is_active"])
            audit_record(
                actor=actor,
                action="edi_trading_partner.activate" if is_active else "edi_trading_partner.deactivate",
                obj=partner,
                before={"is_active": not is_active},
                after={"is_active": is_active},
            )
    return partner
