import datetime
import unicodedata

from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from vendor_portal.models import BankDetails, Channel, Marketplace
from vendor_portal.models.tokens import TokenScope
from vendor_portal.roles import ROLE_DESCRIPTIONS, VENDOR_ROLES, Role

TOKEN_DEFAULT_DAYS = 90


def _token_default_expiry():
    return (timezone.localtime() + datetime.timedelta(days=TOKEN_DEFAULT_DAYS)).replace(second=0, microsecond=0)


class TimeZoneForm(forms.Form):
    time_zone = forms.ChoiceField(label=_("Time zone"), help_text=_("Dates and times on every page are shown in it."))

    def __init__(self, *args, **kwargs):
        from vendor_portal.services.preferences import time_zones

        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [(name, name.replace("_", " ")) for name in time_zones()]


class ApiTokenForm(forms.Form):
    """A new token can do nothing until scopes are ticked, and expires after 90 days unless changed."""

    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("The system that will use it, e.g. 'SAP production'."))
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=TokenScope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick only what the system needs."),
        error_messages={"required": _("Tick at least one scope: a token can do only what it is given.")},
    )
    expires_at = forms.DateTimeField(
        label=_("Expires at"),
        required=False,
        initial=_token_default_expiry,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("90 days from today unless you change it; leave empty for a token that never expires."),
    )

    def clean_expires_at(self):
        expires_at = self.cleaned_data["expires_at"]
        if expires_at is not None and expires_at <= timezone.now():
            raise forms.ValidationError(_("Choose a time in the future."))
        return expires_at


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


def validate_person_name(value: str) -> None:
    """A name as the person writes it, in any script ("Li Wei", "李伟", "Zoë O'Neil-Smith"); no digits or markup."""
    if any(not (char.isalpha() or char in " -'’.·" or unicodedata.category(char).startswith("M")) for char in value):
        raise forms.ValidationError(_("Use letters (of any alphabet), spaces, hyphens, apostrophes and dots."))


def role_choices(roles) -> list[tuple[str, str]]:
    """Each role with what it is for, so whoever chooses sees what they give."""
    return [(role.value, format_lazy("{} — {}", role.label, ROLE_DESCRIPTIONS[role])) for role in Role if role in roles]


class MemberForm(forms.Form):
    roles = forms.MultipleChoiceField(label=_("Roles"), widget=forms.CheckboxSelectMultiple, choices=role_choices(VENDOR_ROLES))
    marketplaces = forms.ModelMultipleChoiceField(
        label=_("Limited to marketplaces"),
        queryset=Marketplace.objects.all(),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty for every marketplace."),
    )

    def clean_marketplaces(self):
        # A JSON body may send anything: only a list of known codes limits, only an empty list (or leaving the field
        # out) means every marketplace. null, "", false or {} must not quietly become "no limit".
        if not hasattr(self.data, "getlist") and "marketplaces" in self.data and not isinstance(self.data["marketplaces"], list):
            raise forms.ValidationError(_("Send a list of marketplace codes, or an empty list for every marketplace."), code="invalid_list")
        return self.cleaned_data["marketplaces"]


class MemberInviteForm(MemberForm):
    username = forms.RegexField(
        label=_("Username"), regex=r"^[a-z0-9._-]{3,40}$", max_length=40, help_text=_("3-40 lower-case letters, digits, dots, dashes.")
    )
    email = forms.EmailField(label=_("E-mail"))
    first_name = forms.CharField(
        label=_("First name"),
        required=False,
        max_length=150,
        validators=[validate_person_name],
        help_text=_("As the person writes it, e.g. Wei or 伟."),
    )
    last_name = forms.CharField(label=_("Last name"), required=False, max_length=150, validators=[validate_person_name])

    field_order = ["username", "email", "first_name", "last_name", "roles", "marketplaces"]


class InvitationAnswerForm(forms.Form):
    invitation = forms.IntegerField(widget=forms.HiddenInput)
    answer = forms.ChoiceField(choices=[("accept", _("Accept")), ("decline", _("Decline"))])
    make_default = forms.BooleanField(label=_("Start in this company when I sign in"), required=False)


