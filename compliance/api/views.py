"""/api/v1/compliance/forecast/: the fines forecast the vendor's compliance page shows, from the same service."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.response import Response

from vendor_portal.api import examples as common_examples
from vendor_portal.api.base import PortalAPIView
from vendor_portal.api.errors import documented_error
from vendor_portal.roles import Action

from ..services.forecast import compliance_forecast
from .serializers import ComplianceForecastSerializer

FORECAST_EXAMPLE = OpenApiExample(
    "On course to lose the on-time waiver",
    response_only=True,
    status_codes=["200"],
    value={
        "marketplace": "US",
        "week_start": "2026-12-07",
        "violation": "late_shipment",
        "rate_card_version": 2,
        "status": "at_risk",
        "measure": "on_time_shipment",
        "projected_value": "5.6000",
        "threshold": "100.0000",
        "expected_fee": "49.50",
        "currency": "USD",
        "keeps_waiver": True,
        "summary": "2 POs must ship by Friday 11 December to keep the waiver.",
        "actions": [
            {
                "action": "ship",
                "due": "2026-12-10",
                "units": 100,
                "purchase_order": "PO-X",
                "shipment": "",
                "fee_avoided": "30.00",
                "appointment": None,
            },
            {
                "action": "ship",
                "due": "2026-12-11",
                "units": 60,
                "purchase_order": "PO-Y",
                "shipment": "",
                "fee_avoided": "18.00",
                "appointment": None,
            },
        ],
        "waivers": [
            {
                "measure": "on_time_shipment",
                "comparison": "above",
                "threshold": "90.0000",
                "trailing_weeks": 4,
                "window_start": "2026-11-16",
                "value_now": "50.0000",
                "value_if_done": "94.5946",
                "value_if_not": "5.4054",
                "holds_if_done": True,
                "holds_if_not": False,
            }
        ],
    },
)


class ComplianceForecastView(PortalAPIView):
    actions = {"GET": Action.VIEW_PURCHASE_ORDERS}

    @extend_schema(
        tags=["Compliance"],
        summary="Fines forecast for this week and the next",
        description=(
            "For the caller's vendor, in the marketplaces it sees: each rule of the rate card in force that the vendor is "
            "on course to break this week or next (worst case: open units promised for the week ship late, unconfirmed POs "
            "stay unconfirmed, open OTIF lines do not arrive), the fee expected, and the actions that avoid it: the POs to ship, "
            "confirm or deliver, the ASNs to submit, the appointments to keep, each by its day. For a rule with waivers, `waivers` "
            "gives each waiver's trailing rate at the week's end if the open items due are done in time and if not; when doing "
            "some keeps a waiver, `keeps_waiver` is true and `actions` are the fewest that keep it. Rules on track are listed "
            "with status on_track. The retailer gets an empty list."
        ),
        responses={
            200: ComplianceForecastSerializer(many=True),
            403: documented_error(_("Your role or token scopes do not allow this."), common_examples.FORBIDDEN),
        },
        examples=[FORECAST_EXAMPLE],
    )
    def get(self, request):
        return Response(ComplianceForecastSerializer(compliance_forecast(scope=request.scope), many=True).data)
