"""/api/v1/vendor-accounts/: the vendor's account in each marketplace, its vendor code there (assigned by the
retailer) and its tax registration (VAT id, GST/HST number or EIN), which every invoice states. Whoever reads
invoices reads them (the retailer's people every vendor's, `?vendor=`); vendor admins, and tokens with the
invoices:write scope, change the tax registration through vendor_portal.services.tax_registrations, the same
service as the screen."""

import django_filters
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from vendor_portal.errors import DomainValidationError, field_error
from vendor_portal.models import VendorAccount
from vendor_portal.roles import Action
from vendor_portal.services import tax_registrations as services
from vendor_portal.tax_ids import needs_vat_id

from .base import ScopedGenericViewSet
from .errors import documented_error
from .examples import FORBIDDEN, NOT_FOUND

TAGS = ["Vendor accounts"]

ACCOUNT = {
    "id": 7,
    "vendor": "ACME",
    "marketplace": "DE",
    "country_code": "DE",
    "vendor_code": "ACMEDE",
    "tax_registration_number": "DE123456789",
    "tax_registration_changed_at": "2026-12-03T09:00:00Z",
    "tax_registration_changed_by": "acme-admin",
    "einvoices_need_vat_id": True,
}
ERRORS = {
    400: documented_error(
        str(_("The tax registration does not fit the marketplace country's format, or a field that cannot change was sent.")),
        OpenApiExample(
            "Wrong prefix",
            value={
                "errors": [
                    {
                        "code": "invalid_tax_id",
                        "message": "A VAT id here starts with DE, the country's prefix, e.g. DE123456789.",
                        "field": "tax_registration_number",
                    }
                ]
            },
        ),
        OpenApiExample(
            "Vendor code",
            value={"errors": [{"code": "read_only", "message": "The vendor code is assigned by the retailer.", "field": "vendor_code"}]},
        ),
    ),
    403: documented_error(str(_("Changes: vendor admins, or tokens with the invoices:write scope.")), FORBIDDEN),
    404: documented_error(str(_("No such marketplace account, or another vendor's.")), NOT_FOUND),
}
ID_PARAMETER = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description=str(_("The marketplace account's id.")))


class VendorAccountFilter(django_filters.FilterSet):
    vendor = django_filters.CharFilter(field_name="vendor__code", lookup_expr="iexact", help_text="Vendor code (retailer users see every vendor).")
    marketplace = django_filters.CharFilter(field_name="marketplace__code", lookup_expr="iexact", help_text="Marketplace code, e.g. DE.")

    class Meta:
        model = VendorAccount
        fields = ["vendor", "marketplace"]


class VendorAccountDetailSerializer(serializers.ModelSerializer):
    vendor = serializers.CharField(source="vendor.code", help_text=_("The vendor's code in the portal."))
    marketplace = serializers.CharField(source="marketplace.code")
    country_code = serializers.CharField(source="marketplace.country_code", help_text=_("The marketplace's country: it decides the format."))
    vendor_code = serializers.CharField(help_text=_("The vendor's code in the marketplace (selling party id): assigned by the retailer."))
    tax_registration_number = serializers.CharField(
        help_text=_(
            "VAT id with its country prefix in the EU and the UK (Greece: EL), EIN as NN-NNNNNNN in the US, "
            "123456789RT0001 in Canada; empty when not registered. New invoices and drafts state it; invoices already submitted keep theirs."
        )
    )
    tax_registration_changed_by = serializers.CharField(help_text=_("A username, or token:<name>; empty when never changed here."))
    einvoices_need_vat_id = serializers.SerializerMethodField(
        help_text=_("True where e-invoices (Factur-X, UBL) name the seller by its VAT id: without one they cannot be issued.")
    )

    class Meta:
        model = VendorAccount
        fields = [
            "id",
            "vendor",
            "marketplace",
            "country_code",
            "vendor_code",
            "tax_registration_number",
            "tax_registration_changed_at",
            "tax_registration_changed_by",
            "einvoices_need_vat_id",
        ]
        read_only_fields = fields

    def get_einvoices_need_vat_id(self, account) -> bool:
        return needs_vat_id(account.marketplace.country_code)


class TaxRegistrationInputSerializer(serializers.Serializer):
    """The shape of a change; the format per country is the service's."""

    tax_registration_number = serializers.CharField(
        max_length=60,
        allow_blank=True,
        trim_whitespace=True,
        help_text=_("Spaces, dots and dashes are dropped and letters upper-cased; empty removes the registration."),
    )


class VendorAccountViewSet(ScopedGenericViewSet):
    queryset = VendorAccount.objects.select_related("vendor", "marketplace").order_by("vendor_id", "marketplace_id")
    serializer_class = VendorAccountDetailSerializer
    filterset_class = VendorAccountFilter
    filter_backends = [DjangoFilterBackend]
    actions = {"list": Action.VIEW_INVOICES, "retrieve": Action.VIEW_INVOICES, "*": Action.MANAGE_TAX_REGISTRATIONS}

    @extend_schema(
        tags=TAGS,
        summary="List marketplace accounts",
        description=(
            "Your account in each marketplace: its vendor code (the selling party id your invoices and confirmations name, "
            "assigned by the retailer) and your tax registration there. The retailer's users and tokens see every vendor's; "
            "filter with `vendor`. Tokens need the invoices:read scope."
        ),
        responses={200: VendorAccountDetailSerializer(many=True), 403: ERRORS[403]},
        examples=[OpenApiExample("A page (one row shown)", response_only=True, value=ACCOUNT)],
    )
    def list(self, request):
        accounts = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(accounts)
        return self.get_paginated_response(VendorAccountDetailSerializer(page, many=True).data)

    @extend_schema(
        tags=TAGS,
        summary="A marketplace account",
        parameters=[ID_PARAMETER],
        responses={200: VendorAccountDetailSerializer, 404: ERRORS[404]},
        examples=[OpenApiExample("Account", response_only=True, value=ACCOUNT)],
    )
    def retrieve(self, request, pk):
        return Response(VendorAccountDetailSerializer(self.get_object()).data)

    @extend_schema(
        tags=TAGS,
        summary="Change the tax registration",
        description=(
            "Sets your tax registration in the account's marketplace, checked against the marketplace country's format "
            "(`invalid_tax_id` on `tax_registration_number`) and stored normalised. Invoices made from now on state it, as do "
            "their e-invoices, and so do drafts that stated the old one; invoices already submitted (or waiting for approval) keep theirs. The retailer's accounts payable are told. "
            "The vendor code cannot be changed here. Send an Idempotency-Key to retry safely."
        ),
        parameters=[ID_PARAMETER],
        request=TaxRegistrationInputSerializer,
        responses={200: VendorAccountDetailSerializer, **ERRORS},
        examples=[
            OpenApiExample("New VAT id", request_only=True, value={"tax_registration_number": "DE 123 456 789"}),
            OpenApiExample("Account", response_only=True, value=ACCOUNT),
        ],
    )
    def partial_update(self, request, pk):
        account = self.get_object()  # another vendor's account is a 404 before any validation
        if isinstance(request.data, dict) and "vendor_code" in request.data:
            raise DomainValidationError(
                _("The account was not changed."),
                errors=[field_error(None, "vendor_code", _("The vendor code is assigned by the retailer."), "read_only")],
            )
        data = TaxRegistrationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        account = services.tax_registration_change(
            scope=request.scope, account_id=account.pk, tax_registration_number=data.validated_data["tax_registration_number"], actor=self.actor
        )
        return Response(VendorAccountDetailSerializer(account).data)