class VendorOnboardForm(forms.Form):
    code = forms.RegexField(label=_("Vendor code"), regex=r"^[A-Za-z0-9]{2,12}$", help_text=_("2-12 letters or digits, e.g. ACME."))
    name = forms.CharField(label=_("Company name"), max_length=200)
    gs1_company_prefix = forms.RegexField(
        label=_("GS1 company prefix"), regex=r"^\d{7,10}$", help_text=_("7 to 10 digits, from the vendor's GS1 membership.")
    )
    marketplaces = forms.ModelMultipleChoiceField(
        label=_("Marketplaces"), queryset=Marketplace.objects.all(), to_field_name="code", widget=forms.CheckboxSelectMultiple
    )
    admin_username = forms.RegexField(label=_("First admin's username"), regex=r"^[a-z0-9._-]{3,40}$")
    admin_email = forms.EmailField(label=_("First admin's e-mail"))


class ProductCaseForm(forms.Form):
    """A product's case as the vendor measures it, in cm or in and kg or lb; stored in cm and kg."""

    length = forms.DecimalField(label=_("Length"), required=False, min_value=0, max_digits=9, decimal_places=3)
    width = forms.DecimalField(label=_("Width"), required=False, min_value=0, max_digits=9, decimal_places=3)
    height = forms.DecimalField(label=_("Height"), required=False, min_value=0, max_digits=9, decimal_places=3)
    dimension_unit = forms.ChoiceField(label=_("Dimensions in"), choices=[("cm", _("cm")), ("in", _("in"))], initial="cm")
    weight = forms.DecimalField(
        label=_("Gross weight of a full case"), required=False, min_value=0, max_digits=9, decimal_places=3, help_text=_("Case and contents.")
    )
    weight_unit = forms.ChoiceField(label=_("Weight in"), choices=[("kg", _("kg")), ("lb", _("lb"))], initial="kg")

    def in_cm_and_kg(self) -> dict:
        from vendor_portal.units import CM, KG, length_in, weight_in

        data = self.cleaned_data
        return {
            "length_cm": length_in(data["length"], data["dimension_unit"], CM),
            "width_cm": length_in(data["width"], data["dimension_unit"], CM),
            "height_cm": length_in(data["height"], data["dimension_unit"], CM),
            "weight_kg": weight_in(data["weight"], data["weight_unit"], KG),
        }


class RowLabelledFormSet(forms.BaseFormSet):
    """A formset shown as a table: the column header is not a label, so every control names its column and row
    ("Quantity, line 3") for screen readers; the blank template row JavaScript copies says "new line"."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        _label_row(form, _("%(field)s, line %(n)s"), n=i + 1)
        return form

    @property
    def empty_form(self):
        form = super().empty_form
        _label_row(form, _("%(field)s, new line"))
        return form


def _label_row(form, template, **values) -> None:
    for name, field in form.fields.items():
        if not isinstance(field.widget, forms.HiddenInput):
            field.widget.attrs["aria-label"] = template % {"field": field.label or name, **values}


class TaxRegistrationForm(forms.Form):
    """A marketplace account's tax registration as a vendor admin types it; the service checks its format."""

    tax_registration_number = forms.CharField(label=_("Tax registration"), max_length=60, required=False)

    def __init__(self, *args, account=None, **kwargs):
        super().__init__(*args, **kwargs)
        if account is not None:
            from vendor_portal.tax_ids import tax_id_example, tax_id_kind

            country = account.marketplace.country_code
            example = tax_id_example(country)
            field = self.fields["tax_registration_number"]
            field.label = _("Tax registration (%(kind)s)") % {"kind": tax_id_kind(country)}
            field.help_text = (
                _("E.g. %(example)s. Spaces, dots and dashes are fine. Leave it empty if you are not registered there.") % {"example": example}
                if example
                else _("3 to 40 letters or digits. Leave it empty if you are not registered there.")
            )


class ShipFromAddressForm(forms.Form):
    """A ship-from address as a vendor admin types it; the service checks it (the API's rules are the same)."""

    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("What your shipment confirmations name as the ship-from party (shipFromParty.partyId), e.g. RENO1. It cannot change later."),
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    line1 = forms.CharField(label=_("Address line 1"), max_length=200)
    line2 = forms.CharField(label=_("Address line 2"), max_length=200, required=False)
    city = forms.CharField(label=_("City"), max_length=100)
    state_or_region = forms.CharField(label=_("State or region"), max_length=100, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20)
    country_code = forms.CharField(label=_("Country code"), max_length=2, min_length=2, help_text=_("Two letters, e.g. US or DE."))
    gln = forms.CharField(
        label=_("GLN"), max_length=13, required=False, help_text=_("The place's GS1 Global Location Number: 13 digits, the last a check digit.")
    )

    def __init__(self, *args, code_fixed: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if code_fixed:
            del self.fields["code"]
