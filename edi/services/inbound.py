"""Receiving an interchange from a vendor: envelope and sender checked, stored (a repeated ISA13 is a
duplicate), each transaction set dispatched to its handler, every group answered with a 997."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from edi import edifact, x12
from edi.x12.codes import InterchangeNote
from edi.x12.core import Problem, decode, is_digits
from vendor_portal.errors import DomainValidationError, ForbiddenError, PortalError
from vendor_portal.models import Channel, Vendor
from vendor_portal.services.audit import Actor, audit_record
from vendor_portal.tenancy import Scope

from ..models import ControlNumberKind, Direction, Interchange, InterchangeStatus, SetStatus, Syntax, TradingPartner, TransactionRecord
from ._common import _Context, _Outcome, _SetProblems
from .inbound_810 import _receive_810
from .inbound_846 import _receive_846
from .inbound_855 import _receive_855
from .inbound_856 import _receive_856
from .inbound_997 import _receive_997
from .interchanges import _allocate, _OutboundSet, _problem_dict, _problem_summary, _storable, _store_outbound
from .partners import _x12_partner, edi_setting, retailer_partner

logger = logging.getLogger(__name__)

DUPLICATE_INTERCHANGE = "025"  # TA105: duplicate interchange control number
INHERITED_PROBLEMS_PER_SET = 10


def _receive_outbound_only(ts, group, context: _Context) -> _Outcome:
    outcome = _Outcome()
    _SetProblems(ts, group, outcome).unsupported(_("The retailer sends %(set)s transaction sets; it does not accept them.") % {"set": ts.id_code})
    return outcome


HANDLERS = {
    "855": _receive_855,
    "856": _receive_856,
    "810": _receive_810,
    "846": _receive_846,
    "997": _receive_997,
    "850": _receive_outbound_only,
    "820": _receive_outbound_only,
}


# The receive entry point ---------------------------------------------------------------------------
def _envelope_problem(ix: x12.Interchange, code: str, message: str, bad_value: str = "") -> None:
    ix.envelope_problems.append(Problem("interchange", code, message, bad_value=bad_value))


def _dispatch(ix: x12.Interchange, context: _Context, progress: Callable[[int, int], None] | None = None) -> dict[int, _Outcome]:
    outcomes: dict[int, _Outcome] = {}
    total, done = len(ix.transaction_sets), 0
    for group in ix.groups:
        for ts in group.transaction_sets:
            done += 1
            if progress is not None:
                progress(done - 1, total)
            if group.problems or ts.problems or ts.document is None:
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


class InterchangeTooLargeError(PortalError):
    code = "too_large"
    status = 413
    default_message = _("The file is too large.")


class TooManyTransactionSetsError(DomainValidationError):
    code = "too_many_sets"


def edi_limits() -> tuple[int, int]:
    """(bytes, transaction sets): the most one inbound interchange may hold (settings EDI_MAX_UPLOAD_BYTES
    and EDI_MAX_TRANSACTION_SETS)."""
    return int(edi_setting("EDI_MAX_UPLOAD_BYTES")), int(edi_setting("EDI_MAX_TRANSACTION_SETS"))


def too_large_message(size: int | None = None) -> str:
    max_bytes = edi_limits()[0]
    if size is None:
        return _("An interchange may be at most %(max)s bytes.") % {"max": max_bytes}
    return _("The file is %(size)s bytes; an interchange may be at most %(max)s bytes.") % {"size": size, "max": max_bytes}


def edi_interchange_check(raw: bytes) -> None:
    """Refuse, before anything is stored or parsed, a file that is empty, too large or holds too many
    transaction sets (counted without parsing, in linear time)."""
    max_bytes, max_sets = edi_limits()
    if not raw.strip():
        raise DomainValidationError(_("The file is empty."), field="content")
    if len(raw) > max_bytes:
        raise InterchangeTooLargeError(too_large_message(len(raw)), field="content")
    sets = edifact.count_messages(raw) if edifact.looks_like_edifact(raw) else x12.count_transaction_sets(raw)
    if sets > max_sets:
        raise TooManyTransactionSetsError(
            _("The interchange holds %(sets)s transaction sets; one interchange may hold at most %(max)s. Split it into several interchanges.")
            % {"sets": sets, "max": max_sets},
            field="content",
        )


def edi_interchange_store(
    *, vendor: Vendor, content: bytes | str, actor: Actor, source: str, filename: str = "", scope: Scope | None = None
) -> Interchange:
    """Check the limits and store a received interchange as it came, status "received": what the upload
    does in the web request. Reading and applying it is `edi_interchange_process`, in a worker."""
    if vendor is None or (scope is not None and scope.vendor is None):
        raise ForbiddenError(_("EDI files are sent by a vendor."))
    raw = content.encode() if isinstance(content, str) else bytes(content)
    edi_interchange_check(raw)
    actor = Actor(user=actor.user, token=actor.token, channel=Channel.EDI, request_id=actor.request_id)
    with transaction.atomic():
        interchange = Interchange.objects.create(
            vendor=vendor,
            direction=Direction.INBOUND,
            status=InterchangeStatus.RECEIVED,
            source=source,
            syntax=Syntax.EDIFACT if edifact.looks_like_edifact(raw) else Syntax.X12,
            filename=filename[:200],
            content=_storable(decode(raw)),
            size=len(raw),
        )
        audit_record(
            actor=actor, action="edi_interchange.store", obj=interchange, after={"source": source, "size": len(raw), "filename": filename[:200]}
        )
    return interchange


def edi_receive(*, vendor: Vendor, content: bytes | str, actor: Actor, source: str, filename: str = "", scope: Scope | None = None) -> Interchange:
    """Receive one X12 interchange from `vendor` at once: store it, then process it (the watched folder,
    which already runs in a worker; uploads store in the request and process in a job)."""
    interchange = edi_interchange_store(vendor=vendor, content=content, actor=actor, source=source, filename=filename, scope=scope)
    return edi_interchange_process(interchange_id=interchange.pk, actor=actor, scope=scope)


def edi_interchange_process(
    *, interchange_id: int, actor: Actor, scope: Scope | None = None, progress: Callable[[int, int], None] | None = None
) -> Interchange:
    """Process a stored interchange: check the envelope and the sender, apply each set through the
    portal's services, and answer every functional group with a 997. `scope` is the uploader's (their
    permissions are checked per set); None for the watched folder. `progress(done, total)` hears how
    many sets there are once the file is read, then before each set is applied (inside the transaction).

    Bad X12 never raises: its problems are stored and answered. An interchange already processed (a
    redelivered job) is returned as it is."""
    interchange = Interchange.objects.select_related("vendor").get(pk=interchange_id)
    if interchange.status != InterchangeStatus.RECEIVED:
        return interchange
    vendor = interchange.vendor
    check_permissions = scope is not None
    scope = scope or Scope(vendor=vendor)
    actor = Actor(user=actor.user, token=actor.token, channel=Channel.EDI, request_id=actor.request_id)
    if interchange.syntax == Syntax.EDIFACT:
        from .inbound_edifact import edifact_interchange_process

        return edifact_interchange_process(interchange, actor=actor, scope=scope, check_permissions=check_permissions, progress=progress)
    ix = x12.parse_interchange(interchange.content, max_transaction_sets=edi_limits()[1])
    del interchange.content  # read: let the text go while the sets are applied (deferred again, it reloads if asked for)
    if progress is not None:
        progress(0, len(ix.transaction_sets))
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
        # Compare-and-set: of two workers handed the same interchange, one processes it.
        if not Interchange.objects.select_for_update().filter(pk=interchange.pk, status=InterchangeStatus.RECEIVED).exists():
            return Interchange.objects.select_related("vendor").defer("content", "problems").get(pk=interchange.pk)
        interchange.partner = partner
        interchange.control_number = control_number
        interchange.sender_qualifier, interchange.sender_id = ix.sender_qualifier[:2], ix.sender_id[:15]
        interchange.receiver_qualifier, interchange.receiver_id = ix.receiver_qualifier[:2], ix.receiver_id[:15]
        interchange.set_ids = ",".join(dict.fromkeys(_storable(ts.id_code[:3]) for ts in ix.transaction_sets))[:200]
        interchange.set_count = len(ix.transaction_sets)
        _save_detecting_duplicate(interchange, ix)
        context = _Context(vendor=vendor, partner=partner, scope=scope, actor=actor, interchange=interchange, check_permissions=check_permissions)
        outcomes = _dispatch(ix, context, progress) if not ix.envelope_problems else {}
        answer = _answer(ix, partner, actor) if partner is not None else None
        records = _inbound_records(interchange, ix, outcomes)
        TransactionRecord.objects.bulk_create(records, batch_size=1000)
        _problem_summary(interchange, [_problem_dict(p) for p in ix.problems])
        interchange.acknowledgement = answer
        interchange.status = _inbound_status(ix, records)
        interchange.save(update_fields=["problems", "problem_count", "first_problem", "acknowledgement", "status"])
        audit_record(
            actor=actor,
            action="edi_interchange.receive",
            obj=interchange,
            after={
                "status": interchange.status,
                "source": interchange.source,
                "control_number": control_number,
                "sender": f"{interchange.sender_qualifier}:{interchange.sender_id}",
                "duplicate_of": interchange.duplicate_of_id,
                "sets": [{"set": r.set_id, "control_number": r.control_number, "status": r.status, "reference": r.reference} for r in records[:100]],
                "set_count": len(records),
                "acknowledgement": answer.pk if answer else None,
            },
        )
    return interchange


HEADER_FIELDS = ["partner", "control_number", "sender_qualifier", "sender_id", "receiver_qualifier", "receiver_id", "set_ids", "set_count"]


def _save_detecting_duplicate(interchange: Interchange, ix: x12.Interchange) -> None:
    """Save what the envelope says; a repeated ISA13 from the same partner is kept as a duplicate and refused."""
    if interchange.partner is None or not interchange.control_number:
        interchange.save(update_fields=HEADER_FIELDS)
        return
    originals = Interchange.objects.inbound().filter(
        partner=interchange.partner, control_number=interchange.control_number, duplicate_of__isnull=True
    )
    original = originals.exclude(pk=interchange.pk).only("pk", "created_at").first()
    if original is None:
        try:
            with transaction.atomic():
                interchange.save(update_fields=HEADER_FIELDS)
            return
        except IntegrityError:  # the same interchange arrived twice at the same moment
            original = originals.exclude(pk=interchange.pk).only("pk", "created_at").get()
    interchange.duplicate_of = original
    interchange.save(update_fields=[*HEADER_FIELDS, "duplicate_of"])
    _envelope_problem(
        ix,
        DUPLICATE_INTERCHANGE,
        _("Interchange %(number)s was already received on %(when)s; it is not processed again.")
        % {"number": interchange.control_number, "when": timezone.localtime(original.created_at).strftime("%Y-%m-%d %H:%M %Z")},
        bad_value=interchange.control_number,
    )


def _inbound_records(interchange: Interchange, ix: x12.Interchange, outcomes: dict[int, _Outcome]) -> list[TransactionRecord]:
    records = []
    for group in ix.groups:
        # What rejects every set of the group is repeated on each, so only its first few: a group of many
        # sets and many stray segments must not multiply into sets x problems.
        inherited = [*ix.envelope_problems, *group.problems][:INHERITED_PROBLEMS_PER_SET]
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
                for p in [*inherited, *ts.problems]
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
    return _inbound_status_of(bool(ix.envelope_problems), records, bool(ix.problems))


def _inbound_status_of(envelope_rejected: bool, records: list[TransactionRecord], any_problems: bool) -> str:
    if envelope_rejected:
        return InterchangeStatus.REJECTED
    accepted = sum(record.status == SetStatus.ACCEPTED for record in records)
    if records and accepted == len(records) and not any_problems:
        return InterchangeStatus.ACCEPTED
    return InterchangeStatus.PARTIALLY_ACCEPTED if accepted else InterchangeStatus.REJECTED
