"""Forms of the purchase-order screens: the list filters, the vendor's confirmation and the buyer's pages."""

import datetime

import django_filters
from django import forms
from django.forms import formset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vendor_portal.errors import FieldError
from vendor_portal.models import Marketplace, Vendor, Warehouse

from .filters import PurchaseOrderFilter
from .models import PaymentTerms, PurchaseOrderState, PurchaseOrderType, RejectionReason, UnitOfMeasure
from .services.confirmations import LineConfirmation
from .services.orders import LineChange, LineInput

DUE_SOON_HOURS = 24


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def start_of_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def end_of_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))


# The list -----------------------------------------------------------------------------------------
class PurchaseOrderListFilter(PurchaseOrderFilter):
    """The API's FilterSet with widgets for people: checkboxes, date pickers, choices limited to what the
    person may see, and whole days for the ship window."""

    # distinct=False: the states are the PO's own column, so no row can repeat (DISTINCT would sort every match).
    state = django_filters.MultipleChoiceFilter(
        label=_("State"), choices=PurchaseOrderState.choices, widget=forms.CheckboxSelectMultiple, distinct=False
    )
    marketplace = django_filters.ModelChoiceFilter(
        label=_("Marketplace"), queryset=Marketplace.objects.all(), to_field_name="code", field_name="marketplace", empty_label=_("Any")
    )
    ship_to = django_filters.ModelChoiceFilter(
        label=_("DC"), queryset=Warehouse.objects.all(), to_field_name="code", field_name="ship_to", empty_label=_("Any")
    )
    vendor = django_filters.ModelChoiceFilter(
        label=_("Vendor"), queryset=Vendor.objects.all(), to_field_name="code", field_name="vendor", empty_label=_("Any")
    )
    ship_window_from = django_filters.DateFilter(label=_("Ship window from"), method="filter_ship_window_from", widget=DateInput)
    ship_window_to = django_filters.DateFilter(label=_("Ship window to"), method="filter_ship_window_to", widget=DateInput)
    needs_confirmation = django_filters.BooleanFilter(
        label=_("Needs my confirmation"), method="filter_checked_needs_confirmation", widget=forms.CheckboxInput
    )
    due_soon = django_filters.BooleanFilter(label=_("Confirmation due within 24 h"), method="filter_due_soon", widget=forms.CheckboxInput)
    changed = django_filters.BooleanFilter(label=_("Changed by the buyer"), method="filter_changed", widget=forms.CheckboxInput)

    def __init__(self, data=None, *args, scope, **kwargs):
        super().__init__(data, *args, scope=scope, **kwargs)
        if scope.is_retailer:
            self.filters["needs_confirmation"].label = _("Awaiting vendor confirmation")
        else:
            # A vendor's people never see the list of other vendors, nor filter by vendor.
            del self.filters["vendor"]
            if scope.marketplace_ids is not None:
                self.filters["marketplace"].queryset = Marketplace.objects.filter(pk__in=scope.marketplace_ids)
                self.filters["ship_to"].queryset = Warehouse.objects.filter(marketplace_id__in=scope.marketplace_ids)
        for name in ("order_type", "ordered_after", "ordered_before"):
            self.filters.pop(name, None)

    def filter_ship_window_from(self, queryset, name, value):
        return queryset.filter(ship_window_end__gte=start_of_day(value)) if value else queryset

    def filter_ship_window_to(self, queryset, name, value):
        return queryset.filter(ship_window_start__lte=end_of_day(value)) if value else queryset

    def filter_checked_needs_confirmation(self, queryset, name, value):
        return queryset.needing_confirmation() if value else queryset

    def filter_due_soon(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.needing_confirmation().filter(confirmation_due_at__lte=timezone.now() + datetime.timedelta(hours=DUE_SOON_HOURS))

    def filter_changed(self, queryset, name, value):
        return queryset.filter(has_unconfirmed_changes=True) if value else queryset


# Vendor: confirmation -----------------------------------------------------------------------------
class ConfirmationDatesForm(forms.Form):
    scheduled_ship_date = forms.DateField(label=_("Scheduled ship date"), required=False, widget=DateInput)
    scheduled_delivery_date = forms.DateField(label=_("Scheduled delivery date"), required=False, widget=DateInput)

    def __init__(self, *args, purchase_order, **kwargs):
        super().__init__(*args, **kwargs)
        po = purchase_order
        ship = self.fields["scheduled_ship_date"].widget.attrs
        ship.update(min=timezone.localdate(po.ship_window_start).isoformat(), max=timezone.localdate(po.ship_window_end).isoformat())
        if po.delivery_window_start and po.delivery_window_end:
            delivery = self.fields["scheduled_delivery_date"].widget.attrs
            delivery.update(min=timezone.localdate(po.delivery_window_start).isoformat(), max=timezone.localdate(po.delivery_window_end).isoformat())


class LineConfirmationForm(forms.Form):
    """One PO line's answer. Blank quantities count as zero."""

    accepted = forms.IntegerField(label=_("Accepted"), min_value=0, required=False)
    backordered = forms.IntegerField(label=_("Backordered"), min_value=0, required=False)
    backorder_date = forms.DateField(label=_("Backorder date"), required=False, widget=DateInput)
    rejected = forms.IntegerField(label=_("Rejected"), min_value=0, required=False)
    rejection_reason = forms.ChoiceField(label=_("Rejection reason"), required=False, choices=[("", "—")] + list(RejectionReason.choices))

    def __init__(self, *args, line, **kwargs):
        self.line = line
        super().__init__(*args, prefix=f"line-{line.sequence}", **kwargs)
        cancelled = line.ordered_quantity == 0
        for name, field in self.fields.items():
            field.widget.attrs["aria-label"] = _("Line %(n)s: %(field)s") % {"n": line.sequence, "field": field.label}
            if name in ("accepted", "backordered", "rejected"):
                field.widget.attrs.update(max=line.ordered_quantity, inputmode="numeric", **{"data-qty": name})
            if cancelled:
                field.disabled = True
        if not line.backorder_allowed:
            for name in ("backordered", "backorder_date"):
                self.fields[name].disabled = True
                self.fields[name].widget.attrs["title"] = _("This line does not allow backorders.")

    @classmethod
    def initial_for(cls, line) -> dict:
        """The line's current answer, so a revision starts from what was confirmed."""
        return {
            "accepted": line.accepted_quantity,
            "backordered": line.backordered_quantity,
            "backorder_date": line.backorder_date,
            "rejected": line.rejected_quantity,
            "rejection_reason": line.rejection_reason,
        }

    def confirmation(self) -> LineConfirmation:
        data = self.cleaned_data
        return LineConfirmation(
            sequence=self.line.sequence,
            accepted=data.get("accepted") or 0,
            backordered=data.get("backordered") or 0,
            rejected=data.get("rejected") or 0,
            rejection_reason=data.get("rejection_reason") or "",
            backorder_date=data.get("backorder_date"),
            ref=self,  # the service's problems with this line come back to this row
        )

    def remaining(self) -> int | None:
        """Ordered minus what the form answers (for the hint next to the row), None if unreadable."""
        values = []
        for name in ("accepted", "backordered", "rejected"):
            raw = self[name].value()
            if raw in (None, ""):
                values.append(0)
                continue
            try:
                values.append(int(raw))
            except (TypeError, ValueError):
                return None
        return self.line.ordered_quantity - sum(values)

    @property
    def remaining_hint(self) -> dict:
        remaining = self.remaining()
        if remaining is None:
            return {"state": "unknown", "count": ""}
        state = "done" if remaining == 0 else ("over" if remaining < 0 else "left")
        return {"state": state, "count": abs(remaining)}


def mark_invalid(form) -> None:
    """Flag fields with errors for styling and screen readers."""
    for name in form.errors:
        if name in form.fields:
            attrs = form.fields[name].widget.attrs
            attrs["class"] = (attrs.get("class", "") + " invalid").strip()
            attrs["aria-invalid"] = "true"
            attrs["aria-describedby"] = f"{form[name].auto_id}-errors"


class PurchaseOrderConfirmationForm:
    """The dates and one LineConfirmationForm per line; puts the service's errors back on the row they name."""

    def __init__(self, purchase_order, lines, data=None):
        self.purchase_order = purchase_order
        self.dates = ConfirmationDatesForm(
            data,
            purchase_order=purchase_order,
            initial={
                "scheduled_ship_date": purchase_order.estimated_ship_date,
                "scheduled_delivery_date": purchase_order.estimated_delivery_date,
            },
        )
        self.lines = [LineConfirmationForm(data, line=line, initial=LineConfirmationForm.initial_for(line)) for line in lines]
        self.non_field_errors: list[str] = []
        self._domain_messages: set[str] = set()

    def is_valid(self) -> bool:
        valid = self.dates.is_valid()
        for form in self.lines:
            valid = form.is_valid() and valid
        return valid

    def confirmations(self) -> list[LineConfirmation]:
        return [form.confirmation() for form in self.lines]

    def add_domain_errors(self, errors: list[FieldError]) -> None:
        for error in errors:
            field, message = error.field or "", error.message
            self._domain_messages.add(message)
            if error.ref in self.lines:
                error.ref.add_error(field if field in error.ref.fields else None, message)
            elif error.ref is None and field in self.dates.fields:
                self.dates.add_error(field, message)
            else:
                self.non_field_errors.append(message)
        self.mark_invalid()

    def mark_invalid(self) -> None:
        mark_invalid(self.dates)
        for form in self.lines:
            mark_invalid(form)

    def error_summary(self) -> list[dict]:
        """Every problem once, for the box above the form: each links to its line or field."""
        items = [{"anchor": "", "message": message} for message in self.non_field_errors]
        for field in self.dates:
            items += [{"anchor": field.auto_id, "message": f"{field.label}: {error}"} for error in field.errors]
        for form in self.lines:
            for name, errors in form.errors.items():
                for error in errors:
                    if error not in self._domain_messages:  # the service's messages already name their line
                        label = form.fields[name].label if name in form.fields else ""
                        error = _("Line %(n)s, %(field)s: %(message)s") % {"n": form.line.sequence, "field": label, "message": error}
                    items.append({"anchor": f"line-row-{form.line.sequence}", "message": error})
        return items

    @property
    def has_errors(self) -> bool:
        return bool(self.non_field_errors or self.dates.errors or any(form.errors for form in self.lines))


# Buyer: issue a PO --------------------------------------------------------------------------------
class WarehouseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} · {obj.name} ({obj.marketplace.code})"


