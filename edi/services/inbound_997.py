"""Inbound 997 from the partner: the answer to what the portal sent, set by set."""

from __future__ import annotations

from django.utils.translation import gettext as _

from edi import x12
from edi.x12.codes import AckCode
from edi.x12.core import is_digits
from vendor_portal.services.audit import audit_record

from ..models import Direction, InterchangeStatus, SetStatus, TransactionRecord
from ._common import _Context, _Outcome


def _number(value: str) -> str:
    return str(int(value)) if is_digits(value) else value


def _receive_997(ts, group, context: _Context) -> _Outcome:
    ack: x12.FunctionalAck = ts.document
    outcome = _Outcome(reference=ack.group_control_number[:60])
    set_ids = [t.id_code for t in x12.SET_TYPES if t.functional_id_code == ack.functional_id_code]
    records = list(
        TransactionRecord.objects.select_related("interchange").filter(
            interchange__partner=context.partner,
            interchange__direction=Direction.OUTBOUND,
            group_control_number=_number(ack.group_control_number),
            set_id__in=set_ids,
        )
    )
    if not records:
        message = _("No %(kind)s group %(number)s was sent to you.") % {"kind": ack.functional_id_code, "number": ack.group_control_number}
        outcome.errors.append({"code": "not_found", "message": message, "segment": "AK1", "position": 2, "element": 2})
        return outcome
    by_number = {_number(s.control_number): s for s in ack.sets}
    group_accepted = ack.status in (AckCode.ACCEPTED, AckCode.ACCEPTED_WITH_ERRORS)
    interchanges = {}
    for record in records:
        set_ack = by_number.get(_number(record.control_number))
        accepted = set_ack.accepted if set_ack is not None else group_accepted
        errors = (
            []
            if accepted
            else [
                {
                    "code": "rejected_by_partner",
                    "message": _("Rejected by the partner's 997 (AK5 %(codes)s).")
                    % {"codes": ",".join(set_ack.error_codes) if set_ack else ack.status},
                }
            ]
        )
        TransactionRecord.objects.filter(pk=record.pk).update(status=SetStatus.ACCEPTED if accepted else SetStatus.REJECTED, errors=errors)
        interchanges[record.interchange_id] = record.interchange
    for sent in interchanges.values():
        statuses = set(TransactionRecord.objects.filter(interchange=sent).values_list("status", flat=True))
        before = {"status": sent.status, "acknowledgement": sent.acknowledgement_id}
        sent.status = _status_from_sets(statuses)
        sent.acknowledgement = context.interchange
        sent.save(update_fields=["status", "acknowledgement"])
        audit_record(
            actor=context.actor,
            action="edi_interchange.acknowledged",
            obj=sent,
            before=before,
            after={"status": sent.status, "acknowledgement": context.interchange.pk},
        )
    outcome.obj = records[0].interchange
    return outcome


def _status_from_sets(statuses: set[str]) -> str:
    if statuses == {SetStatus.ACCEPTED}:
        return InterchangeStatus.ACCEPTED
    if SetStatus.ACCEPTED in statuses:
        return InterchangeStatus.PARTIALLY_ACCEPTED
    if SetStatus.SENT in statuses or not statuses:
        return InterchangeStatus.SENT
    return InterchangeStatus.REJECTED
