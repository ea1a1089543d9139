"""Two vendors ask for the DC's last free door at the same moment, each on its own connection: one gets it,
the other a clear 409 conflict, and the door is never booked twice."""

import threading
import time

import pytest
from django.db import connections

from appointments.models import Appointment, AppointmentState
from appointments.services import _common, booking
from appointments.services._common import DockFullError
from tests.appointments.factories import at, day_ahead, dock, requested, submitted_asn, vendor_scope
from vendor_portal.services.audit import Actor


@pytest.mark.django_db(transaction=True)
def test_two_requests_for_the_last_slot_one_wins_the_other_gets_a_conflict(vendor, other_vendor, monkeypatch):
    capacity = dock(doors=2)
    day = day_ahead()
    # One of the slot's two doors is already taken: one door is left.
    requested(vendor, submitted_asn(vendor, "EARLIER"), day, start=9, end=10)
    contenders = {
        "acme": (vendor, submitted_asn(vendor, "ACME-LAST")),
        "globex": (other_vendor, submitted_asn(other_vendor, "GLOBEX-LAST", warehouse=capacity.warehouse)),
    }

    # Each request dwells after choosing its door, so both would choose the same door if nothing serialised them.
    choose = _common.first_free_slot

    def slow_choice(*args, **kwargs):
        chosen = choose(*args, **kwargs)
        time.sleep(0.3)
        return chosen

    monkeypatch.setattr(booking, "first_free_slot", slow_choice)
    start = threading.Barrier(len(contenders))
    outcomes: dict[str, object] = {}

    def ask(name):
        asker, shipment = contenders[name]
        try:
            start.wait(timeout=10)
            outcomes[name] = booking.appointment_request(
                scope=vendor_scope(asker), shipment_id=shipment.pk, window_start=at(day, 9), window_end=at(day, 10), actor=Actor(channel="api")
            )
        except Exception as error:  # reported to the main thread, which judges it
            outcomes[name] = error
        finally:
            connections.close_all()  # each thread opened its own connection

    threads = [threading.Thread(target=ask, args=(name,)) for name in contenders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)

    won = [name for name, outcome in outcomes.items() if isinstance(outcome, Appointment)]
    lost = [outcome for outcome in outcomes.values() if not isinstance(outcome, Appointment)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    [conflict] = lost
    assert isinstance(conflict, DockFullError) and (conflict.status, conflict.code) == (409, "dock_full")
    # The loser waited on the DC's capacity row and then saw the door taken (not the constraint's backstop).
    assert conflict.message == "Every door of ABE2 is booked in this window: ask for another time."
    held = Appointment.objects.filter(warehouse=capacity.warehouse, state=AppointmentState.REQUESTED, slot_start=at(day, 9))
    assert sorted(held.values_list("door", flat=True)) == [1, 2]
    assert held.get(door=2).shipment == contenders[won[0]][1]
