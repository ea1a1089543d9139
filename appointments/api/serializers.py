from decimal import Decimal

from rest_framework import serializers

from vendor_portal.api.fields import DocumentDateField, QuantityField
from vendor_portal.api.output import OutputSerializer

from ..models import Appointment, AppointmentState, RoutingRequest, VolumeUnit, WeightUnit


def _local(value, zone) -> str | None:
    return value.astimezone(zone).isoformat() if value else None


class PreviousSlotSerializer(serializers.Serializer):
    slot_start = serializers.DateTimeField()
    slot_end = serializers.DateTimeField()
    door = serializers.IntegerField()
    moved_at = serializers.DateTimeField()
    reason = serializers.CharField(allow_blank=True)


class AppointmentSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True, help_text="APT- and the id.")
    vendor = serializers.CharField(source="vendor.code", read_only=True)
    warehouse = serializers.CharField(source="warehouse.code", read_only=True, help_text="The DC's code.")
    time_zone = serializers.CharField(source="warehouse.time_zone", read_only=True, help_text="The DC's time zone: *_local times are in it.")
    state = serializers.ChoiceField(choices=AppointmentState.choices, read_only=True)
    shipment_identifier = serializers.CharField(source="shipment.shipment_identifier", read_only=True, default=None, allow_null=True)
    slot_start_local = serializers.SerializerMethodField(help_text="The slot's start in the DC's local time, with its offset.")
    slot_end_local = serializers.SerializerMethodField(help_text="The slot's end in the DC's local time, with its offset.")
    previous_slots = PreviousSlotSerializer(many=True, read_only=True, help_text="The slots it had before each move, oldest first.")
    requested_at = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = Appointment
        fields = [
            "id",
            "reference",
            "state",
            "vendor",
            "warehouse",
            "time_zone",
            "shipment",
            "shipment_identifier",
            "routing_request",
            "window_start",
            "window_end",
            "slot_start",
            "slot_end",
            "slot_start_local",
            "slot_end_local",
            "door",
            "carrier_name",
            "note",
            "reason",
            "previous_slots",
            "arrived_at",
            "arrived_late",
            "requested_at",
            "confirmed_at",
            "refused_at",
            "cancelled_at",
            "missed_at",
        ]
        read_only_fields = fields

    def get_slot_start_local(self, appointment) -> str:
        return _local(appointment.slot_start, appointment.zone)

    def get_slot_end_local(self, appointment) -> str:
        return _local(appointment.slot_end, appointment.zone)


class AppointmentRequestInputSerializer(serializers.Serializer):
    shipment = serializers.IntegerField(help_text="The submitted ASN's id.")
    window_start = serializers.DateTimeField(help_text="The earliest the truck may arrive, ISO 8601 with its offset.")
    window_end = serializers.DateTimeField(help_text="The latest the truck's slot may end (at most 14 days after window_start).")
    carrier_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="", help_text="Empty: the ASN's carrier.")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class SlotInputSerializer(serializers.Serializer):
    slot_start = serializers.DateTimeField(help_text="The start of one of the DC's slots, ISO 8601 with its offset.")
    door = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None, help_text="Omit for the first free door.")
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ConfirmInputSerializer(serializers.Serializer):
    slot_start = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="Omit to confirm the slot it holds; else the slot to confirm it at."
    )
    door = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class CancelInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ArrivalInputSerializer(serializers.Serializer):
    arrived_at = serializers.DateTimeField(required=False, allow_null=True, default=None, help_text="Omit for now.")


class RoutingRequestSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True, help_text="RR- and the id.")
    vendor = serializers.CharField(source="vendor.code", read_only=True)
    warehouse = serializers.CharField(source="warehouse.code", read_only=True)
    shipment_identifier = serializers.CharField(source="shipment.shipment_identifier", read_only=True, default=None, allow_null=True)
    purchase_orders = serializers.SlugRelatedField(slug_field="number", many=True, read_only=True)
    appointments = serializers.PrimaryKeyRelatedField(many=True, read_only=True, help_text="The delivery appointment, once scheduled.")

    class Meta:
        model = RoutingRequest
        fields = [
            "id",
            "reference",
            "state",
            "vendor",
            "warehouse",
            "shipment",
            "shipment_identifier",
            "purchase_orders",
            "ready_date",
            "pallets",
            "weight",
            "weight_unit",
            "volume",
            "volume_unit",
            "note",
            "carrier_name",
            "pickup_date",
            "reason",
            "appointments",
            "created_at",
            "scheduled_at",
            "refused_at",
        ]
        read_only_fields = fields


class RoutingRequestInputSerializer(serializers.Serializer):
    warehouse = serializers.CharField(max_length=8, help_text="The DC's code.")
    shipment = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="The ASN whose freight this is.")
    purchase_orders = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, default=list, help_text="PO numbers, when there is no ASN."
    )
    ready_date = DocumentDateField()
    pallets = QuantityField(min_value=None)  # zero or less: the service names the rule
    weight = serializers.DecimalField(max_digits=12, decimal_places=4, min_value=Decimal("0"))
    weight_unit = serializers.ChoiceField(choices=WeightUnit.choices, default=WeightUnit.KILOGRAMS)
    volume = serializers.DecimalField(max_digits=12, decimal_places=4, min_value=Decimal("0"))
    volume_unit = serializers.ChoiceField(choices=VolumeUnit.choices, default=VolumeUnit.CUBIC_METRES)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ScheduleInputSerializer(serializers.Serializer):
    slot_start = serializers.DateTimeField(help_text="The delivery slot's start at the DC, ISO 8601 with its offset.")
    door = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    carrier_name = serializers.CharField(max_length=100, help_text="The retailer's carrier that collects the freight.")
    pickup_date = DocumentDateField(required=False, allow_null=True, default=None)


# Dock capacity -----------------------------------------------------------------------------------------
class DockSlotSerializer(OutputSerializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    start_local = serializers.CharField(help_text="The slot's start in the DC's local time, with its offset.")
    capacity = serializers.IntegerField(help_text="Doors open in the slot (0 on a closed day).")
    booked = serializers.IntegerField(help_text="Doors held by appointments (requested, confirmed or arrived), any vendor's.")
    free = serializers.IntegerField(help_text="Doors still bookable (0 once the slot has begun).")


class DockDaySerializer(serializers.Serializer):
    date = serializers.DateField(help_text="The DC's local date.")
    open = serializers.BooleanField()
    closed_reason = serializers.CharField(allow_blank=True)
    slots = DockSlotSerializer(many=True)


class DockCapacitySerializer(serializers.Serializer):
    warehouse = serializers.CharField(help_text="The DC's code.")
    name = serializers.CharField()
    time_zone = serializers.CharField()
    doors = serializers.IntegerField()
    slot_minutes = serializers.IntegerField()
    opens_at = serializers.CharField(help_text="HH:MM, the DC's local time.")
    closes_at = serializers.CharField(help_text="HH:MM, the DC's local time.")
    open_weekdays = serializers.ListField(child=serializers.IntegerField(), help_text="0 is Monday.")
    grace_minutes = serializers.IntegerField(help_text="After the slot's start: later is late; after its end: missed.")
    days = DockDaySerializer(many=True)
