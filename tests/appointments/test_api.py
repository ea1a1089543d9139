"""/api/v1/appointments/, /api/v1/routing-requests/ and /api/v1/docks/{code}/capacity: tenancy (another vendor's
appointment is a 404), idempotent writes, structured errors, the DC's answers, the public capacity."""

import datetime

import pytest
from rest_framework.test import APIClient

from appointments.models import Appointment, AppointmentState, RoutingRequest
from tests.appointments.factories import at, day_ahead, dock, requested, submitted_asn
from tests.factories import api_token, retailer_user
from vendor_portal.roles import Role

pytestmark = pytest.mark.django_db
URL = "/api/v1/appointments/"


@pytest.fixture
def dock_client():
    client = APIClient()
    client.force_login(retailer_user(Role.RECEIVING, username="dock"))
    return client


def token_for(vendor, scopes=None) -> APIClient:
    _, raw = api_token(vendor, scopes=scopes, name=f"{vendor.code} ERP")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def request_body(shipment, day, start=9, end=12) -> dict:
    return {"shipment": shipment.pk, "window_start": at(day, start).isoformat(), "window_end": at(day, end).isoformat(), "note": "Tail lift"}


def test_a_vendor_requests_an_appointment_and_reads_it_in_the_dcs_local_time(token_client, vendor):
    dock()
    day = day_ahead()
    shipment = submitted_asn(vendor)
    response = token_client.post(URL, request_body(shipment, day), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert response["Location"] == f"{URL}{body['id']}/"
    assert (body["state"], body["warehouse"], body["time_zone"], body["door"]) == ("requested", "ABE2", "America/New_York", 1)
    assert body["slot_start_local"] == at(day, 9).isoformat()  # with New York's offset
    assert body["slot_start"] == at(day, 9).astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
    assert (body["shipment_identifier"], body["note"], body["previous_slots"]) == ("SHIP-1", "Tail lift", [])
    assert token_client.get(f"{URL}{body['id']}/").json() == body


def test_an_idempotency_key_replays_the_answer_and_books_once(token_client, vendor):
    dock()
    day = day_ahead()
    shipment = submitted_asn(vendor)
    first = token_client.post(URL, request_body(shipment, day), format="json", HTTP_IDEMPOTENCY_KEY="book-ship-1")
    again = token_client.post(URL, request_body(shipment, day), format="json", HTTP_IDEMPOTENCY_KEY="book-ship-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Appointment.objects.count() == 1
    other = token_client.post(URL, request_body(shipment, day, start=13, end=15), format="json", HTTP_IDEMPOTENCY_KEY="book-ship-1")
    assert other.status_code == 422 and other.json()["errors"][0]["code"] == "idempotency_key_reused"


def test_another_vendors_appointment_is_not_found(vendor, other_vendor):
    dock()
    theirs = requested(other_vendor, submitted_asn(other_vendor, "THEIRS"))
    client = token_for(vendor)
    assert client.get(f"{URL}{theirs.pk}/").status_code == 404
    assert client.post(f"{URL}{theirs.pk}/cancel", {}, format="json").status_code == 404
    assert client.get(URL).json()["results"] == []
    their_client = token_for(other_vendor)
    assert [row["id"] for row in their_client.get(URL).json()["results"]] == [theirs.pk]
    # and a vendor cannot book on another vendor's ASN
    answer = client.post(URL, request_body(theirs.shipment, day_ahead(3)), format="json")
    assert answer.status_code == 404
    assert Appointment.objects.get(pk=theirs.pk).state == AppointmentState.REQUESTED


def test_errors_are_structured(token_client, vendor, other_vendor):
    capacity = dock(doors=1)
    day = day_ahead()
    shipment = submitted_asn(vendor)
    bad = token_client.post(URL, request_body(shipment, day, start=12, end=9), format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "window_end"
    missing = token_client.post(URL, {"shipment": shipment.pk}, format="json")
    assert missing.status_code == 400 and {e["field"] for e in missing.json()["errors"]} == {"window_start", "window_end"}
    requested(other_vendor, submitted_asn(other_vendor, "THEIRS", warehouse=capacity.warehouse), day, start=9, end=10)
    full = token_client.post(URL, request_body(shipment, day, start=9, end=10), format="json")
    assert full.status_code == 409
    assert full.json()["errors"] == [
        {"code": "dock_full", "message": "Every door of ABE2 is booked in this window: ask for another time.", "field": "window_start"}
    ]


def test_a_read_only_token_cannot_book_nor_a_vendor_answer(vendor):
    dock()
    shipment = submitted_asn(vendor)
    reader = token_for(vendor, scopes=["shipments:read"])
    assert reader.post(URL, request_body(shipment, day_ahead()), format="json").status_code == 403
    appointment = requested(vendor, shipment)
    writer = token_for(vendor)
    assert writer.post(f"{URL}{appointment.pk}/confirm", {}, format="json").status_code == 403
    assert reader.get(f"{URL}{appointment.pk}/").status_code == 200


def test_the_dc_confirms_moves_and_checks_the_truck_in(dock_client, vendor):
    dock(doors=2)
    day = day_ahead()
    appointment = requested(vendor, submitted_asn(vendor), day)
    confirmed = dock_client.post(f"{URL}{appointment.pk}/confirm", {}, format="json")
    assert confirmed.status_code == 200 and confirmed.json()["state"] == "confirmed"
    moved = dock_client.post(f"{URL}{appointment.pk}/move", {"slot_start": at(day, 15).isoformat(), "door": 2, "reason": "Repairs"}, format="json")
    assert moved.status_code == 200
    body = moved.json()
    assert (body["slot_start_local"], body["door"], body["reason"]) == (at(day, 15).isoformat(), 2, "Repairs")
    assert body["previous_slots"][0]["door"] == 1
    refused = dock_client.post(f"{URL}{appointment.pk}/refuse", {"reason": "Too late"}, format="json")
    assert refused.status_code == 409 and refused.json()["errors"][0]["code"] == "invalid_state"
    bad_slot = dock_client.post(f"{URL}{appointment.pk}/move", {"slot_start": at(day, 15, 20).isoformat()}, format="json")
    assert bad_slot.status_code == 400 and bad_slot.json()["errors"][0] == {
        "code": "invalid_slot",
        "message": bad_slot.json()["errors"][0]["message"],
        "field": "slot_start",
    }
    early = dock_client.post(f"{URL}{appointment.pk}/arrival", {}, format="json")  # now, well before the slot: on time
    assert early.status_code == 200 and (early.json()["state"], early.json()["arrived_late"]) == ("arrived", False)


def test_the_dc_refuses_and_the_vendor_cancels(dock_client, token_client, vendor):
    dock()
    first, second = requested(vendor, submitted_asn(vendor, "SHIP-1")), requested(vendor, submitted_asn(vendor, "SHIP-2"), start=12, end=13)
    assert dock_client.post(f"{URL}{first.pk}/refuse", {}, format="json").status_code == 400  # a reason is required
    refused = dock_client.post(f"{URL}{first.pk}/refuse", {"reason": "Peak week"}, format="json")
    assert refused.status_code == 200 and (refused.json()["state"], refused.json()["reason"]) == ("refused", "Peak week")
    cancelled = token_client.post(f"{URL}{second.pk}/cancel", {"reason": "Truck broke down"}, format="json")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"


def test_list_filters(token_client, vendor):
    dock()
    day = day_ahead()
    kept = requested(vendor, submitted_asn(vendor, "SHIP-1"), day)
    gone = requested(vendor, submitted_asn(vendor, "SHIP-2"), day, start=12, end=13)
    token_client.post(f"{URL}{gone.pk}/cancel", {}, format="json")
    assert [row["id"] for row in token_client.get(URL, {"state": "requested"}).json()["results"]] == [kept.pk]
    assert [row["id"] for row in token_client.get(URL, {"shipment": gone.shipment_id}).json()["results"]] == [gone.pk]
    assert token_client.get(URL, {"warehouse": "ONT8"}).json()["results"] == []


# Routing requests -----------------------------------------------------------------------------------------
def test_routing_request_sent_by_the_vendor_and_scheduled_by_the_dc(token_client, dock_client, vendor, other_vendor):
    dock()
    shipment = submitted_asn(vendor)
    body = {"warehouse": "ABE2", "shipment": shipment.pk, "ready_date": day_ahead(1).isoformat(), "pallets": 6, "weight": "1840", "volume": "9.6"}
    created = token_client.post("/api/v1/routing-requests/", body, format="json", HTTP_IDEMPOTENCY_KEY="rr-1")
    assert created.status_code == 201, created.json()
    routing_request = created.json()
    assert (routing_request["state"], routing_request["weight"], routing_request["weight_unit"], routing_request["volume"]) == (
        "requested",
        "1840.00",
        "kg",
        "9.600",
    )
    assert token_client.post("/api/v1/routing-requests/", body, format="json", HTTP_IDEMPOTENCY_KEY="rr-1").json() == routing_request
    assert RoutingRequest.objects.count() == 1
    assert token_for(other_vendor).get(f"/api/v1/routing-requests/{routing_request['id']}/").status_code == 404
    assert token_client.post(f"/api/v1/routing-requests/{routing_request['id']}/schedule", {}, format="json").status_code == 403
    day = day_ahead(3)
    scheduled = dock_client.post(
        f"/api/v1/routing-requests/{routing_request['id']}/schedule",
        {"slot_start": at(day, 7).isoformat(), "carrier_name": "Northwind Freight", "pickup_date": day_ahead(2).isoformat()},
        format="json",
    )
    assert scheduled.status_code == 200, scheduled.json()
    appointment = scheduled.json()
    assert (appointment["state"], appointment["routing_request"], appointment["slot_start_local"]) == (
        "confirmed",
        routing_request["id"],
        at(day, 7).isoformat(),
    )
    again = token_client.get(f"/api/v1/routing-requests/{routing_request['id']}/").json()
    assert (again["state"], again["carrier_name"], again["appointments"]) == ("scheduled", "Northwind Freight", [appointment["id"]])


def test_routing_request_errors_name_their_fields(token_client, vendor):
    dock()
    answer = token_client.post(
        "/api/v1/routing-requests/", {"warehouse": "ABE2", "ready_date": "2020-01-01", "pallets": 0, "weight": "1", "volume": "1"}, format="json"
    )
    assert answer.status_code == 400
    assert {e["field"] for e in answer.json()["errors"]} == {"purchase_orders", "ready_date", "pallets"}


# Dock capacity --------------------------------------------------------------------------------------------
def test_dock_capacity_is_public_to_everyone_signed_in_and_names_no_vendor(vendor, other_vendor, api_client):
    dock(doors=2, opens=datetime.time(8), closes=datetime.time(12))
    day = day_ahead()
    requested(vendor, submitted_asn(vendor, "ACMESECRET"), day)
    answer = token_for(other_vendor).get("/api/v1/docks/abe2/capacity", {"from": day.isoformat(), "days": 1})
    assert answer.status_code == 200
    body = answer.json()
    assert (body["warehouse"], body["doors"], body["slot_minutes"], body["opens_at"], body["open_weekdays"]) == (
        "ABE2",
        2,
        60,
        "08:00",
        list(range(7)),
    )
    [only_day] = body["days"]
    assert [(slot["start_local"][11:16], slot["booked"], slot["free"]) for slot in only_day["slots"]] == [
        ("08:00", 0, 2),
        ("09:00", 1, 1),
        ("10:00", 0, 2),
        ("11:00", 0, 2),
    ]
    assert "ACME" not in answer.content.decode()
    assert api_client.get("/api/v1/docks/ABE2/capacity").status_code in (401, 403)
    client = token_for(vendor)
    assert client.get("/api/v1/docks/NOPE/capacity").status_code == 404
    assert client.get("/api/v1/docks/ABE2/capacity", {"days": 0}).status_code == 400
    assert client.get("/api/v1/docks/ABE2/capacity", {"from": "someday"}).status_code == 400


def test_capacity_dates_far_off_are_refused(token_client, vendor):
    dock()
    for far in ("0001-01-01", "9999-12-31"):
        answer = token_client.get("/api/v1/docks/ABE2/capacity", {"from": far})
        assert answer.status_code == 400 and answer.json()["errors"][0]["field"] == "from"


def test_a_page_costs_the_same_queries_for_one_appointment_or_many(token_client, vendor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    dock(doors=5)
    day = day_ahead()
    requested(vendor, submitted_asn(vendor, "SHIP-0"), day)
    token_client.get(URL)  # the token's last use is written down at most once a minute
    with CaptureQueriesContext(connection) as one:
        assert len(token_client.get(URL).json()["results"]) == 1
    for n in range(1, 5):
        requested(vendor, submitted_asn(vendor, f"SHIP-{n}"), day)
    with CaptureQueriesContext(connection) as many:
        assert len(token_client.get(URL).json()["results"]) == 5
    assert len(many) == len(one)


def test_slot_filters_take_any_offset_in_utc(token_client, vendor):
    dock()
    day = day_ahead()
    appointment = requested(vendor, submitted_asn(vendor), day)
    since = at(day, 8).isoformat()
    assert [row["id"] for row in token_client.get(URL, {"slot_from": since}).json()["results"]] == [appointment.pk]
    assert token_client.get(URL, {"slot_to": since}).json()["results"] == []
    odd = token_client.get(URL, {"slot_from": "1408-05-01T22:10:57+19:56"})  # beyond what PostgreSQL takes as an offset
    assert odd.status_code == 200 and [row["id"] for row in odd.json()["results"]] == [appointment.pk]