class PurchaseOrderCreateForm(forms.Form):
    number = forms.CharField(label=_("PO number"), max_length=20, help_text=_("Unique across the retailer; letters and digits."))
    vendor = forms.ModelChoiceField(label=_("Vendor"), queryset=Vendor.objects.filter(is_active=True), empty_label=_("Choose…"))
    marketplace = forms.ModelChoiceField(label=_("Marketplace"), queryset=Marketplace.objects.all(), empty_label=_("Choose…"))
    ship_to = WarehouseChoiceField(label=_("Ship to (DC)"), queryset=Warehouse.objects.select_related("marketplace"), empty_label=_("Choose…"))
    order_type = forms.ChoiceField(label=_("Order type"), choices=PurchaseOrderType.choices, initial=PurchaseOrderType.REGULAR)
    payment_terms = forms.ChoiceField(label=_("Payment terms"), choices=PaymentTerms.choices, initial=PaymentTerms.NET_60)
    ship_window_start = forms.DateField(label=_("Ship window start"), widget=DateInput)
    ship_window_end = forms.DateField(label=_("Ship window end"), widget=DateInput)
    delivery_window_start = forms.DateField(label=_("Delivery window start"), required=False, widget=DateInput)
    delivery_window_end = forms.DateField(label=_("Delivery window end"), required=False, widget=DateInput)
    deal_code = forms.CharField(label=_("Deal code"), max_length=40, required=False)

    def clean(self):
        data = super().clean()
        start, end = data.get("ship_window_start"), data.get("ship_window_end")
        if start and end and end < start:
            self.add_error("ship_window_end", _("The ship window ends before it starts."))
        start, end = data.get("delivery_window_start"), data.get("delivery_window_end")
        if bool(start) != bool(end):
            self.add_error("delivery_window_end" if start else "delivery_window_start", _("Give both ends of the delivery window, or neither."))
        elif start and end and end < start:
            self.add_error("delivery_window_end", _("The delivery window ends before it starts."))
        return data

    def windows(self) -> dict:
        data = self.cleaned_data
        return {
            "ship_window_start": start_of_day(data["ship_window_start"]),
            "ship_window_end": end_of_day(data["ship_window_end"]),
            "delivery_window_start": start_of_day(data["delivery_window_start"]) if data.get("delivery_window_start") else None,
            "delivery_window_end": end_of_day(data["delivery_window_end"]) if data.get("delivery_window_end") else None,
        }


