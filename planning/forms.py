"""Forms of the planning screens. They check types and shapes; the rules live in planning.services."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from vendor_portal.models import Marketplace, Vendor

from .models import PromotionType
from .services.promotions import LineCommitment, PromotionInput, PromotionLineInput

EXTRA_LINE_ROWS = 4


def mark_invalid(form) -> None:
    for name in form.errors:
        if name in form.fields:
            widget = form.fields[name].widget
            widget.attrs["class"] = (widget.attrs.get("class", "") + " invalid").strip()
            widget.attrs["aria-invalid"] = "true"


class ForecastUploadForm(forms.Form):
    vendor = forms.ModelChoiceField(label=_("Vendor"), queryset=Vendor.objects.filter(is_active=True), to_field_name="code")
    file = forms.FileField(label=_("Forecast file (CSV or XLSX)"))


class PromotionForm(forms.Form):
    vendor = forms.ModelChoiceField(label=_("Vendor"), queryset=Vendor.objects.filter(is_active=True), to_field_name="code")
    marketplace = forms.ModelChoiceField(label=_("Marketplace"), queryset=Marketplace.objects.all(), to_field_name="code")
    name = forms.CharField(label=_("Name"), max_length=200)
    promotion_type = forms.ChoiceField(label=_("Type"), choices=PromotionType.choices)
    start_date = forms.DateField(label=_("First day of the deal"), widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label=_("Last day of the deal"), widget=forms.DateInput(attrs={"type": "date"}))
    buyer_note = forms.CharField(
        label=_("Note for the vendor"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Terms, placement, anything the vendor should know before committing."),
    )

    def __init__(self, *args, vendor_locked=False, **kwargs):
        super().__init__(*args, **kwargs)
        if vendor_locked:
            self.fields["vendor"].disabled = True


class PromotionLineForm(forms.Form):
    product = forms.CharField(label=_("SKU or ASIN"), max_length=40, required=False)
    promotional_price = forms.DecimalField(label=_("Promotional price"), max_digits=12, decimal_places=2, min_value=0, required=False)
    expected_units = forms.IntegerField(label=_("Expected units"), min_value=1, max_value=10_000_000, required=False)
    vendor_funding_per_unit = forms.DecimalField(label=_("Vendor funding per unit"), max_digits=12, decimal_places=2, min_value=0, required=False)

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", None) or {}
        return not any(data.get(name) not in (None, "") for name in self.fields)

    def clean(self):
        data = super().clean()
        if self.is_blank():
            return data
        for name in ("product", "promotional_price", "expected_units"):
            if data.get(name) in (None, "") and name not in self.errors:
                self.add_error(name, _("Required on a filled row."))
        return data

    def line_input(self, *, by_asin: bool) -> PromotionLineInput:
        data = self.cleaned_data
        identifier = data["product"].strip()
        return PromotionLineInput(
            promotional_price=data["promotional_price"],
            expected_units=data["expected_units"],
            vendor_funding_per_unit=data["vendor_funding_per_unit"] if data.get("vendor_funding_per_unit") is not None else Decimal("0.00"),
            vendor_sku="" if by_asin else identifier,
            asin=identifier.upper() if by_asin else "",
            ref=self,  # the service's problems with this line come back to this row
        )


PromotionLineFormSet = forms.formset_factory(PromotionLineForm, extra=EXTRA_LINE_ROWS, max_num=200, validate_max=True)


def promotion_input(form: PromotionForm, line_forms, asins: set[str]) -> PromotionInput:
    data = form.cleaned_data
    return PromotionInput(
        vendor=data["vendor"],
        marketplace=data["marketplace"],
        name=data["name"],
        promotion_type=data["promotion_type"],
        start_date=data["start_date"],
        end_date=data["end_date"],
        buyer_note=data.get("buyer_note", ""),
        lines=[line_form.line_input(by_asin=line_form.cleaned_data["product"].strip().upper() in asins) for line_form in line_forms],
    )


class CommitmentForm(forms.Form):
    """One line of the vendor's confirmation."""

    committed_units = forms.IntegerField(label=_("Committed units"), min_value=0, max_value=10_000_000)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, line, **kwargs):
        kwargs.setdefault("prefix", f"line-{line.sequence}")
        initial = {"committed_units": line.committed_units if line.committed_units is not None else line.expected_units, "note": line.commitment_note}
        super().__init__(*args, initial=initial, **kwargs)
        self.line = line
        self.fields["committed_units"].widget.attrs.update(
            {"max": line.expected_units, "aria-label": _("Committed units, line %(n)s") % {"n": line.sequence}}
        )
        self.fields["note"].widget.attrs.update({"aria-label": _("Note, line %(n)s") % {"n": line.sequence}})

    def commitment(self) -> LineCommitment:
        return LineCommitment(
            sequence=self.line.sequence, committed_units=self.cleaned_data["committed_units"], note=self.cleaned_data.get("note", ""), ref=self
        )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, required=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required


class AvailabilityUploadForm(forms.Form):
    file = forms.FileField(label=_("Availability file (CSV or XLSX)"))


class AvailabilityItemForm(forms.Form):
    """One product at one warehouse, reported from the screen."""

    product = forms.CharField(label=_("SKU or ASIN"), max_length=40)
    ship_from = forms.ChoiceField(label=_("Ship-from warehouse"))
    on_hand = forms.IntegerField(label=_("On hand (eaches)"), min_value=0, max_value=999_999_999)
    available = forms.IntegerField(label=_("Available to ship (eaches)"), min_value=0, max_value=999_999_999)

    def __init__(self, *args, ship_froms=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ship_from"].choices = [(place.code, str(place)) for place in ship_froms]
