"""Forms of the invoice screens. They only collect input; invoicing.services checks it and names the rows."""

from django import forms
from django.utils.translation import gettext_lazy as _

from purchase_orders.models import PaymentTerms
from vendor_portal.errors import FieldError
from vendor_portal.forms import RowLabelledFormSet

from .models import ChargeKind, ChargeType, CreditNoteReason, InvoiceState, TaxType
from .services.inputs import InvoiceChargeInput, InvoiceInput, InvoiceLineInput, InvoiceTaxInput

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


LineFormSet = forms.formset_factory(InvoiceLineForm, formset=RowLabelledFormSet, extra=1, can_delete=True)
ChargeFormSet = forms.formset_factory(InvoiceChargeForm, formset=RowLabelledFormSet, extra=1, can_delete=True)
TaxFormSet = forms.formset_factory(InvoiceTaxForm, formset=RowLabelledFormSet, extra=1, can_delete=True)


def _filled(formset) -> list:
    """The filled, not deleted forms of a formset."""
    forms_ = []
    for index, form in enumerate(formset.forms):
        filled = index < formset.initial_form_count() or form.has_changed()
        if filled and not (formset.can_delete and form.cleaned_data.get("DELETE")):
            forms_.append(form)
    return forms_


def input_from_forms(header, lines, charges, taxes) -> InvoiceInput:
    """The services' input from the edit screen; each row's problems come back to its form (its ref)."""
    data = header.cleaned_data
    given = InvoiceInput(number=data["number"], invoice_date=data["invoice_date"], payment_terms=data["payment_terms"])
    for name in ("credit_reason", "credit_reference"):
        if name in data:
            setattr(given, name, data[name] or "")
    given.lines = [
        InvoiceLineInput(
            sequence=form.cleaned_data.get("sequence"),
            purchase_order_number=form.cleaned_data.get("purchase_order_number") or "",
            po_line_sequence=form.cleaned_data.get("po_line_sequence"),
            asin=form.cleaned_data.get("asin") or "",
            vendor_sku=form.cleaned_data.get("vendor_sku") or "",
            quantity=form.cleaned_data.get("quantity"),
            unit_cost=form.cleaned_data.get("unit_cost"),
            tax_type=form.cleaned_data.get("tax_type") or "",
            tax_rate=form.cleaned_data.get("tax_rate"),
            credited_line=form.cleaned_data.get("credited_line"),
            ref=form,
        )
        for form in _filled(lines)
    ]
    given.charges = [
        InvoiceChargeInput(
            kind=form.cleaned_data.get("kind") or "",
            charge_type=form.cleaned_data.get("charge_type") or "",
            description=form.cleaned_data.get("description") or "",
            amount=form.cleaned_data.get("amount"),
            tax_type=form.cleaned_data.get("tax_type") or "",
            tax_rate=form.cleaned_data.get("tax_rate"),
            ref=form,
        )
        for form in _filled(charges)
    ]
    if not data.get("derive_taxes"):
        given.taxes = [
            InvoiceTaxInput(
                tax_type=form.cleaned_data.get("tax_type") or "",
                rate=form.cleaned_data.get("rate"),
                taxable_amount=form.cleaned_data.get("taxable_amount"),
                amount=form.cleaned_data.get("amount"),
                ref=form,
            )
            for form in _filled(taxes)
        ]
    return given


def form_errors(header, *formsets) -> list[str]:
    """Every field error of the edit screen as one list (for the pre-flight panel htmx swaps in)."""
    out = [
        f"{header.fields[name].label if name in header.fields else ''}: {message}".lstrip(": ")
        for name, messages in header.errors.items()
        for message in messages
    ]
    for formset in formsets:
        out += [str(message) for message in formset.non_form_errors()]
        for position, form in enumerate(formset.forms, start=1):
            for name, messages in form.errors.items():
                label = form.fields[name].label if name in form.fields else ""
                out += [f"#{position} {label}: {message}" for message in messages]
    return out


def place_errors(errors: list[FieldError], header) -> None:
    """Put each service error next to its field: a row's on that row's form (the error's ref), the rest on the header."""
    for error in errors:
        if isinstance(error.ref, forms.Form):
            name = "unit_cost" if error.field == "line_amount" else error.field
            error.ref.add_error(name if name in error.ref.fields else None, error.message)
        elif error.ref is None and error.field in header.fields:
            header.add_error(error.field, error.message)
        else:
            header.add_error(None, error.message)


class PickPurchaseOrderForm(forms.Form):
    po_number = forms.CharField(label=_("Purchase order"), max_length=20)
    number = forms.CharField(label=_("Invoice number"), max_length=40, required=False, help_text=_("Left empty: INV-<PO number>."))


class PickShipmentForm(forms.Form):
    shipment_id = forms.IntegerField(label=_("ASN"))
    number = forms.CharField(label=_("Invoice number"), max_length=40, required=False)


class RetailerDecisionForm(forms.Form):
    state = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (s.value, s.label)
            for s in (
                InvoiceState.ACCEPTED,
                InvoiceState.REJECTED,
                InvoiceState.ON_HOLD,
                InvoiceState.APPROVED_FOR_PAYMENT,
                InvoiceState.PAID_PARTLY,
                InvoiceState.PAID,
            )
        ],
    )
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
