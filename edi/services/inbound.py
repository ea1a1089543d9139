"""Receiving an interchange from a vendor: envelope and sender checked, stored (a repeated ISA13 is a
duplicate), each transaction set dispatched to its handler, every group answered with a 997."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from edi import x12
from edi.x12.codes import InterchangeNote
from edi.x12.core import Problem, decode, is_digits
from vendor_portal.errors import DomainValidationError, ForbiddenError, field_error
from vendor_portal.models import Channel, Vendor
from vendor_portal.services.audit import Actor, audit_record
from vendor_portal.tenancy import Scope

from ..models import MAX_INTERCHANGE_BYTES, ControlNumberKind, Direction, Interchange, InterchangeStatus, SetStatus, TradingPartner, TransactionRecord
from ._common import _Context, _Outcome, _SetProblems
from .inbound_810 import _receive_810
from .inbound_855 import _receive_855
from .inbound_856 import _receive_856
from .inbound_997 import _receive_997
from .interchanges import _allocate, _OutboundSet, _problem_dict, _storable, _store_outbound
from .partners import _x12_partner, retailer_partner

logger = logging.getLogger(__name__)

DUPLICATE_INTERCHANGE = "025"  # TA105: duplicate interchange control number


def _receive_outbound_only(ts, group, context: _Context) -> _Outcome:
    outcome = _Outcome()
    _SetProblems(ts, group, outcome).unsupported(_("The retailer sends %(set)s transaction sets; it does not accept them.") % {"set": ts.id_code})
    return outcome


HANDLERS = {
    "855": _receive_855,
    "856": _receive_856,
    "810": _receive_810,
    "997": _receive_997,
    "850": _receive_outbound_only,
    "820": _receive_outbound_only,
}


# The receive entry point ---------------------------------------------------------------------------
def _envelope_problem(ix: x12.Interchange, code: str, message: str, bad_value: str = "") -> None:
    ix.envelope_problems.append(Problem("interchange", code, message, bad_value=bad_value))


def _dispatch(ix: x12.Interchange, context: _Context) -> dict[int, _Outcome]:
    outcomes: dict[int, _Outcome] = {}
    for group in ix.groups:
        if group.problems:
            continue
        for ts in group.transaction_sets:
            if ts.problems or ts.document is None:
                continue
            handler = HANDLERS[ts.id_code]
            try:
                with transaction.atomic():
                    outcomes[id(ts)] = handler(ts, group, context)
            except Exception:  # noqa: BLE001 - one bad set must not lose the others or the 997
                logger.exception("EDI set %s %s of interchange %s failed", ts.id_code, ts.control_number, context.interchange.pk)
                outcome = _Outcome()
                _SetProblems(ts, group, outcome).unsupported(
                    _("The portal could not process this transaction set; the retailer has been told."), code="internal_error"
                )
                outcomes[id(ts)] = outcome
    return outcomes


def _answer(ix: x12.Interchange, partner: TradingPartner, actor: Actor) -> Interchange | None:
    """The 997s (and TA1 when asked for or when the envelope is refused) for a received interchange."""
    acks = x12.acknowledge(ix)
    ta1 = x12.build_ta1(ix) if (ix.ack_requested or ix.envelope_problems) else None
    if not acks and ta1 is None:
        return None
    isa_number = _allocate(partner, ControlNumberKind.INTERCHANGE)
    groups, sets = [], []
    for ack in acks:
        group_number = _allocate(partner, ControlNumberKind.GROUP)
        set_number = _allocate(partner, ControlNumberKind.TRANSACTION_SET)
        groups.append(x12.DocumentGroup(group_number, [ack], set_number))
        sets.append(_OutboundSet("997", group_number, set_number, reference=f"{ack.functional_id_code} {ack.group_control_number}"))
    candidates = [x12.DEFAULT_DELIMITERS]
    if ix.delimiters is not None:
        # Answer in the partner's own delimiters (the 004010 envelope has no repetition separator).
        candidates.insert(0, x12.Delimiters(ix.delimiters.element, ix.delimiters.component, ix.delimiters.segment))
    for delimiters in candidates:
        try:
            text = x12.write_interchange(
                sender=retailer_partner(),
                receiver=_x12_partner(partner),
                control_number=isa_number,
                groups=groups,
                created_at=timezone.now(),
                delimiters=delimiters,
                interchange_acks=[ta1] if ta1 else [],
            )
            break
        except ValueError:  # delimiters X12 refuses, or one that occurs in the data echoed back
            if delimiters is candidates[-1]:
                raise
    answer = _store_outbound(partner=partner, isa_control_number=isa_number, text=text, sets=sets, actor=actor, action="edi_interchange.acknowledge")
    if not sets:
        answer.set_ids = "TA1"
        answer.save(update_fields=["set_ids"])
    return answer


def edi_receive(*, vendor: Vendor, content: bytes | str, actor: Actor, source: str, filename: str = "", scope: Scope | None = None) -> Interchange:
    """Receive one X12 interchange from `vendor`: check the envelope and the sender, apply each set
    through the portal's services, and answer every functional group with a 997.

    Bad X12 never raises: its problems are stored and answered. Raises only for what cannot be
    stored at all (empty, too large) or a caller who is not a vendor."""
    if vendor is None or (scope is not None and scope.vendor is None):
        raise ForbiddenError(_("EDI files are sent by a vendor."))
    raw = content.encode() if isinstance(content, str) else bytes(content)
    if not raw.strip():
        raise DomainValidationError(_("The file is empty."), field="content")
    if len(raw) > MAX_INTERCHANGE_BYTES:
        raise DomainValidationError(
            _("The file is %(size)s bytes; an interchange may be at most %(max)s bytes.") % {"size": len(raw), "max": MAX_INTERCHANGE_BYTES},
            field="content",
            errors=[field_error(None, "content", _("The file is too large."), "too_large")],
        )
    check_permissions = scope is not None
    scope = scope or Scope(vendor=vendor)
    actor = Actor(user=actor.user, token=actor.token, channel=Channel.EDI, request_id=actor.request_id)
    text = _storable(decode(raw))
    ix = x12.parse_interchange(text)
    partner = None
    if ix.delimiters is not None:
        partner = TradingPartner.objects.for_vendor(vendor).filter(is_active=True, isa_qualifier=ix.sender_qualifier, isa_id=ix.sender_id).first()
        if partner is None:
            _envelope_problem(
                ix,
                InterchangeNote.INVALID_SENDER_ID,
                _("ISA sender %(sender)s is not an active trading partner of %(vendor)s.")
                % {"sender": f"{ix.sender_qualifier}:{ix.sender_id}", "vendor": vendor.code},
                bad_value=ix.sender_id,
            )
        us = retailer_partner()
        if (ix.receiver_qualifier, ix.receiver_id) != (us.qualifier, us.id):
            _envelope_problem(
                ix,
                InterchangeNote.INVALID_RECEIVER_ID,
                _("ISA receiver %(receiver)s is not the retailer (%(us)s).")
                % {"receiver": f"{ix.receiver_qualifier}:{ix.receiver_id}", "us": f"{us.qualifier}:{us.id}"},
                bad_value=ix.receiver_id,
            )
    # ISA13 is nine digits; a sender that trims the padding still means the same interchange.
    control_number = ix.control_number.zfill(9) if is_digits(ix.control_number) and len(ix.control_number) <= 9 else ""
    with transaction.atomic():
        interchange = Interchange(
            vendor=vendor,
            partner=partner,
            direction=Direction.INBOUND,
            status=InterchangeStatus.RECEIVED,
            source=source,
            filename=filename[:200],
            control_number=control_number,
            sender_qualifier=ix.sender_qualifier[:2],
            sender_id=ix.sender_id[:15],
            receiver_qualifier=ix.receiver_qualifier[:2],
            receiver_id=ix.receiver_id[:15],
            set_ids=",".join(dict.fromkeys(_storable(ts.id_code[:3]) for ts in ix.transaction_sets))[:200],
            content=text,
            size=len(raw),
        )
        _save_detecting_duplicate(interchange, ix)
        context = _Context(vendor=vendor, partner=partner, scope=scope, actor=actor, interchange=interchange, check_permissions=check_permissions)
        outcomes = _dispatch(ix, context) if not ix.envelope_problems else {}
        answer = _answer(ix, partner, actor) if partner is not None else None
        records = _inbound_records(interchange, ix, outcomes)
        TransactionRecord.objects.bulk_create(records)
        interchange.problems = [_problem_dict(p) for p in ix.problems]
        interchange.acknowledgement = answer
        interchange.status = _inbound_status(ix, records)
        interchange.save(update_fields=["problems", "acknowledgement", "status"])
        audit_record(
            actor=actor,
            action="edi_interchange.receive",
            obj=interchange,
            after={
                "status": interchange.status,
                "source": source,
                "control_number": control_number,
                "sender": f"{interchange.sender_qualifier}:{interchange.sender_id}",
                "duplicate_of": interchange.duplicate_of_id,
                "sets": [{"set": r.set_id, "control_number": r.control_number, "status": r.status, "reference": r.reference} for r in records],
                "acknowledgement": answer.pk if answer else None,
            },
        )
    return interchange


def _save_detecting_duplicate(interchange: Interchange, ix: x12.Interchange) -> None:
    """Save the row; a repeated ISA13 from the same partner is stored as a duplicate and refused."""
    if interchange.partner is None or not interchange.control_number:
        interchange.save()
        return
    original = (
        Interchange.objects.inbound()
        .filter(partner=interchange.partner, control_number=interchange.control_number, duplicate_of__isnull=True)
        .first()
    )
    if original is None:
        try:
            with transaction.atomic():
                interchange.save()
            return
        except IntegrityError:  # the same interchange arrived twice at the same moment
            interchange.pk = None
            original = Interchange.objects.inbound().get(
                partner=interchange.partner, control_number=interchange.control_number, duplicate_of__isnull=True
            )
    interchange.duplicate_of = original
    interchange.save()
    _envelope_problem(
        ix,
        DUPLICATE_INTERCHANGE,
        _("Interchange %(number)s was already received on %(when)s; it is not processed again.")
        % {"number": interchange.control_number, "when": timezone.localtime(original.created_at).strftime("%Y-%m-%d %H:%M")},
        bad_value=interchange.control_number,
    )


def _inbound_records(interchange: Interchange, ix: x12.Interchange, outcomes: dict[int, _Outcome]) -> list[TransactionRecord]:
    records = []
    for group in ix.groups:
        for ts in group.transaction_sets:
            outcome = outcomes.get(id(ts), _Outcome())
            errors = outcome.errors or [
                {
                    "code": str(p.code),
                    "message": _storable(p.message),
                    "segment": _storable(p.segment_id),
                    "position": p.segment_position,
                    "element": p.element_position,
                }
                for p in [*ix.envelope_problems, *group.problems, *ts.problems]
            ]
            accepted = not errors and id(ts) in outcomes
            records.append(
                TransactionRecord(
                    interchange=interchange,
                    set_id=_storable(ts.id_code[:3]),
                    group_control_number=_storable(group.control_number[:9]),
                    control_number=_storable(ts.control_number[:9]),
                    status=SetStatus.ACCEPTED if accepted else SetStatus.REJECTED,
                    errors=errors,
                    reference=_storable(outcome.reference),
                    object_type=outcome.obj._meta.label_lower if outcome.obj is not None else "",
                    object_id=str(outcome.obj.pk) if outcome.obj is not None else "",
                )
            )
    return records


def _inbound_status(ix: x12.Interchange, records: list[TransactionRecord]) -> str:
    if ix.envelope_problems:
        return InterchangeStatus.REJECTED
    accepted = sum(record.status == SetStatus.ACCEPTED for record in records)
    if records and accepted == len(records) and not ix.problems:
        return InterchangeStatus.ACCEPTED
    return InterchangeStatus.PARTIALLY_ACCEPTED if accepted else InterchangeStatus.REJECTED
