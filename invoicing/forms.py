"""Forms of the invoice screens. They only collect input; invoicing.services checks it and names the fields."""
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from purchase_orders.models import PaymentTerms

from .models import ChargeKind, ChargeType, CreditNoteReason, InvoiceState, TaxType

BLANK = [("", "—")]


class InvoiceHeaderForm(forms.Form):
    number = forms.CharField(label=_("Invoice number"), max_length=40)
    invoice_date = forms.DateField(label=_("Invoice date"), widget=forms.DateInput(attrs={"type": "date"}))
    payment_terms = forms.ChoiceField(label=_("Payment terms"), choices=PaymentTerms.choices)
    credit_reason = forms.ChoiceField(label=_("Credit reason"), choices=BLANK + list(CreditNoteReason.choices), required=False)
    credit_reference = forms.CharField(label=_("Credit reference (RMA, debit note, co-op)"), max_length=60, required=False)
    derive_taxes = forms.BooleanField(label=_("Header taxes from the lines and charges"), required=False, initial=True)

    def __init__(self, *args, credit_note=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not credit_note:
            del self.fields["credit_reason"]
            del self.fields["credit_reference"]


class InvoiceLineForm(forms.Form):
    sequence = forms.IntegerField(label=_("Line"), min_value=1)
    purchase_order_number = forms.CharField(label=_("PO"), max_length=20, required=False)
    po_line_sequence = forms.IntegerField(label=_("PO line"), required=False, min_value=1)
    asin = forms.CharField(label="ASIN", max_length=10, required=False)
    vendor_sku = forms.CharField(label=_("SKU"), max_length=40, required=False)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=0)
    unit_cost = forms.DecimalField(label=_("Unit cost"), max_digits=14, decimal_places=2, min_value=0)
    tax_type = forms.ChoiceField(label=_("Tax"), choices=BLANK + list(TaxType.choices), required=False)
    tax_rate = forms.DecimalField(label=_("Tax %"), max_digits=7, decimal_places=4, min_value=0, required=False)
    credited_line = forms.IntegerField(required=False, widget=forms.HiddenInput)
    line_amount = forms.DecimalField(required=False, disabled=True, label=_("Amount"))


class InvoiceChargeForm(forms.Form):
    # A blank first choice keeps the empty extra row unchanged (a preselected option would make it "filled").
    kind = forms.ChoiceField(label=_("Kind"), choices=BLANK + list(ChargeKind.choices))
    charge_type = forms.ChoiceField(label=_("Type"), choices=BLANK + list(ChargeType.choices))
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=2, min_value=0)
    tax_type = forms.ChoiceField(label=_("Tax"), choices=BLANK + list(TaxType.choices), required=False)
    tax_rate = forms.DecimalField(label=_("Tax %"), max_digits=7, decimal_places=4, min_value=0, required=False)


class InvoiceTaxForm(forms.Form):
    tax_type = forms.ChoiceField(label=_("Tax"), choices=BLANK + list(TaxType.choices))
    rate = forms.DecimalField(label=_("Rate %"), max_digits=7, decimal_places=4, min_value=0, required=False)
    taxable_amount = forms.DecimalField(label=_("Taxable amount"), max_digits=14, decimal_places=2, min_value=0, required=False)
    amount = forms.DecimalField(label=_("Tax amount"), max_digits=14, decimal_places=2, min_value=0)


LineFormSet = forms.formset_factory(InvoiceLineForm, extra=1, can_delete=True)
ChargeFormSet = forms.formset_factory(InvoiceChargeForm, extra=1, can_delete=True)
TaxFormSet = forms.formset_factory(InvoiceTaxForm, extra=1, can_delete=True)


def _rows(formset, fields) -> tuple[list[dict], list[int]]:
    """The filled, not deleted rows as payload dicts, and the form index of each (to put errors back)."""
    rows, indexes = [], []
    for index, form in enumerate(formset.forms):
        filled = index < formset.initial_form_count() or form.has_changed()
        if not filled or (formset.can_delete and form.cleaned_data.get("DELETE")):
            continue
        data = {name: form.cleaned_data.get(name) for name in fields}
        rows.append({key: (str(value) if value is not None else None) for key, value in data.items() if value not in (None, "")})
        indexes.append(index)
    return rows, indexes


def payload_from_forms(header, lines, charges, taxes) -> tuple[dict, dict]:
    """The service payload from the edit screen, and where each payload row sits in its formset."""
    data = {key: header.cleaned_data[key] for key in ("number", "invoice_date", "payment_terms", "credit_reason", "credit_reference") if key in header.cleaned_data}
    data["invoice_date"] = data["invoice_date"].isoformat()
    data["lines"], line_index = _rows(lines, ["sequence", "purchase_order_number", "po_line_sequence", "asin", "vendor_sku", "quantity", "unit_cost", "tax_type", "tax_rate", "credited_line"])
    for row in data["lines"]:
        row["quantity"] = int(row.get("quantity", 0))
    data["charges"], charge_index = _rows(charges, ["kind", "charge_type", "description", "amount", "tax_type", "tax_rate"])
    tax_rows, tax_index = _rows(taxes, ["tax_type", "rate", "taxable_amount", "amount"])
    if not header.cleaned_data.get("derive_taxes"):
        data["taxes"] = tax_rows
    return data, {"lines": (lines, line_index), "charges": (charges, charge_index), "taxes": (taxes, tax_index)}


def form_errors(header, *formsets) -> list[str]:
    """Every field error of the edit screen as one list (for the pre-flight panel htmx swaps in)."""
    out = [f"{header.fields[name].label if name in header.fields else ''}: {message}".lstrip(": ")
           for name, messages in header.errors.items() for message in messages]
    for formset in formsets:
        out += [str(message) for message in formset.non_form_errors()]
        for position, form in enumerate(formset.forms, start=1):
            for name, messages in form.errors.items():
                label = form.fields[name].label if name in form.fields else ""
                out += [f"#{position} {label}: {message}" for message in messages]
    return out


ERROR_FIELD = re.compile(r"^(lines|charges|taxes)\[(\d+)\](?:\.(\w+))?$")


def place_errors(errors: list[dict], header, placement: dict) -> None:
    """Put each service error next to its field: `lines[2].quantity` on the third filled line's quantity."""
    for error in errors:
        field = error.get("field") or ""
        match = ERROR_FIELD.match(field)
        if match:
            formset, indexes = placement[match.group(1)]
            position = int(match.group(2))
            if position < len(indexes):
                form = formset.forms[indexes[position]]
                name = match.group(3)
                if name == "line_amount":
                    name = "unit_cost"
                form.add_error(name if name in form.fields else None, error["message"])
                continue
        if field in header.fields:
            header.add_error(field, error["message"])
        else:
            header.add_error(None, error["message"])


class PickPurchaseOrderForm(forms.Form):
    po_number = forms.CharField(label=_("Purchase order"), max_length=20)
    number = forms.CharField(label=_("Invoice number"), max_length=40, required=False, help_text=_("Left empty: INV-<PO number>."))


class PickShipmentForm(forms.Form):
    shipment_id = forms.IntegerField(label=_("ASN"))
    number = forms.CharField(label=_("Invoice number"), max_length=40, required=False)


class RetailerDecisionForm(forms.Form):
    state = forms.ChoiceField(label=_("Decision"), choices=[(s.value, s.label) for s in (
        InvoiceState.ACCEPTED, InvoiceState.REJECTED, InvoiceState.ON_HOLD, InvoiceState.APPROVED_FOR_PAYMENT,
        InvoiceState.PAID_PARTLY, InvoiceState.PAID)])
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