class PurchaseOrderLineForm(forms.Form):
    vendor_sku = forms.CharField(label=_("Vendor SKU or ASIN"), max_length=40)
    ordered_quantity = forms.IntegerField(label=_("Quantity"), min_value=1)
    unit_of_measure = forms.ChoiceField(label=_("Unit"), choices=UnitOfMeasure.choices, initial=UnitOfMeasure.EACHES)
    unit_size = forms.IntegerField(label=_("Unit size"), min_value=1, initial=1, help_text=_("Eaches per case"))
    net_cost = forms.DecimalField(
        label=_("Net cost"), max_digits=12, decimal_places=2, min_value=0, required=False, help_text=_("Blank: the catalogue cost on the order date")
    )
    list_price = forms.DecimalField(label=_("List price"), max_digits=12, decimal_places=2, min_value=0, required=False)
    backorder_allowed = forms.BooleanField(label=_("Backorder allowed"), required=False)

    def line_input(self, sequence: int, *, by_asin: bool = False) -> LineInput:
        """The line for the service; `by_asin` when the buyer typed an ASIN rather than a SKU."""
        data = self.cleaned_data
        identifier = data["vendor_sku"].strip()
        return LineInput(
            sequence=sequence,
            ordered_quantity=data["ordered_quantity"],
            net_cost=data["net_cost"],
            vendor_sku="" if by_asin else identifier,
            asin=identifier.upper() if by_asin else "",
            unit_of_measure=data["unit_of_measure"],
            unit_size=data["unit_size"] or 1,
            backorder_allowed=data["backorder_allowed"],
            list_price=data.get("list_price"),
            ref=self,
        )


