"""Forms of the appointment screens. They check types and shapes; the rules live in appointments.services.
Dates and times typed on these screens are the DC's local ones."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from vendor_portal.models import Warehouse

from .models import VolumeUnit, WeightUnit
from .services.routing import RoutingRequestInput

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
WEEKDAY_CHOICES = [("0", _("Monday")), ("1", _("Tuesday")), ("2", _("Wednesday")), ("3", _("Thursday")), ("4", _("Friday"))]
WEEKDAY_CHOICES += [("5", _("Saturday")), ("6", _("Sunday"))]


def local(day: datetime.date, time: datetime.time, zone) -> datetime.datetime:
    return datetime.datetime.combine(day, time).replace(tzinfo=zone)


def mark_invalid(form) -> None:
    for name in form.errors:
        if name in form.fields:
            widget = form.fields[name].widget
            widget.attrs["class"] = (widget.attrs.get("class", "") + " invalid").strip()
            widget.attrs["aria-invalid"] = "true"


class AppointmentRequestForm(forms.Form):
    """The vendor's request: a window on one day at the DC, in the DC's local time."""

    shipment = forms.TypedChoiceField(label=_("ASN"), coerce=int)
    day = forms.DateField(label=_("Delivery day"), widget=DATE, help_text=_("The DC's local date."))
    earliest = forms.TimeField(label=_("Earliest arrival"), widget=TIME, initial=datetime.time(6, 0))
    latest = forms.TimeField(label=_("Latest arrival"), widget=TIME, initial=datetime.time(22, 0), help_text=_("The DC's local time."))
    carrier_name = forms.CharField(label=_("Carrier"), max_length=100, required=False, help_text=_("Leave empty to use the ASN's carrier."))
    note = forms.CharField(label=_("Note for the DC"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    # The service's field names -> this form's
    SERVICE_FIELDS = {"window_start": "earliest", "window_end": "latest", "shipment": "shipment", "note": "note", "carrier_name": "carrier_name"}

    def __init__(self, *args, shipments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shipment"].choices = [(s.pk, f"{s.shipment_identifier} → {s.ship_to.code}") for s in shipments]

    def window(self, zone) -> tuple[datetime.datetime, datetime.datetime]:
        data = self.cleaned_data
        return local(data["day"], data["earliest"], zone), local(data["day"], data["latest"], zone)


class SlotForm(forms.Form):
    """A slot the DC chooses: to confirm a request at another time, or to move a confirmed appointment."""

    day = forms.DateField(label=_("Day"), widget=DATE)
    time = forms.TimeField(label=_("Slot start"), widget=TIME, help_text=_("The DC's local time."))
    door = forms.IntegerField(label=_("Door"), min_value=1, required=False, help_text=_("Leave empty for the first free door."))
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)

    SERVICE_FIELDS = {"slot_start": "time", "door": "door", "reason": "reason"}

    def slot_start(self, zone) -> datetime.datetime:
        return local(self.cleaned_data["day"], self.cleaned_data["time"], zone)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    SERVICE_FIELDS = {"reason": "reason"}


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), max_length=500, required=False)

    SERVICE_FIELDS = {"reason": "reason"}


class ArrivalForm(forms.Form):
    time = forms.TimeField(label=_("Arrived at"), widget=TIME, required=False, help_text=_("Today, the DC's local time; empty for now."))

    SERVICE_FIELDS = {"arrived_at": "time"}


class RoutingRequestForm(forms.Form):
    warehouse = forms.ModelChoiceField(label=_("DC"), queryset=Warehouse.objects.order_by("code"), to_field_name="code")
    shipment = forms.TypedChoiceField(label=_("ASN"), coerce=int, required=False, empty_value=None)
    purchase_orders = forms.CharField(
        label=_("Purchase orders"), max_length=2000, required=False, help_text=_("PO numbers separated by commas or spaces, if no ASN.")
    )
    ready_date = forms.DateField(label=_("Freight ready on"), widget=DATE)
    pallets = forms.IntegerField(label=_("Pallets"), min_value=1, max_value=60)
    weight = forms.DecimalField(label=_("Weight"), min_value=Decimal("0.01"), max_digits=10, decimal_places=2)
    weight_unit = forms.ChoiceField(label=_("Weight unit"), choices=WeightUnit.choices)
    volume = forms.DecimalField(label=_("Volume"), min_value=Decimal("0.001"), max_digits=10, decimal_places=3)
    volume_unit = forms.ChoiceField(label=_("Volume unit"), choices=VolumeUnit.choices)
    note = forms.CharField(label=_("Note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    SERVICE_FIELDS = {name: name for name in ("warehouse", "shipment", "purchase_orders", "ready_date", "pallets", "weight", "volume", "note")}
    SERVICE_FIELDS |= {"weight_unit": "weight_unit", "volume_unit": "volume_unit"}

    def __init__(self, *args, shipments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shipment"].choices = [("", _("No ASN: name the POs"))] + [
            (s.pk, f"{s.shipment_identifier} → {s.ship_to.code}") for s in shipments
        ]

    def routing_input(self) -> RoutingRequestInput:
        data = self.cleaned_data
        return RoutingRequestInput(
            warehouse=data["warehouse"].code,
            shipment_id=data["shipment"],
            purchase_order_numbers=data["purchase_orders"].replace(",", " ").split(),
            ready_date=data["ready_date"],
            pallets=data["pallets"],
            weight=data["weight"],
            weight_unit=data["weight_unit"],
            volume=data["volume"],
            volume_unit=data["volume_unit"],
            note=data["note"],
        )


class ScheduleForm(SlotForm):
    """The DC schedules a routing request: the retailer's carrier, its pickup, the delivery slot."""

    carrier_name = forms.CharField(label=_("Carrier"), max_length=100)
    pickup_date = forms.DateField(label=_("Pickup date"), widget=DATE, required=False)

    SERVICE_FIELDS = {"slot_start": "time", "door": "door", "carrier_name": "carrier_name", "pickup_date": "pickup_date"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["reason"]


class DockCapacityForm(forms.Form):
    doors = forms.IntegerField(label=_("Doors"), min_value=1, max_value=200)
    slot_minutes = forms.IntegerField(label=_("Slot length (minutes)"), min_value=15, max_value=480)
    opens_at = forms.TimeField(label=_("Opens at"), widget=TIME)
    closes_at = forms.TimeField(label=_("Closes at"), widget=TIME)
    open_weekdays = forms.MultipleChoiceField(label=_("Open on"), choices=WEEKDAY_CHOICES, widget=forms.CheckboxSelectMultiple)
    grace_minutes = forms.IntegerField(
        label=_("Grace (minutes)"), min_value=0, max_value=240, help_text=_("Later than this after the slot's start is late.")
    )

    SERVICE_FIELDS = {name: name for name in ("doors", "slot_minutes", "opens_at", "closes_at", "open_weekdays", "grace_minutes")}


class ClosureForm(forms.Form):
    date = forms.DateField(label=_("Closed on"), widget=DATE)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    SERVICE_FIELDS = {"date": "date", "reason": "reason"}
