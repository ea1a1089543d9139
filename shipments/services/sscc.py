"""SSCCs of the vendor's GS1 company prefix: allocated from a counter that only counts up, which is
also moved past the SSCCs the vendor's own system printed."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from vendor_portal.errors import ConflictError
from vendor_portal.gs1 import sscc_build
from vendor_portal.models import Vendor
from vendor_portal.services.audit import Actor, audit_record

from ..models import SsccCounter

SSCC_EXTENSION_DIGIT = 0


def sscc_allocate(*, vendor: Vendor, count: int, actor: Actor) -> list[str]:
    """`count` new SSCCs of the vendor's company prefix, from a counter that only counts up.

    The counter row is locked for the length of the caller's transaction, so two ship plans
    allocating at once get disjoint serials; a rolled-back allocation leaves a gap, never a reuse.
    """
    if count <= 0:
        return []
    prefix = vendor.gs1_company_prefix
    capacity = 10 ** (16 - len(prefix))
    with transaction.atomic():
        SsccCounter.objects.get_or_create(vendor=vendor)
        counter = SsccCounter.objects.select_for_update().get(vendor=vendor)
        first = counter.next_serial
        if first + count > capacity:
            raise ConflictError(_("The GS1 company prefix %(prefix)s has no SSCC serials left.") % {"prefix": prefix})
        SsccCounter.objects.filter(pk=counter.pk).update(next_serial=F("next_serial") + count)
        audit_record(
            actor=actor,
            action="sscc_counter.allocate",
            obj=counter,
            vendor=vendor,
            before={"next_serial": first},
            after={"next_serial": first + count},
        )
    return [sscc_build(extension_digit=SSCC_EXTENSION_DIGIT, company_prefix=prefix, serial=serial) for serial in range(first, first + count)]


def _serial_of(sscc: str, prefix: str) -> int:
    return int(sscc[1 + len(prefix) : -1])


def _sscc_counter_pass(vendor: Vendor, ssccs: list[str], actor: Actor) -> None:
    """Move the vendor's counter past given SSCCs of the portal's own extension digit, so the portal
    never allocates one of them later (the counter only counts up)."""
    prefix = vendor.gs1_company_prefix
    serials = [_serial_of(sscc, prefix) for sscc in ssccs if int(sscc[0]) == SSCC_EXTENSION_DIGIT]
    if not serials:
        return
    wanted = max(serials) + 1
    counter = SsccCounter.objects.select_for_update().filter(vendor=vendor).first()
    if counter is None:
        counter = SsccCounter.objects.create(vendor=vendor, next_serial=wanted)
        audit_record(actor=actor, action="sscc_counter.advance", obj=counter, vendor=vendor, after={"next_serial": wanted})
    elif counter.next_serial < wanted:
        before = {"next_serial": counter.next_serial}
        SsccCounter.objects.filter(pk=counter.pk).update(next_serial=wanted)
        audit_record(actor=actor, action="sscc_counter.advance", obj=counter, vendor=vendor, before=before, after={"next_serial": wanted})
