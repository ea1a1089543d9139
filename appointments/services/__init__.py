"""Every write on dock appointments, routing requests and dock capacity, a module per use case.

The screens and /api/v1/ call these, so they behave identically.

- booking: an appointment requested for a submitted ASN; confirmed, moved, refused, cancelled; the truck's
  arrival (late or on time); confirmed appointments nobody came to marked missed (Celery beat)
- routing: routing requests (collect freight) asked for by the vendor, scheduled or refused by the DC
- docks: a DC's dock capacity and closed dates
- _common: the permission checks, locks, slot arithmetic and events the modules share

Capacity: every write that takes a slot locks the DC's DockCapacity row first (then the appointment), so
bookings at one DC happen one after the other; a unique constraint on (DC, slot start, door) backs it up.
"""
