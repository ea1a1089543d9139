"""Field errors name the input item by the door's own reference, so each door locates them without parsing."""

from vendor_portal.errors import DomainValidationError, NotFoundError, field_error


def confirmation_error():
    return DomainValidationError(
        "The confirmation has errors.",
        errors=[
            field_error("lines[0]", "accepted", "Quantities cannot be negative."),
            field_error(None, "scheduled_ship_date", "Outside the ship window.", "outside_window"),
            field_error("lines[1]", None, "Line 2 is confirmed twice.", "duplicate"),
        ],
    )


def test_the_own_api_locates_by_item_and_field():
    assert confirmation_error().as_error_list() == [
        {"code": "invalid", "message": "Quantities cannot be negative.", "field": "lines[0].accepted"},
        {"code": "outside_window", "message": "Outside the ship window.", "field": "scheduled_ship_date"},
        {"code": "duplicate", "message": "Line 2 is confirmed twice.", "field": "lines[1]"},
    ]


def test_another_door_locates_with_its_own_paths():
    amazon_items = {"lines[0]": "acknowledgements[0].items[2]", "lines[1]": "acknowledgements[0].items[3]"}
    amazon_fields = {"accepted": "itemAcknowledgements[0].acknowledgedQuantity", "scheduled_ship_date": "scheduledShipDate"}

    def locate(ref, field):
        item = amazon_items.get(ref, "acknowledgements[0]")
        return f"{item}.{amazon_fields[field]}" if field else item

    assert [e["field"] for e in confirmation_error().as_error_list(locate=locate)] == [
        "acknowledgements[0].items[2].itemAcknowledgements[0].acknowledgedQuantity",
        "acknowledgements[0].scheduledShipDate",
        "acknowledgements[0].items[3]",
    ]


def test_an_error_without_field_errors_is_its_own_single_problem():
    error = NotFoundError("Purchase order 42 not found.", field="number")
    assert error.as_error_list() == [{"code": "not_found", "message": "Purchase order 42 not found.", "field": "number"}]
