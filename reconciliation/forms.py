"""Forms of the payment screens. They only collect input; reconciliation.services checks it and names the fields."""

from django import forms
from django.utils.translation import gettext_lazy as _

from vendor_portal.models import Marketplace

from .models import DeductionKind, DeductionStatus, DisputeStatus

BLANK = [("", _("All"))]
DATE = {"widget": forms.DateInput(attrs={"type": "date"}), "required": False}


def marketplace_choices(scope) -> list[tuple]:
    marketplaces = Marketplace.objects.order_by("code")
    if scope is not None and not scope.is_retailer and scope.marketplace_ids is not None:
        marketplaces = marketplaces.filter(pk__in=scope.marketplace_ids)
    return BLANK + [(m.code, f"{m.code} · {m.currency}") for m in marketplaces]


class ScopedFilterForm(forms.Form):
    """A GET filter form whose marketplace choices are the ones the person may see."""

    def __init__(self, *args, scope=None, **kwargs):
        super().__init__(*args, **kwargs)
        if "marketplace" in self.fields:
            self.fields["marketplace"].choices = marketplace_choices(scope)
        if "vendor" in self.fields and (scope is None or not scope.is_retailer):
            del self.fields["vendor"]

    def filters(self) -> dict:
        """The valid, filled values (an invalid value is dropped, never a 500)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in getattr(self, "cleaned_data", {}).items() if value not in (None, "")}


class SummaryFilterForm(ScopedFilterForm):
    marketplace = forms.ChoiceField(label=_("Marketplace"), required=False)
    period_start = forms.DateField(label=_("From"), **DATE)
    period_end = forms.DateField(label=_("To"), **DATE)
    vendor = forms.CharField(label=_("Vendor code"), max_length=20, required=False)

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and start > end:
            self.add_error("period_end", _("The period ends before it starts."))
        return data


class DeductionFilterForm(ScopedFilterForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=BLANK + list(DeductionKind.choices), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=BLANK + list(DeductionStatus.choices), required=False)
    marketplace = forms.ChoiceField(label=_("Marketplace"), required=False)
    created_after = forms.DateField(label=_("Raised from"), **DATE)
    created_before = forms.DateField(label=_("Raised to"), **DATE)
    disputable = forms.BooleanField(label=_("Still open to dispute"), required=False)
    closing = forms.BooleanField(label=_("Window closes within 7 days"), required=False)
    vendor = forms.CharField(label=_("Vendor code"), max_length=20, required=False)

    def filters(self) -> dict:
        filters = super().filters()
        if filters.pop("disputable", False):
            filters["disputable"] = "1"
        if filters.pop("closing", False):
            filters["closing"] = "1"
        return filters


class RemittanceFilterForm(ScopedFilterForm):
    marketplace = forms.ChoiceField(label=_("Marketplace"), required=False)
    pay_date_from = forms.DateField(label=_("Paid from"), **DATE)
    pay_date_to = forms.DateField(label=_("Paid to"), **DATE)
    vendor = forms.CharField(label=_("Vendor code"), max_length=20, required=False)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(EvidenceField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class DisputeForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is this deduction wrong?"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": _("e.g. All 100 units were delivered: see the signed proof of delivery.")}),
    )
    evidence = EvidenceField(
        label=_("Evidence (proof of delivery, BOL, packing list, photos)"),
        required=False,
        help_text=_("PDF, JPEG or PNG; up to 10 files of at most 5 MB each."),
        widget=MultipleFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png", "multiple": True}),
    )


class DisputeAnswerForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Answer"),
        widget=forms.RadioSelect,
        choices=[
            (DisputeStatus.UPHELD, _("Uphold the deduction (deny the dispute)")),
            (DisputeStatus.REVERSED, _("Reverse it in full")),
            (DisputeStatus.PARTLY_REVERSED, _("Reverse part of it")),
        ],
    )
    amount = forms.DecimalField(label=_("Amount to reverse (partial only)"), max_digits=14, decimal_places=2, min_value=0, required=False)
    note = forms.CharField(label=_("Note to the vendor"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))


class PaymentRunForm(forms.Form):
    pay_date = forms.DateField(label=_("Pay date"), widget=forms.DateInput(attrs={"type": "date"}))
    marketplace = forms.ChoiceField(label=_("Marketplace"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["marketplace"].choices = marketplace_choices(None)


class RunDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Turn down"))])
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class EvidenceUploadForm(forms.Form):
    """The deduction page also holds the dispute form: its own ids keep every label on its field."""

    evidence = EvidenceField(
        label=_("Add your own evidence (proof of delivery, photos, carrier letters)"),
        help_text=_("PDF, JPEG or PNG; up to 10 files of at most 5 MB each."),
        widget=MultipleFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png", "multiple": True}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "attach_%s")
        super().__init__(*args, **kwargs)


class DisputeFileForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is this deduction wrong?"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": _("e.g. The ASN was sent the day before the truck left: see the packet.")}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "packet_%s")
        super().__init__(*args, **kwargs)
