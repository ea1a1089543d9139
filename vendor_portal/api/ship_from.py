"""/api/v1/ship-from-addresses/: the vendor's ship-from warehouses, whose codes shipment confirmations name as
`shipFromParty.partyId` (Amazon door) or `ship_from` (this API). Anyone who reads shipments reads them; vendor
admins, and tokens with the shipments:write scope, add, change and retire them through
vendor_portal.services.ship_from, the same service as the screens."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from vendor_portal.errors import DomainValidationError
from vendor_portal.models import ShipFromAddress
from vendor_portal.roles import Action
from vendor_portal.services import ship_from as services

from .base import ScopedGenericViewSet
from .errors import documented_error
from .examples import FORBIDDEN, NOT_FOUND

TAGS = ["Ship-from addresses"]
STATUS_VALUES = ["in_use", "retired"]

ADDRESS = {
    "id": 3,
    "code": "RENO1",
    "name": "ACME Reno warehouse",
    "line1": "1 Industrial Way",
    "line2": "",
    "city": "Reno",
    "state_or_region": "NV",
    "postal_code": "89502",
    "country_code": "US",
    "gln": "0614141000005",
    "status": "in_use",
    "retired_at": None,
}
CREATE_REQUEST = OpenApiExample(
    "A new warehouse",
    request_only=True,
    value={key: value for key, value in ADDRESS.items() if key not in ("id", "status", "retired_at")},
)
ERRORS = {
    400: documented_error(
        str(_("Validation errors, each naming its field.")),
        OpenApiExample(
            "Bad GLN",
            value={"errors": [{"code": "invalid_gln", "message": "A GLN is 13 digits whose last is the GS1 check digit.", "field": "gln"}]},
        ),
        OpenApiExample(
            "Code taken",
            value={
                "errors": [
                    {
                        "code": "duplicate",
                        "message": "Ship-from code RENO1 is already used (perhaps by a retired address): choose another.",
                        "field": "code",
                    }
                ]
            },
        ),
    ),
    403: documented_error(str(_("Changes: vendor admins, or tokens with the shipments:write scope.")), FORBIDDEN),
    404: documented_error(str(_("No such ship-from address, or another vendor's.")), NOT_FOUND),
}
RETIRED_CONFLICT = documented_error(
    str(_("The address is retired: it can no longer be changed or retired again.")),
    OpenApiExample(
        "Retired",
        value={"errors": [{"code": "invalid_state", "message": "Ship-from address RENO1 is already retired.", "field": None}]},
    ),
)
ID_PARAMETER = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description=str(_("The ship-from address's id.")))


class ShipFromAddressSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField(
        help_text=_("in_use: shipments may name it; retired: only shipments that already left from it keep it.")
    )

    class Meta:
        model = ShipFromAddress
        fields = ["id", "code", *ShipFromAddress.EDITABLE_FIELDS, "status", "retired_at"]
        read_only_fields = fields

    def get_status(self, address) -> str:
        return "retired" if address.is_retired else "in_use"


class ShipFromAddressInputSerializer(serializers.Serializer):
    """The shape of a write; the rules (code format and uniqueness, GLN check digit, country code) are the service's."""

    code = serializers.CharField(
        max_length=20,
        help_text=_("What shipment confirmations name as shipFromParty.partyId: capital letters, digits, '-' or '_'. Fixed once created."),
    )
    name = serializers.CharField(max_length=200)
    line1 = serializers.CharField(max_length=200)
    line2 = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=100)
    state_or_region = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    postal_code = serializers.CharField(max_length=20)
    country_code = serializers.CharField(max_length=2, help_text=_("ISO 3166 two-letter code, e.g. US."))
    gln = serializers.CharField(
        max_length=13, required=False, allow_blank=True, default="", help_text=_("GS1 Global Location Number: 13 digits with a valid check digit.")
    )


