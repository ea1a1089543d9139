"""Forms of the invoice screens. They only collect input; invoicing.services checks it and names the rows."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from purchase_orders.models import PaymentTerms
from vendor_portal import limits
from vendor_portal.errors import FieldError
from vendor_portal.forms import RowLabelledFormSet
from vendor_portal.models import Marketplace, Vendor

from .filters import InvoiceFilter
from .models import VENDOR_ONLY_STATES, ChargeKind, ChargeType, CreditNoteReason, InvoiceSource, InvoiceState, InvoiceType, TaxType
from .services.inputs import InvoiceChargeInput, InvoiceInput, InvoiceLineInput, InvoiceTaxInput
from .taxes import tax_type_choices

BLANK = [("", "—")]


class InvoiceHeaderForm(forms.Form):
    number = forms.CharField(label=_("Invoice number"), max_length=40)
    invoice_date = forms.DateField(label=_("Invoice date"), widget=forms.DateInput(attrs={"type": "date"}), validators=limits.date_validators())
    payment_terms = forms.ChoiceField(label=_("Payment terms"), choices=PaymentTerms.choices)
    credit_reason = forms.ChoiceField(label=_("Credit reason"), choices=BLANK + list(CreditNoteReason.choices), required=False)
    credit_reference = forms.CharField(label=_("Credit reference (RMA, debit note, co-op)"), max_length=60, required=False)
    derive_taxes = forms.BooleanField(label=_("Header taxes from the lines and charges"), required=False, initial=True)

    def __init__(self, *args, credit_note=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not credit_note:
            del self.fields["credit_reason"]
            del self.fields["credit_reference"]


class MarketplaceTaxesMixin:
    """Offers the marketplace's tax types (invoicing.taxes) instead of every country's, its usual rates as
    suggestions (the <datalist> the edit screen renders), and names each control for screen readers (the
    table's column headers are not labels)."""

    tax_fields = ("tax_type",)
    rate_fields = ("tax_rate",)

    def setup(self, marketplace):
        for name in self.tax_fields:
            keep = self.initial.get(name) or ""
            self.fields[name].choices = BLANK + tax_type_choices(marketplace, keep=keep)
        for name in self.rate_fields:
            self.fields[name].widget.attrs["list"] = TAX_RATES_LIST
        for field in self.fields.values():
            if not isinstance(field.widget, forms.HiddenInput):
                field.widget.attrs.setdefault("aria-label", str(field.label))


TAX_RATES_LIST = "marketplace-tax-rates"
# What names the item a line bills: copied from the PO or the ASN, read-only once the line exists
# (a different item is a new line, so the line's PO, receipts and claims never silently change).
LINE_IDENTITY = ("purchase_order_number", "po_line_sequence", "asin", "vendor_sku")


class InvoiceLineForm(MarketplaceTaxesMixin, forms.Form):
    sequence = forms.IntegerField(label=_("Line"), min_value=1)
    purchase_order_number = forms.CharField(label=_("PO"), max_length=20, required=False)
    po_line_sequence = forms.IntegerField(label=_("PO line"), required=False, min_value=1)
    asin = forms.CharField(label="ASIN", max_length=10, required=False)
    vendor_sku = forms.CharField(label=_("SKU"), max_length=40, required=False)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=0, max_value=limits.MAX_QUANTITY)
    unit_cost = forms.DecimalField(label=_("Unit cost"), max_digits=14, decimal_places=2, min_value=0)
    tax_type = forms.ChoiceField(label=_("Tax"), choices=BLANK + list(TaxType.choices), required=False)
    tax_rate = forms.DecimalField(label=_("Tax %"), max_digits=7, decimal_places=4, min_value=0, required=False)
    credited_line = forms.IntegerField(required=False, widget=forms.HiddenInput)
    line_amount = forms.DecimalField(required=False, disabled=True, label=_("Amount"))

    def __init__(self, *args, marketplace=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup(marketplace)


class InvoiceChargeForm(MarketplaceTaxesMixin, forms.Form):
    # A blank first choice keeps the empty extra row unchanged (a preselected option would make it "filled").
    kind = forms.ChoiceField(label=_("Kind"), choices=BLANK + list(ChargeKind.choices))
    charge_type = forms.ChoiceField(label=_("Type"), choices=BLANK + list(ChargeType.choices))
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=2, min_value=0)
    tax_type = forms.ChoiceField(label=_("Tax"), choices=BLANK + list(TaxType.choices), required=False)
    tax_rate = forms.DecimalField(label=_("Tax %"), max_digits=7, decimal_places=4, min_value=0, required=False)

    def __init__(self, *args, marketplace=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup(marketplace)


class InvoiceTaxForm(MarketplaceTaxesMixin, forms.Form):
    rate_fields = ("rate",)

    tax_type = forms.ChoiceField(label=_("Tax"), choices=BLANK + list(TaxType.choices))
    rate = forms.DecimalField(label=_("Rate %"), max_digits=7, decimal_places=4, min_value=0, required=False)
    taxable_amount = forms.DecimalField(label=_("Taxable amount"), max_digits=14, decimal_places=2, min_value=0, required=False)
    amount = forms.DecimalField(label=_("Tax amount"), max_digits=14, decimal_places=2, min_value=0)

    def __init__(self, *args, marketplace=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup(marketplace)


class BaseLineFormSet(RowLabelledFormSet):
    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        if i < self.initial_form_count():
            # Disabled: Django keeps the stored value whatever is posted.
            for name in LINE_IDENTITY:
                form.fields[name].disabled = True
        return form


LineFormSet = forms.formset_factory(InvoiceLineForm, formset=BaseLineFormSet, extra=1, can_delete=True)
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
    # Rendered as one radio button per ASN ready to invoice (invoice_new.html), never typed in.
    shipment_id = forms.IntegerField(
        label=_("ASN"), error_messages={"required": _("Choose the ASN to invoice."), "invalid": _("Choose the ASN to invoice.")}
    )
    number = forms.CharField(label=_("Invoice number"), max_length=40, required=False, help_text=_("Left empty: INV-<ASN>."))


class RetailerDecisionForm(forms.Form):
    """Accounts payable's decision: only the states the invoice can move to from where it is."""

    DECISIONS = (
        InvoiceState.ACCEPTED,
        InvoiceState.REJECTED,
        InvoiceState.ON_HOLD,
        InvoiceState.APPROVED_FOR_PAYMENT,
        InvoiceState.PAID_PARTLY,
        InvoiceState.PAID,
    )
    state = forms.ChoiceField(label=_("Decision"), choices=[(s.value, s.label) for s in DECISIONS])
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text=_("Needed to reject or hold; the vendor reads it.")
    )

    def __init__(self, *args, invoice=None, **kwargs):
        super().__init__(*args, **kwargs)
        if invoice is not None:
            self.fields["state"].choices = [(s.value, s.label) for s in self.DECISIONS if invoice.can_transition_to(s)]

    @property
    def decisions(self) -> list[tuple[str, str]]:
        return self.fields["state"].choices


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class InvoiceListFilter(InvoiceFilter):
    """The API's FilterSet with widgets for people, as on the PO list: states as chips, date pickers, choices
    limited to what the person may see."""

    state = django_filters.MultipleChoiceFilter(label=_("State"), choices=InvoiceState.choices, widget=forms.CheckboxSelectMultiple, distinct=False)
    invoice_type = django_filters.ChoiceFilter(label=_("Type"), choices=InvoiceType.choices, empty_label=_("Any"))
    source = django_filters.ChoiceFilter(label=_("Source"), choices=InvoiceSource.choices, empty_label=_("Any"))
    marketplace = django_filters.ModelChoiceFilter(
        label=_("Marketplace"), queryset=Marketplace.objects.all(), to_field_name="code", field_name="marketplace", empty_label=_("Any")
    )
    vendor = django_filters.ModelChoiceFilter(
        label=_("Vendor"), queryset=Vendor.objects.all(), to_field_name="code", field_name="vendor", empty_label=_("Any")
    )
    date_from = django_filters.DateFilter(label=_("Dated from"), field_name="invoice_date", lookup_expr="gte", widget=DateInput)
    date_to = django_filters.DateFilter(label=_("Dated to"), field_name="invoice_date", lookup_expr="lte", widget=DateInput)

    def __init__(self, data=None, *args, scope=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        if scope is not None and scope.is_retailer:
            # The retailer never meets a draft or an invoice waiting for the vendor's own approval.
            self.filters["state"].extra["choices"] = [c for c in InvoiceState.choices if c[0] not in VENDOR_ONLY_STATES]
        else:
            del self.filters["vendor"]
            if scope is not None and scope.marketplace_ids is not None:
                self.filters["marketplace"].queryset = Marketplace.objects.filter(pk__in=scope.marketplace_ids)
