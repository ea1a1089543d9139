"""Forms of the rate card screens: types and shapes only; the rules live in compliance.services.rate_cards."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Comparison, FeeType, Measure, ViolationKind


class RuleForm(forms.Form):
    violation = forms.ChoiceField(label=_("Violation"), choices=ViolationKind.choices)
    measure = forms.ChoiceField(label=_("Measure"), choices=Measure.choices)
    threshold = forms.DecimalField(
        label=_("Threshold"), max_digits=9, decimal_places=4, min_value=0, help_text=_("A rate (%) breaks below it; a count breaks above it.")
    )
    trailing_weeks = forms.IntegerField(label=_("Trailing weeks"), min_value=1, max_value=52, initial=1)
    fee_type = forms.ChoiceField(label=_("Fee type"), choices=FeeType.choices)
    fee_amount = forms.DecimalField(
        label=_("Fee"), max_digits=9, decimal_places=4, min_value=0, help_text=_("An amount, or a percentage of the cost of goods.")
    )
    per_violation_cap = forms.DecimalField(label=_("Cap per violation"), max_digits=14, decimal_places=2, min_value=0, required=False)
    weekly_cap = forms.DecimalField(label=_("Cap per week"), max_digits=14, decimal_places=2, min_value=0, required=False)


class WaiverForm(forms.Form):
    measure = forms.ChoiceField(label=_("Waived while"), choices=[(m.value, m.label) for m in Measure if m != Measure.VIOLATIONS])
    comparison = forms.ChoiceField(label=_("is"), choices=Comparison.choices)
    threshold = forms.DecimalField(label=_("Threshold"), max_digits=9, decimal_places=4, min_value=0)
    trailing_weeks = forms.IntegerField(label=_("over the trailing weeks"), min_value=1, max_value=52, initial=4)


class PublishForm(forms.Form):
    effective_from = forms.DateField(label=_("Effective from (a Monday)"), widget=forms.DateInput(attrs={"type": "date"}))
