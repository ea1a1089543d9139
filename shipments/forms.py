import datetime

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vendor_portal import limits
from vendor_portal.models import ShipFromAddress

from .models import DimensionUnit, TransportMethod, TransportMode, WeightUnit


class ShipPlanForm(forms.Form):
    """The ship plan's header; its PO line quantities come as `qty_<PO line id>` fields of the same form."""

    shipment_identifier = forms.CharField(
        label=_("Shipment identifier"),
        max_length=40,
        help_text=_(
            "Your own reference for this shipment: up to 40 letters, digits and dashes, never used before for another of your "
            "shipments. The DC scans it from the packing list."
        ),
    )
    ship_date = forms.DateField(label=_("Ship date"), widget=forms.DateInput(attrs={"type": "date"}), validators=limits.date_validators())
    estimated_arrival = forms.DateField(
        label=_("Estimated arrival"), required=False, widget=forms.DateInput(attrs={"type": "date"}), validators=limits.date_validators()
    )
    transport_mode = forms.ChoiceField(label=_("Transport mode"), choices=TransportMode.choices, initial=TransportMode.LTL)
    transport_method = forms.ChoiceField(label=_("Transport method"), choices=TransportMethod.choices, initial=TransportMethod.ROAD)
    carrier_scac = forms.CharField(label=_("Carrier SCAC"), max_length=4, required=False)
    carrier_name = forms.CharField(label=_("Carrier"), max_length=100, required=False)
    bol_number = forms.CharField(label=_("BOL number"), max_length=40, required=False, help_text=_("Required for LTL and truckload."))
    pro_number = forms.CharField(label=_("PRO number"), max_length=40, required=False)
    ship_from = forms.ChoiceField(label=_("Ship from"), required=False)
    cartons_per_pallet = forms.IntegerField(
        label=_("Cartons per pallet"), min_value=0, max_value=limits.MAX_QUANTITY, initial=0, help_text=_("0 ships loose cartons.")
    )

    def __init__(self, *args, vendor=None, current_ship_from=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Retired places are offered only to the shipment that already left from one.
        addresses = ShipFromAddress.objects.for_vendor(vendor).order_by("pk")
        addresses = addresses.filter(Q(retired_at__isnull=True) | Q(pk=getattr(current_ship_from, "pk", None)))
        self.fields["ship_from"].choices = [(a.code, str(a)) for a in addresses]
        if not self.is_bound:
            self.initial.setdefault("ship_date", timezone.localdate() + datetime.timedelta(days=1))
        if vendor is not None:
            example = f"{vendor.code}-{timezone.localdate():%Y%m%d}-01"
            self.fields["shipment_identifier"].widget.attrs.update(
                {"placeholder": _("e.g. %(example)s") % {"example": example}, "autocomplete": "off"}
            )


class CartonMoveForm(forms.Form):
    from_carton = forms.IntegerField(label=_("From carton"), min_value=1)
    shipment_line = forms.IntegerField(label=_("Line"), widget=forms.Select)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=limits.MAX_QUANTITY)
    to_carton = forms.IntegerField(label=_("To carton"), min_value=1, required=False, help_text=_("Leave empty for a new carton."))

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shipment_line"].widget.choices = [
            (
                line.pk,
                f"{line.purchase_order_line.purchase_order.number} / {line.purchase_order_line.sequence} · {line.purchase_order_line.vendor_sku}",
            )
            for line in lines
        ]


class PackingListUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Your packing list (PDF, at most 5 MB)"), widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"})
    )


class ScanForm(forms.Form):
    sscc = forms.CharField(
        label=_("Scan a carton or pallet SSCC"),
        max_length=40,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off", "inputmode": "numeric", "data-testid": "sscc-input"}),
    )
    damaged = forms.BooleanField(label=_("Damaged (this scan only)"), required=False)


class PlanEditForm(ShipPlanForm):
    """The ship plan editor's header: transport, pallets, and the units its cartons and pallets are weighed
    and measured in. Quantities, lines to add, tracking numbers and measurements come as fields of the same
    form (`qty_<shipment line>`, `add_<PO line>`, `tracking_<carton>`, `carton_<n>_weight`, ...)."""

    weight_unit = forms.ChoiceField(label=_("Weights in"), choices=WeightUnit.choices)
    dimension_unit = forms.ChoiceField(label=_("Dimensions in"), choices=DimensionUnit.choices)

    HEADER = ["shipment_identifier", "ship_date", "estimated_arrival", "transport_mode", "transport_method", "carrier_scac", "carrier_name"]
    HEADER += ["bol_number", "pro_number", "ship_from"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["carrier_scac"].widget.attrs.update({"autocapitalize": "characters", "pattern": "[A-Za-z]{2,4}", "title": _("2-4 letters")})

    def header_fields(self):
        return [self[name] for name in self.HEADER]


class ReplaceTransportForm(forms.Form):
    """What a Replace ASN may change besides quantities and cartons (the DC, mode and ship date stay)."""

    carrier_scac = forms.CharField(label=_("Carrier SCAC"), max_length=4, required=False)
    carrier_name = forms.CharField(label=_("Carrier"), max_length=100, required=False)
    estimated_arrival = forms.DateField(
        label=_("Estimated arrival"), required=False, widget=forms.DateInput(attrs={"type": "date"}), validators=limits.date_validators()
    )
    bol_number = forms.CharField(label=_("BOL number"), max_length=40, required=False, help_text=_("Required for LTL and truckload."))
    pro_number = forms.CharField(label=_("PRO number"), max_length=40, required=False)