class ShipFromAddressViewSet(ScopedGenericViewSet):
    queryset = ShipFromAddress.objects.order_by("code")
    serializer_class = ShipFromAddressSerializer
    actions = {"list": Action.VIEW_SHIPMENTS, "retrieve": Action.VIEW_SHIPMENTS, "*": Action.MANAGE_SHIP_FROM}
    filter_backends = []

    def _vendor_scope(self):
        if self.request.scope.vendor is None:
            raise DomainValidationError(_("Ship-from addresses are managed by their vendor."))
        return self.request.scope

    @extend_schema(
        tags=TAGS,
        summary="List ship-from addresses",
        description=(
            "The vendor's ship-from warehouses by code, retired ones included (`status`). A shipment confirmation names one by "
            "its `code`: `shipFromParty.partyId` on the Amazon-compatible door, `ship_from` on `/api/v1/shipments/`; a retired "
            "or unknown code is refused on that field."
        ),
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=STATUS_VALUES, description=str(_("Only addresses in use, or only retired ones.")))
        ],
        responses={200: ShipFromAddressSerializer(many=True), 400: ERRORS[400], 403: ERRORS[403]},
        examples=[OpenApiExample("A page (one row shown)", response_only=True, value=ADDRESS)],
    )
    def list(self, request):
        addresses = self.get_queryset()
        wanted = request.query_params.get("status")
        if wanted:
            if wanted not in STATUS_VALUES:
                raise DomainValidationError(_("Use one of: %(values)s.") % {"values": ", ".join(STATUS_VALUES)}, field="status")
            addresses = addresses.filter(retired_at__isnull=wanted == "in_use")
        page = self.paginate_queryset(addresses)
        return self.get_paginated_response(ShipFromAddressSerializer(page, many=True).data)

    @extend_schema(
        tags=TAGS,
        summary="Add a ship-from address",
        description="Its `code` is unique among the vendor's addresses, retired ones included, and cannot change later. Send an Idempotency-Key to retry safely.",
        request=ShipFromAddressInputSerializer,
        responses={201: ShipFromAddressSerializer, 400: ERRORS[400], 403: ERRORS[403]},
        examples=[CREATE_REQUEST, OpenApiExample("Added", response_only=True, status_codes=["201"], value=ADDRESS)],
    )
    def create(self, request):
        scope = self._vendor_scope()
        data = ShipFromAddressInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        address = services.ship_from_address_create(scope=scope, actor=self.actor, **data.validated_data)
        response = Response(ShipFromAddressSerializer(address).data, status=status.HTTP_201_CREATED)
        response["Location"] = f"/api/v1/ship-from-addresses/{address.pk}/"
        return response

    @extend_schema(
        tags=TAGS,
        summary="A ship-from address",
        parameters=[ID_PARAMETER],
        responses={200: ShipFromAddressSerializer, 404: ERRORS[404]},
        examples=[OpenApiExample("Address", response_only=True, value=ADDRESS)],
    )
    def retrieve(self, request, pk):
        return Response(ShipFromAddressSerializer(self.get_object()).data)

    @extend_schema(
        tags=TAGS,
        summary="Change a ship-from address",
        description=(
            "Change its name, postal address or GLN; give only the fields that change. The `code` cannot change (`code_immutable`): "
            "add an address with the new code and retire this one. A retired address cannot be changed (409)."
        ),
        parameters=[ID_PARAMETER],
        request=ShipFromAddressInputSerializer,
        responses={200: ShipFromAddressSerializer, **ERRORS, 409: RETIRED_CONFLICT},
        examples=[
            OpenApiExample("New GLN", request_only=True, value={"gln": "0614141000005"}),
            OpenApiExample("Address", response_only=True, value=ADDRESS),
        ],
    )
    def partial_update(self, request, pk):
        address = self.get_object()  # another vendor's address is a 404 before any validation
        scope = self._vendor_scope()
        data = ShipFromAddressInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = {name: value for name, value in data.validated_data.items() if name in request.data}
        address = services.ship_from_address_update(scope=scope, address_id=address.pk, actor=self.actor, **changes)
        return Response(ShipFromAddressSerializer(address).data)

    @extend_schema(
        tags=TAGS,
        summary="Retire a ship-from address",
        description=(
            "Takes it out of use for good: shipments that left from it keep it, but no new ship plan or shipment confirmation "
            "may name its code (refused with `ship_from_retired` on the ship-from field), and the code cannot be used again. "
            "Addresses are never deleted. Send an Idempotency-Key to retry safely."
        ),
        parameters=[ID_PARAMETER],
        request=None,
        responses={200: ShipFromAddressSerializer, 403: ERRORS[403], 404: ERRORS[404], 409: RETIRED_CONFLICT},
        examples=[
            OpenApiExample("Retired", response_only=True, value={**ADDRESS, "status": "retired", "retired_at": "2026-12-03T09:00:00Z"}),
        ],
    )
    def retire(self, request, pk):
        address = self.get_object()
        address = services.ship_from_address_retire(scope=self._vendor_scope(), address_id=address.pk, actor=self.actor)
        return Response(ShipFromAddressSerializer(address).data)