PurchaseOrderLineFormSet = formset_factory(PurchaseOrderLineForm, extra=3, min_num=1, validate_min=True, max_num=500, validate_max=True)


# Buyer: change and cancel -------------------------------------------------------------------------
class PurchaseOrderWindowsForm(forms.Form):
    ship_window_start = forms.DateField(label=_("Ship window start"), widget=DateInput)
    ship_window_end = forms.DateField(label=_("Ship window end"), widget=DateInput)
    delivery_window_start = forms.DateField(label=_("Delivery window start"), required=False, widget=DateInput)
    delivery_window_end = forms.DateField(label=_("Delivery window end"), required=False, widget=DateInput)

    def __init__(self, *args, purchase_order, **kwargs):
        self.purchase_order = purchase_order
        initial = {name: timezone.localdate(getattr(purchase_order, name)) for name in self.base_fields if getattr(purchase_order, name) is not None}
        super().__init__(*args, initial=initial, **kwargs)

    def clean(self):
        data = super().clean()
        start, end = data.get("ship_window_start"), data.get("ship_window_end")
        if start and end and end < start:
            self.add_error("ship_window_end", _("The ship window ends before it starts."))
        start, end = data.get("delivery_window_start"), data.get("delivery_window_end")
        if bool(start) != bool(end):
            self.add_error("delivery_window_end" if start else "delivery_window_start", _("Give both ends of the delivery window, or neither."))
        elif start and end and end < start:
            self.add_error("delivery_window_end", _("The delivery window ends before it starts."))
        return data

    def changed_windows(self) -> dict:
        """Only the dates the buyer moved, as aware datetimes covering whole days."""
        changes = {}
        for name, value in self.cleaned_data.items():
            current = getattr(self.purchase_order, name)
            if value == (timezone.localdate(current) if current else None):
                continue
            if value is None:
                changes[name] = None
            else:
                changes[name] = start_of_day(value) if name.endswith("_start") else end_of_day(value)
        return changes


class LineChangeForm(forms.Form):
    ordered_quantity = forms.IntegerField(label=_("New quantity"), min_value=0)
    cancel = forms.BooleanField(label=_("Cancel line"), required=False)

    def __init__(self, *args, line, **kwargs):
        self.line = line
        super().__init__(*args, prefix=f"line-{line.sequence}", initial={"ordered_quantity": line.ordered_quantity}, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["aria-label"] = _("Line %(n)s: %(field)s") % {"n": line.sequence, "field": field.label}
        if line.ordered_quantity == 0:
            for field in self.fields.values():
                field.disabled = True

    def change(self) -> LineChange | None:
        if self.line.ordered_quantity == 0:
            return None
        if self.cleaned_data["cancel"]:
            return LineChange(sequence=self.line.sequence, cancel=True, ref=self)
        if self.cleaned_data["ordered_quantity"] != self.line.ordered_quantity:
            return LineChange(sequence=self.line.sequence, ordered_quantity=self.cleaned_data["ordered_quantity"], ref=self)
        return None


class PurchaseOrderCancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the vendor"), max_length=200, required=False)


# Buyer: upload --------------------------------------------------------------------------------------
class PurchaseOrderUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}),
    )
