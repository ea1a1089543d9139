"""Forms of the item setup and cost change screens. They check types and shapes; the rules live in the services."""

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from vendor_portal.models import Marketplace, Product

from .services.costs import CostChangeInput
from .services.items import ItemInput, OfferInput, PackLevelInput

DateInput = forms.DateInput(attrs={"type": "date"})


def mark_invalid(form) -> None:
    for name in form.errors:
        if name in form.fields:
            widget = form.fields[name].widget
            widget.attrs["class"] = (widget.attrs.get("class", "") + " invalid").strip()
            widget.attrs["aria-invalid"] = "true"


def _size(label):
    return forms.DecimalField(label=label, max_digits=7, decimal_places=2, min_value=0, required=False)


def _weight(label):
    return forms.DecimalField(label=label, max_digits=8, decimal_places=3, min_value=0, required=False)


class ItemProposalForm(forms.Form):
    vendor_sku = forms.CharField(label=_("Vendor SKU"), max_length=40)
    title = forms.CharField(label=_("Title"), max_length=300)
    brand = forms.CharField(label=_("Brand"), max_length=100, required=False)
    gtin = forms.CharField(label=_("Item GTIN (UPC/EAN)"), max_length=14, help_text=_("8, 12, 13 or 14 digits with the check digit"))
    case_gtin = forms.CharField(label=_("Case GTIN"), max_length=14, help_text=_("The case's own GTIN, usually 14 digits"))
    case_pack = forms.IntegerField(label=_("Case pack"), min_value=1, help_text=_("Eaches per case"))
    minimum_order_quantity = forms.IntegerField(label=_("Minimum order quantity"), min_value=1, initial=1)
    country_of_origin = forms.CharField(label=_("Country of origin"), max_length=2, help_text=_("Two-letter code, e.g. CN"))
    hs_code = forms.CharField(label=_("HS code"), max_length=12, help_text=_("6 to 10 digits"))
    each_length_cm = _size(_("Each: length (cm)"))
    each_width_cm = _size(_("Each: width (cm)"))
    each_height_cm = _size(_("Each: height (cm)"))
    each_weight_kg = _weight(_("Each: weight (kg)"))
    case_length_cm = _size(_("Case: length (cm)"))
    case_width_cm = _size(_("Case: width (cm)"))
    case_height_cm = _size(_("Case: height (cm)"))
    case_weight_kg = _weight(_("Case: weight (kg)"))
    pallet_units = forms.IntegerField(
        label=_("Pallet: eaches"), min_value=1, required=False, help_text=_("Leave the pallet blank if you do not ship pallets")
    )
    pallet_length_cm = _size(_("Pallet: length (cm)"))
    pallet_width_cm = _size(_("Pallet: width (cm)"))
    pallet_height_cm = _size(_("Pallet: height (cm)"))
    pallet_weight_kg = _weight(_("Pallet: weight (kg)"))

    LEVELS = ("each", "case", "pallet")

    @classmethod
    def initial_from(cls, proposal) -> dict:
        initial = {name: getattr(proposal, name) for name in cls.base_fields if hasattr(proposal, name)}
        for level in proposal.pack_levels.all():
            for dim in ("length_cm", "width_cm", "height_cm", "weight_kg"):
                initial[f"{level.level}_{dim}"] = getattr(level, dim)
            if level.level == "pallet":
                initial["pallet_units"] = level.units
        return initial

    def item_input(self, offers: list[OfferInput]) -> ItemInput:
        data = self.cleaned_data
        levels = []
        for level in self.LEVELS:
            dims = [data.get(f"{level}_{dim}") for dim in ("length_cm", "width_cm", "height_cm", "weight_kg")]
            if level == "pallet" and not any(dims) and not data.get("pallet_units"):
                continue
            levels.append(PackLevelInput(level, *dims, units=data.get("pallet_units") if level == "pallet" else None, ref=None))
        return ItemInput(
            vendor_sku=data["vendor_sku"],
            title=data["title"],
            brand=data.get("brand", ""),
            gtin=data["gtin"].strip(),
            case_gtin=data["case_gtin"].strip(),
            case_pack=data["case_pack"],
            minimum_order_quantity=data["minimum_order_quantity"],
            country_of_origin=data["country_of_origin"],
            hs_code=data["hs_code"],
            pack_levels=levels,
            offers=offers,
        )


class OfferForm(forms.Form):
    marketplace = forms.ModelChoiceField(
        label=_("Marketplace"), queryset=Marketplace.objects.order_by("code"), to_field_name="code", empty_label=_("Choose…")
    )
    cost = forms.DecimalField(label=_("Cost per each"), max_digits=12, decimal_places=2, min_value=0)
    list_price = forms.DecimalField(label=_("List price"), max_digits=12, decimal_places=2, min_value=0, required=False)
    local_title = forms.CharField(label=_("Title in the marketplace"), max_length=300, required=False)

    def offer(self) -> OfferInput:
        data = self.cleaned_data
        return OfferInput(
            marketplace=data["marketplace"].code,
            cost=data["cost"],
            list_price=data.get("list_price"),
            local_title=data.get("local_title", ""),
            ref=self,
        )


OfferFormSet = formset_factory(OfferForm, extra=2, max_num=10, validate_max=True)


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))


class CounterForm(forms.Form):
    counter_cost = forms.DecimalField(label=_("Counter cost per each"), max_digits=12, decimal_places=2, min_value=0)
    comment = forms.CharField(label=_("Comment for the vendor"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ProductChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.vendor_sku} · {obj.title[:60]}"


class CostChangeForm(forms.Form):
    product = ProductChoiceField(label=_("Item"), queryset=Product.objects.none(), empty_label=_("Choose…"))
    marketplace = forms.ModelChoiceField(
        label=_("Marketplace"), queryset=Marketplace.objects.order_by("code"), to_field_name="code", empty_label=_("Choose…")
    )
    new_cost = forms.DecimalField(label=_("New cost per each"), max_digits=12, decimal_places=2, min_value=0)
    effective_from = forms.DateField(
        label=_("Effective from"), widget=DateInput, help_text=_("POs issued from this day (marketplace calendar) take the new cost")
    )
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, vendor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.for_vendor(vendor).filter(is_active=True).order_by("vendor_sku")

    def change(self) -> CostChangeInput:
        data = self.cleaned_data
        return CostChangeInput(
            marketplace=data["marketplace"].code,
            new_cost=data["new_cost"],
            effective_from=data["effective_from"],
            reason=data["reason"],
            vendor_sku=data["product"].vendor_sku,
            ref=self,
        )


class ItemUploadForm(forms.Form):
    file = forms.FileField(label=_("New items file (XLSX)"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))


class CostUploadForm(forms.Form):
    file = forms.FileField(label=_("Cost change file (XLSX or CSV)"))


# Where a service's field error shows on the cost change form.
COST_FORM_FIELDS = {
    "vendor_sku": "product",
    "asin": "product",
    "marketplace": "marketplace",
    "new_cost": "new_cost",
    "effective_from": "effective_from",
    "reason": "reason",
}
