"""Request and response examples of the appointment, routing and dock capacity API, shown in /api/docs/.

Shapes of the demo data: vendor ACME, DC ABE2 (America/New_York, 4 doors, slots of an hour from 06:00 to 22:00).
"""

from drf_spectacular.utils import OpenApiExample

APPOINTMENT = {
    "id": 42,
    "reference": "APT-000042",
    "state": "requested",
    "vendor": "ACME",
    "warehouse": "ABE2",
    "time_zone": "America/New_York",
    "shipment": 17,
    "shipment_identifier": "ASN-ACME-0017",
    "routing_request": None,
    "window_start": "2026-12-07T13:00:00Z",
    "window_end": "2026-12-07T21:00:00Z",
    "slot_start": "2026-12-07T14:00:00Z",
    "slot_end": "2026-12-07T15:00:00Z",
    "slot_start_local": "2026-12-07T09:00:00-05:00",
    "slot_end_local": "2026-12-07T10:00:00-05:00",
    "door": 2,
    "carrier_name": "Old Dominion Freight Line",
    "note": "Tail-lift truck",
    "reason": "",
    "previous_slots": [],
    "arrived_at": None,
    "arrived_late": False,
    "requested_at": "2026-12-03T10:12:03Z",
    "confirmed_at": None,
    "refused_at": None,
    "cancelled_at": None,
    "missed_at": None,
}
CONFIRMED = {**APPOINTMENT, "state": "confirmed", "confirmed_at": "2026-12-03T11:02:44Z"}
MOVED = {
    **CONFIRMED,
    "slot_start": "2026-12-07T17:00:00Z",
    "slot_end": "2026-12-07T18:00:00Z",
    "slot_start_local": "2026-12-07T12:00:00-05:00",
    "slot_end_local": "2026-12-07T13:00:00-05:00",
    "door": 1,
    "reason": "Door 2 under repair",
    "previous_slots": [
        {
            "slot_start": "2026-12-07T14:00:00Z",
            "slot_end": "2026-12-07T15:00:00Z",
            "door": 2,
            "moved_at": "2026-12-04T08:30:00Z",
            "reason": "Door 2 under repair",
        }
    ],
}
REFUSED = {**APPOINTMENT, "state": "refused", "reason": "Peak week: no LTL before 12:00", "refused_at": "2026-12-03T11:02:44Z"}
CANCELLED = {**CONFIRMED, "state": "cancelled", "cancelled_at": "2026-12-05T16:00:00Z"}
ARRIVED = {**CONFIRMED, "state": "arrived", "arrived_at": "2026-12-07T14:52:00Z", "arrived_late": True}

APPOINTMENT_PAGE = OpenApiExample("A page of appointments (one row shown)", response_only=True, status_codes=["200"], value=CONFIRMED)
APPOINTMENT_DETAIL = OpenApiExample("A confirmed appointment", response_only=True, status_codes=["200"], value=CONFIRMED)
REQUEST = OpenApiExample(
    "Ask for a slot between 08:00 and 16:00 New York time",
    request_only=True,
    value={
        "shipment": 17,
        "window_start": "2026-12-07T08:00:00-05:00",
        "window_end": "2026-12-07T16:00:00-05:00",
        "note": "Tail-lift truck",
    },
)
REQUESTED = OpenApiExample("Requested: the earliest free slot is held", response_only=True, status_codes=["201"], value=APPOINTMENT)
CONFIRM_REQUEST = OpenApiExample("Confirm the slot it holds", request_only=True, value={})
CONFIRM_ELSEWHERE = OpenApiExample(
    "Confirm at another slot", request_only=True, value={"slot_start": "2026-12-07T11:00:00-05:00", "door": 3, "reason": "Morning is full"}
)
CONFIRMED_ANSWER = OpenApiExample("Confirmed", response_only=True, status_codes=["200"], value=CONFIRMED)
MOVE_REQUEST = OpenApiExample(
    "Move to noon, door 1", request_only=True, value={"slot_start": "2026-12-07T12:00:00-05:00", "door": 1, "reason": "Door 2 under repair"}
)
MOVED_ANSWER = OpenApiExample("Moved: the old slot is kept", response_only=True, status_codes=["200"], value=MOVED)
REFUSE_REQUEST = OpenApiExample("Refuse", request_only=True, value={"reason": "Peak week: no LTL before 12:00"})
REFUSED_ANSWER = OpenApiExample("Refused", response_only=True, status_codes=["200"], value=REFUSED)
CANCEL_REQUEST = OpenApiExample("Cancel", request_only=True, value={"reason": "The truck broke down"})
CANCELLED_ANSWER = OpenApiExample("Cancelled", response_only=True, status_codes=["200"], value=CANCELLED)
ARRIVAL_REQUEST = OpenApiExample("Checked in at 09:52 New York time", request_only=True, value={"arrived_at": "2026-12-07T09:52:00-05:00"})
ARRIVED_ANSWER = OpenApiExample("Arrived late", response_only=True, status_codes=["200"], value=ARRIVED)

