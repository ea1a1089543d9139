from django import forms
from django.utils.translation import gettext_lazy as _

from vendor_portal.models import BankDetails, Channel
from vendor_portal.models.tokens import TokenScope


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("The system that will use it, e.g. 'SAP production'."))
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"), choices=TokenScope.choices, widget=forms.CheckboxSelectMultiple, initial=[s.value for s in TokenScope]
    )
    expires_at = forms.DateTimeField(label=_("Expires at"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


class BankDetailsForm(forms.ModelForm):
    class Meta:
        model = BankDetails
        fields = BankDetails.FIELDS
        widgets = {"remit_to_address": forms.Textarea(attrs={"rows": 3})}

    def clean_currency(self):
        currency = self.cleaned_data["currency"].strip().upper()
        if len(currency) != 3 or not currency.isalpha():
            raise forms.ValidationError(_("Use a three-letter ISO currency code, e.g. USD."))
        return currency

    def clean_account_number(self):
        number = self.cleaned_data["account_number"].replace(" ", "")
        if len(number) < 4:
            raise forms.ValidationError(_("Enter the full account number or IBAN."))
        return number


class ApprovalDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AuditFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    object_type = forms.CharField(label=_("Object type"), required=False)
    object_id = forms.CharField(label=_("Object id"), required=False)
    actor = forms.CharField(label=_("Who"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=[("", _("Any"))] + list(Channel.choices))
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
