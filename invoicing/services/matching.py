"""Invoice states the 3-way match decides (reconciliation/engine.py), set in bulk: approved for payment once
matched, on hold while a line waits for its receipt, released when the goods arrive.

The engine computes what moves; this module moves it like any other state change (an audit row per
invoice, `InvoiceStateChanged` published, the vendor's finance people notified as `_set_state` does),
in a fixed number of statements however many invoices a sweep moves.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vendor_portal import events
from vendor_portal.errors import InvalidTransitionError
from vendor_portal.models import AuditEvent
from vendor_portal.services.audit import Actor
from vendor_portal.services.notifications import notify_vendor_roles_each

from ..models import Invoice, InvoiceState, InvoiceType
from ._common import FINANCE_ROLES, STATE_EVENTS

# The states the match moves an invoice into.
MATCH_STATES = (InvoiceState.ON_HOLD, InvoiceState.APPROVED_FOR_PAYMENT)


@dataclass(frozen=True)
class MatchStateChange:
    """One invoice the match moves from `from_state` (what the engine saw under its lock) to `to_state`."""

    invoice_id: int
    from_state: str
    to_state: str
    due_date: datetime.date | None = None  # set when approved for payment without one: due by its terms


@dataclass(frozen=True)
class MovedInvoice:
    invoice_id: int
    vendor_id: int
    marketplace_id: int
    number: str
    invoice_type: str
    currency: str
    total: str
    from_state: str
    to_state: str


MOVE_SQL = """
WITH wanted AS (
    SELECT * FROM unnest(%(ids)s::bigint[], %(from_states)s::text[], %(to_states)s::text[], %(due_dates)s::date[])
        AS w(invoice_id, from_state, to_state, due_date)
),
moved AS (  -- compare-and-set: only an invoice still in the state the match saw moves
    UPDATE {invoice} i
    SET state = w.to_state, state_changed_at = %(now)s, updated_at = %(now)s, due_date = COALESCE(w.due_date, i.due_date)
    FROM wanted w
    WHERE i.id = w.invoice_id AND i.state = w.from_state
    RETURNING i.id, i.vendor_id, i.marketplace_id, i.number, i.invoice_type, i.currency, i.grand_total, w.from_state, w.to_state, w.due_date
),
audited AS (
    INSERT INTO {audit} (occurred_at, actor_id, actor_token_id, actor_label, channel, vendor_id, action, object_type, object_id,
                         object_repr, before, after, request_id)
    SELECT %(recorded_at)s, %(actor_id)s, %(actor_token_id)s, %(actor_label)s, %(channel)s, m.vendor_id, 'invoice.' || m.to_state,
           'invoicing.invoice', m.id::text, left(m.number, 200), jsonb_build_object('state', m.from_state),
           jsonb_build_object('state', m.to_state)
               || CASE WHEN %(note)s = '' THEN '{{}}'::jsonb ELSE jsonb_build_object('note', %(note)s) END
               || CASE WHEN m.due_date IS NULL THEN '{{}}'::jsonb ELSE jsonb_build_object('due_date', to_char(m.due_date, 'YYYY-MM-DD')) END,
           %(request_id)s
    FROM moved m
    ORDER BY m.id
)
SELECT m.id, m.vendor_id, m.marketplace_id, m.number, m.invoice_type, m.currency, m.grand_total::text, m.from_state, m.to_state
FROM moved m ORDER BY m.id
"""


def invoices_set_state_from_match(
    *, changes: list[MatchStateChange], actor: Actor, now: datetime.datetime | None = None, note: str = ""
) -> list[MovedInvoice]:
    """Move the invoices of `changes` (in the caller's transaction, which holds their locks): each one still in
    its `from_state` becomes `to_state`, with an audit row ("invoice.<state>", before/after state, `note`, the
    due date set), one InvoiceStateChanged each in one publish, and the notice a state change sends. Returns
    the invoices moved, in id order."""
    if not changes:
        return []
    for change in changes:
        if change.to_state not in MATCH_STATES or not Invoice.allows(change.from_state, change.to_state):
            raise InvalidTransitionError(
                _("The match cannot move an invoice from %(from)s to %(to)s.") % {"from": change.from_state, "to": change.to_state}
            )
    now = now or timezone.now()
    changes = sorted(changes, key=lambda change: change.invoice_id)
    with transaction.atomic(savepoint=False):  # part of the caller's transaction, which holds the invoices' locks
        moved = _move_sql(changes, actor, now, note)
        events.publish(
            *(
                STATE_EVENTS.get(m.to_state, events.InvoiceStateChanged)(
                    vendor_id=m.vendor_id,
                    channel=actor.channel,
                    invoice_id=m.invoice_id,
                    number=m.number,
                    invoice_type=m.invoice_type,
                    state=m.to_state,
                    previous_state=m.from_state,
                    total=m.total,
                    currency=m.currency,
                    reason=note,
                )
                for m in moved
            )
        )
        notify_vendor_roles_each(
            roles=FINANCE_ROLES,
            notices=[
                {
                    "vendor_id": m.vendor_id,
                    "marketplace_id": m.marketplace_id,
                    "kind": f"invoice_{m.to_state}",
                    "url": f"/invoices/{m.invoice_id}/",
                    "title": _("%(type)s %(number)s: %(state)s")
                    % {"type": InvoiceType(m.invoice_type).label, "number": m.number, "state": InvoiceState(m.to_state).label.lower()},
                }
                for m in moved
            ],
        )
    return moved


def _move_sql(changes: list[MatchStateChange], actor: Actor, now, note: str) -> list[MovedInvoice]:
    """One statement updates them (compare-and-set on the state), writes their audit rows and returns them."""
    with connection.cursor() as cursor:
        cursor.execute(
            MOVE_SQL.format(invoice=Invoice._meta.db_table, audit=AuditEvent._meta.db_table),
            {
                "ids": [c.invoice_id for c in changes],
                "from_states": [str(c.from_state) for c in changes],
                "to_states": [str(c.to_state) for c in changes],
                "due_dates": [c.due_date for c in changes],
                "now": now,
                "recorded_at": timezone.now(),
                "note": note,
                "actor_id": getattr(actor.user, "pk", None),
                "actor_token_id": getattr(actor.token, "pk", None),
                "actor_label": actor.label,
                "channel": actor.channel,
                "request_id": actor.request_id,
            },
        )
        return [MovedInvoice(*row) for row in cursor.fetchall()]