ROUTING_REQUEST_VALUE = {
    "id": 7,
    "reference": "RR-000007",
    "state": "requested",
    "vendor": "ACME",
    "warehouse": "ABE2",
    "shipment": 17,
    "shipment_identifier": "ASN-ACME-0017",
    "purchase_orders": [],
    "ready_date": "2026-12-08",
    "pallets": 6,
    "weight": "1840.00",
    "weight_unit": "kg",
    "volume": "9.600",
    "volume_unit": "m3",
    "note": "Dock 3 at our warehouse",
    "carrier_name": "",
    "pickup_date": None,
    "reason": "",
    "appointments": [],
    "created_at": "2026-12-03T10:12:03Z",
    "scheduled_at": None,
    "refused_at": None,
}
SCHEDULED_VALUE = {
    **ROUTING_REQUEST_VALUE,
    "state": "scheduled",
    "carrier_name": "Northwind Freight",
    "pickup_date": "2026-12-08",
    "appointments": [43],
    "scheduled_at": "2026-12-04T09:00:00Z",
}
ROUTING_PAGE = OpenApiExample("A page of routing requests (one row shown)", response_only=True, status_codes=["200"], value=ROUTING_REQUEST_VALUE)
ROUTING_DETAIL = OpenApiExample("A routing request", response_only=True, status_codes=["200"], value=ROUTING_REQUEST_VALUE)
ROUTING_CREATE = OpenApiExample(
    "Six pallets ready on 8 December",
    request_only=True,
    value={
        "warehouse": "ABE2",
        "shipment": 17,
        "ready_date": "2026-12-08",
        "pallets": 6,
        "weight": "1840",
        "weight_unit": "kg",
        "volume": "9.6",
        "volume_unit": "m3",
        "note": "Dock 3 at our warehouse",
    },
)
ROUTING_CREATED = OpenApiExample("Sent", response_only=True, status_codes=["201"], value=ROUTING_REQUEST_VALUE)
SCHEDULE_REQUEST = OpenApiExample(
    "Collect on the 8th, deliver on the 9th at 07:00",
    request_only=True,
    value={"slot_start": "2026-12-09T07:00:00-05:00", "carrier_name": "Northwind Freight", "pickup_date": "2026-12-08"},
)
SCHEDULED = OpenApiExample(
    "Scheduled: the appointment is booked confirmed",
    response_only=True,
    status_codes=["200"],
    value={
        **CONFIRMED,
        "id": 43,
        "reference": "APT-000043",
        "routing_request": 7,
        "carrier_name": "Northwind Freight",
        "window_start": "2026-12-09T12:00:00Z",
        "window_end": "2026-12-09T13:00:00Z",
        "slot_start": "2026-12-09T12:00:00Z",
        "slot_end": "2026-12-09T13:00:00Z",
        "slot_start_local": "2026-12-09T07:00:00-05:00",
        "slot_end_local": "2026-12-09T08:00:00-05:00",
        "door": 1,
        "note": "",
    },
)
ROUTING_REFUSED = OpenApiExample(
    "Refused",
    response_only=True,
    status_codes=["200"],
    value={**ROUTING_REQUEST_VALUE, "state": "refused", "reason": "Under 10 pallets: ship it yourself", "refused_at": "2026-12-04T09:00:00Z"},
)
ROUTING_REFUSE_REQUEST = OpenApiExample("Refuse", request_only=True, value={"reason": "Under 10 pallets: ship it yourself"})

CAPACITY = OpenApiExample(
    "ABE2's Monday (two slots shown)",
    response_only=True,
    status_codes=["200"],
    value={
        "warehouse": "ABE2",
        "name": "ABE2 Fulfillment Center",
        "time_zone": "America/New_York",
        "doors": 4,
        "slot_minutes": 60,
        "opens_at": "06:00",
        "closes_at": "22:00",
        "open_weekdays": [0, 1, 2, 3, 4],
        "grace_minutes": 30,
        "days": [
            {
                "date": "2026-12-07",
                "open": True,
                "closed_reason": "",
                "slots": [
                    {
                        "start": "2026-12-07T11:00:00Z",
                        "end": "2026-12-07T12:00:00Z",
                        "start_local": "2026-12-07T06:00:00-05:00",
                        "capacity": 4,
                        "booked": 4,
                        "free": 0,
                    },
                    {
                        "start": "2026-12-07T12:00:00Z",
                        "end": "2026-12-07T13:00:00Z",
                        "start_local": "2026-12-07T07:00:00-05:00",
                        "capacity": 4,
                        "booked": 1,
                        "free": 3,
                    },
                ],
            }
        ],
    },
)

VALIDATION_ERROR = OpenApiExample(
    "Nothing booked: errors per field",
    response_only=True,
    status_codes=["400"],
    value={"errors": [{"code": "no_slot_in_window", "message": "ABE2 is closed then. Closed on 2026-12-25 (Christmas).", "field": "window_start"}]},
)
FORBIDDEN = OpenApiExample(
    "Not allowed",
    response_only=True,
    status_codes=["403"],
    value={"errors": [{"code": "permission_denied", "message": "Your role or token scopes do not allow this action.", "field": None}]},
)
NOT_FOUND = OpenApiExample(
    "Not found", response_only=True, status_codes=["404"], value={"errors": [{"code": "not_found", "message": "Not found.", "field": None}]}
)
DOCK_FULL = OpenApiExample(
    "Every door taken",
    response_only=True,
    status_codes=["409"],
    value={
        "errors": [{"code": "dock_full", "message": "Every door of ABE2 is booked in this window: ask for another time.", "field": "window_start"}]
    },
)
CONFLICT = OpenApiExample(
    "Wrong state",
    response_only=True,
    status_codes=["409"],
    value={"errors": [{"code": "invalid_state", "message": "Appointment APT-000042 cannot be refused: it is confirmed.", "field": None}]},
)
