from django import forms
from django.utils.translation import gettext_lazy as _

from .models import WebhookEvent


class WebhookSubscriptionForm(forms.Form):
    url = forms.CharField(
        label=_("URL"),
        max_length=500,
        help_text=_("An https:// address of your system; the portal POSTs signed JSON to it."),
        widget=forms.TextInput(attrs={"placeholder": "https://erp.example.com/portal-webhooks", "size": 60}),
    )
    events = forms.MultipleChoiceField(label=_("Events"), choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple)
    description = forms.CharField(label=_("Description"), max_length=200, required=False, help_text=_("E.g. the system that receives them."))
