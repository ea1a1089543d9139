"""/api/v1/forecasts/ and /api/v1/promotions/.

Reads go through planning.selectors (scoped by `visible_to`), writes through planning.services: the same
functions the screens and the upload call.
"""

from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from vendor_portal.api.base import ScopedGenericViewSet
from vendor_portal.api.errors import documented_error
from vendor_portal.roles import Action

from .. import selectors
from ..filters import FORECAST_ORDERING, PROMOTION_ORDERING, ForecastFilter, PromotionFilter
from ..models import Availability, AvailabilitySource, Forecast, ForecastSource, Promotion
from ..services.availability import availability_dry_run, availability_report
from ..services.forecasts import forecast_dry_run, forecast_publish
from ..services.promotions import (
    PromotionInput,
    PromotionLineInput,
    promotion_cancel,
    promotion_confirm,
    promotion_create,
    promotion_decline,
    promotion_share,
    promotion_update,
)
from . import examples
from . import serializers as s

ERRORS = {
    400: documented_error(_("Validation errors, each naming its field."), examples.VALIDATION_ERROR),
    403: documented_error(_("Your role or token scopes do not allow this."), examples.FORBIDDEN),
    404: documented_error(_("No such promotion, or another vendor's."), examples.NOT_FOUND),
}
CONFLICT = {409: documented_error(_("Not possible in the promotion's current state."), examples.CONFLICT)}
ID_PARAMETER = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description=str(_("The promotion's id.")))


def _ordering_parameter(fields, default: str) -> OpenApiParameter:
    return OpenApiParameter(
        "ordering",
        OpenApiTypes.STR,
        description=str(
            _("Sort by one of %(fields)s; prefix - for descending. Default %(default)s.") % {"fields": ", ".join(fields), "default": default}
        ),
        enum=[prefix + name for name in fields for prefix in ("", "-")],
    )


def _valid(serializer_class, data, **kwargs):
    serializer = serializer_class(data=data, **kwargs)
    if not serializer.is_valid():
        raise serializers.ValidationError(_indexed_as_lists(serializer.errors))
    return serializer


def _indexed_as_lists(detail):
    """DRF reports a nested list's errors as {index: errors}; as a list they flatten to `lines[1].committed_units`."""
    if isinstance(detail, dict):
        if detail and all(isinstance(key, int) for key in detail):
            return [_indexed_as_lists(detail.get(index, {})) for index in range(max(detail) + 1)]
        return {key: _indexed_as_lists(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_indexed_as_lists(value) for value in detail]
    return detail


class ForecastViewSet(ScopedGenericViewSet):
    max_page_size = 100
    queryset = Forecast.objects.all()
    # The selector applies ForecastFilter itself; the backend is listed so the schema documents its parameters.
    filter_backends = [DjangoFilterBackend]
    filterset_class = ForecastFilter
    serializer_class = s.ForecastSerializer
    actions = {"list": Action.VIEW_PLANNING, "create": Action.MANAGE_PLANNING}

    @extend_schema(
        tags=["Forecasts"],
        summary="List current forecast weeks",
        description=(
            "The latest published numbers, one row per product, marketplace and week (earlier publications' numbers "
            "for the same week are replaced). Vendors and their tokens see their own products, only in the marketplaces "
            "they are enabled for; the retailer sees every vendor's. Weeks start on Monday in the marketplace's time zone; "
            "weeks already past stay listed until week_from leaves them out. Filters combine; cursor pagination, up to 100 per page."
        ),
        parameters=[_ordering_parameter(FORECAST_ORDERING, "product, marketplace, week_start")],
        responses={200: s.ForecastSerializer(many=True), 400: ERRORS[400], 403: ERRORS[403]},
        examples=[examples.FORECAST_PAGE],
    )
    def list(self, request):
        queryset = selectors.forecast_list(scope=request.scope, params=request.query_params)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(s.ForecastSerializer(page, many=True).data)

    @extend_schema(
        tags=["Forecasts"],
        summary="Publish forecasts (retailer buyer)",
        description=(
            "Publish one vendor's weekly forecasts in bulk (up to 5000 rows): mean, P70, P80 and P90 units per product "
            "(vendor_sku or asin), marketplace and week (a Monday, from this week up to 25 weeks ahead). All rows or none. "
            "A week already forecast gets the new numbers; the earlier ones are kept as the previous version. "
            "`dry_run: true` checks and reports without saving. Send an Idempotency-Key to retry safely."
        ),
        request=s.ForecastPublishSerializer,
        responses={
            201: s.ForecastPublicationSerializer,
            200: OpenApiResponse(s.ForecastPublicationSerializer, description=str(_("Dry run: what would change."))),
            400: documented_error(_("Validation errors, each naming its row and field."), examples.PUBLISH_ERRORS),
            403: ERRORS[403],
        },
        examples=[examples.PUBLISH_REQUEST, examples.DRY_RUN_REQUEST, examples.PUBLISHED, examples.CHECKED, examples.PUBLISH_ERRORS],
    )
    def create(self, request):
        serializer = _valid(s.ForecastPublishSerializer, request.data)
        vendor, rows = serializer.validated_data["vendor"], serializer.rows()
        if serializer.validated_data["dry_run"]:
            checked = forecast_dry_run(scope=request.scope, vendor=vendor, rows=rows)
            weeks = [row.week_start for row in checked.rows]
            summary = {
                "id": None,
                "vendor": vendor.code,
                "version": None,
                "source": ForecastSource.API,
                "dry_run": True,
                "published_at": None,
                "published_by": self.actor.label,
                "row_count": len(checked.rows),
                "new_count": checked.new_count,
                "replaced_count": checked.replaced_count,
                "week_from": min(weeks),
                "week_to": max(weeks),
            }
            return Response(s.ForecastPublicationSerializer(summary).data)
        publication = forecast_publish(scope=request.scope, vendor=vendor, rows=rows, actor=self.actor, source=ForecastSource.API)
        summary = {
            "id": publication.pk,
            "vendor": vendor.code,
            "version": publication.version,
            "source": publication.source,
            "dry_run": False,
            "published_at": publication.published_at,
            "published_by": publication.published_by_label,
            "row_count": publication.row_count,
            "new_count": publication.new_count,
            "replaced_count": publication.replaced_count,
            "week_from": publication.week_from,
            "week_to": publication.week_to,
        }
        return Response(s.ForecastPublicationSerializer(summary).data, status=status.HTTP_201_CREATED)


class PromotionViewSet(ScopedGenericViewSet):
    max_page_size = 100
    queryset = Promotion.objects.all()
    filter_backends = [DjangoFilterBackend]
    filterset_class = PromotionFilter
    serializer_class = s.PromotionDetailSerializer
    actions = {
        "list": Action.VIEW_PLANNING,
        "retrieve": Action.VIEW_PLANNING,
        "create": Action.MANAGE_PLANNING,
        "partial_update": Action.MANAGE_PLANNING,
        "share": Action.MANAGE_PLANNING,
        "cancel": Action.MANAGE_PLANNING,
        "confirmation": Action.CONFIRM_PROMOTIONS,
    }

    def _detail(self, pk, status_code=status.HTTP_200_OK) -> Response:
        promotion = selectors.promotion_detail(scope=self.request.scope, promotion_id=pk)
        return Response(s.PromotionDetailSerializer(promotion).data, status=status_code)

    @extend_schema(
        tags=["Promotions"],
        summary="List promotions",
        description=(
            "Vendors and their tokens see their shared, confirmed, declined, ended and cancelled promotions (never the "
            "retailer's drafts), only in the marketplaces they are enabled for; the retailer sees all. Cursor pagination."
        ),
        parameters=[_ordering_parameter(PROMOTION_ORDERING, "-start_date")],
        responses={200: s.PromotionListSerializer(many=True), 400: ERRORS[400], 403: ERRORS[403]},
        examples=[examples.PROMOTION_PAGE],
    )
    def list(self, request):
        queryset = selectors.promotion_list(scope=request.scope, params=request.query_params)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(s.PromotionListSerializer(page, many=True).data)

    @extend_schema(
        tags=["Promotions"],
        summary="Draft a promotion (retailer buyer)",
        description=(
            "Creates the promotion as a draft (the vendor does not see it until it is shared): name, type, marketplace, "
            "deal dates (marketplace time zone, starting after today) and lines with the promotional price, expected "
            "units and vendor funding per unit. Send an Idempotency-Key to retry safely."
        ),
        request=s.PromotionInputSerializer,
        responses={
            201: s.PromotionDetailSerializer,
            400: documented_error(_("Nothing saved: errors per field."), examples.CREATE_ERRORS),
            403: ERRORS[403],
        },
        examples=[examples.CREATE_REQUEST, examples.DETAIL_CREATED, examples.CREATE_ERRORS],
    )
    def create(self, request):
        serializer = _valid(s.PromotionInputSerializer, request.data)
        data = serializer.validated_data
        promotion = promotion_create(
            scope=request.scope,
            data=PromotionInput(
                vendor=data["vendor"],
                marketplace=data["marketplace"],
                name=data["name"],
                promotion_type=data["promotion_type"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                buyer_note=data["buyer_note"],
                currency=data["currency"],
                lines=serializer.line_inputs(),
            ),
            actor=self.actor,
        )
        response = self._detail(promotion.pk, status.HTTP_201_CREATED)
        response["Location"] = f"/api/v1/promotions/{promotion.pk}/"
        return response

    @extend_schema(
        tags=["Promotions"],
        summary="A promotion with its lines",
        description="Header, state, the states it may move to, and per line the expected and committed units and funding.",
        parameters=[ID_PARAMETER],
        responses={200: s.PromotionDetailSerializer, 404: ERRORS[404]},
        examples=[examples.DETAIL_SHARED, examples.DETAIL_CONFIRMED],
    )
    def retrieve(self, request, pk):
        return self._detail(pk)

    @extend_schema(
        tags=["Promotions"],
        summary="Change a draft (retailer buyer)",
        description="Any header field; `lines`, when given, replace every line. Only a draft can change.",
        parameters=[ID_PARAMETER],
        request=s.PromotionChangeSerializer,
        responses={200: s.PromotionDetailSerializer, **ERRORS, **CONFLICT},
        examples=[examples.CHANGE_REQUEST, examples.DETAIL_DRAFT],
    )
    def partial_update(self, request, pk):
        promotion = selectors.promotion_detail(scope=request.scope, promotion_id=pk)  # 404 before any validation
        serializer = _valid(s.PromotionChangeSerializer, request.data)
        data = serializer.validated_data
        current = promotion.lines.all()
        merged = PromotionInput(
            vendor=promotion.vendor,
            marketplace=data.get("marketplace", promotion.marketplace),
            name=data.get("name", promotion.name),
            promotion_type=data.get("promotion_type", promotion.promotion_type),
            start_date=data.get("start_date", promotion.start_date),
            end_date=data.get("end_date", promotion.end_date),
            buyer_note=data.get("buyer_note", promotion.buyer_note),
            currency=data.get("currency", ""),
            lines=serializer.line_inputs()
            if "lines" in data
            else [
                PromotionLineInput(
                    vendor_sku=line.product.vendor_sku,
                    promotional_price=line.promotional_price,
                    expected_units=line.expected_units,
                    vendor_funding_per_unit=line.vendor_funding_per_unit,
                )
                for line in current
            ],
        )
        promotion_update(scope=request.scope, promotion_id=promotion.pk, data=merged, actor=self.actor)
        return self._detail(promotion.pk)

    @extend_schema(
        tags=["Promotions"],
        summary="Share a draft with the vendor (retailer buyer)",
        description="Draft → shared, before the deal's first day. The vendor's admins and ops are asked to confirm.",
        parameters=[ID_PARAMETER],
        request=None,
        responses={200: s.PromotionDetailSerializer, **ERRORS, **CONFLICT},
        examples=[examples.DETAIL_SHARED],
    )
    def share(self, request, pk):
        promotion = selectors.promotion_detail(scope=request.scope, promotion_id=pk)
        promotion_share(scope=request.scope, promotion_id=promotion.pk, actor=self.actor)
        return self._detail(promotion.pk)

    @extend_schema(
        tags=["Promotions"],
        summary="Cancel a promotion (retailer buyer)",
        description="Any promotion that has not ended or been cancelled. A vendor that saw it is told.",
        parameters=[ID_PARAMETER],
        request=s.PromotionCancelSerializer,
        responses={200: s.PromotionDetailSerializer, **ERRORS, **CONFLICT},
        examples=[examples.CANCEL_REQUEST, examples.DETAIL_CANCELLED],
    )
    def cancel(self, request, pk):
        promotion = selectors.promotion_detail(scope=request.scope, promotion_id=pk)
        serializer = _valid(s.PromotionCancelSerializer, request.data)
        promotion_cancel(scope=request.scope, promotion_id=promotion.pk, actor=self.actor, reason=serializer.validated_data["reason"])
        return self._detail(promotion.pk)

    @extend_schema(
        tags=["Promotions"],
        summary="Confirm or decline a promotion (vendor)",
        description=(
            "Before the deal starts. Confirm: the units committed per line, 0 up to the expected units (every line once, "
            "at least one unit in all), with an optional note; a confirmed promotion can be confirmed again to revise it. "
            "Decline: with a reason (also after confirming). All or nothing; the buyer is told."
        ),
        parameters=[ID_PARAMETER],
        request=s.PromotionConfirmationSerializer,
        responses={
            200: s.PromotionDetailSerializer,
            400: documented_error(_("Nothing saved: errors per line."), examples.CONFIRM_ERRORS),
            403: ERRORS[403],
            404: ERRORS[404],
            **CONFLICT,
        },
        examples=[examples.CONFIRM_REQUEST, examples.DECLINE_REQUEST, examples.DETAIL_CONFIRMED, examples.DETAIL_DECLINED, examples.CONFIRM_ERRORS],
    )
    def confirmation(self, request, pk):
        promotion = selectors.promotion_detail(scope=request.scope, promotion_id=pk)
        serializer = _valid(s.PromotionConfirmationSerializer, request.data)
        if serializer.validated_data["decision"] == "decline":
            promotion_decline(scope=request.scope, promotion_id=promotion.pk, reason=serializer.validated_data["reason"], actor=self.actor)
        else:
            promotion_confirm(scope=request.scope, promotion_id=promotion.pk, commitments=serializer.commitments(), actor=self.actor)
        return self._detail(promotion.pk)


class AvailabilityViewSet(ScopedGenericViewSet):
    max_page_size = 100
    queryset = Availability.objects.all()
    serializer_class = s.AvailabilitySerializer
    actions = {"list": Action.VIEW_PLANNING, "create": Action.REPORT_AVAILABILITY}

    @extend_schema(
        tags=["Availability"],
        summary="List reported availability",
        description=(
            "What each vendor last reported per product and ship-from warehouse, in eaches. Vendors and their tokens see "
            "their own; the retailer sees every vendor's (filter with `vendor`). Cursor pagination, up to 100 per page."
        ),
        parameters=[
            OpenApiParameter("vendor_sku", OpenApiTypes.STR, description=str(_("Only this vendor SKU."))),
            OpenApiParameter("ship_from", OpenApiTypes.STR, description=str(_("Only this ship-from warehouse code."))),
            OpenApiParameter("vendor", OpenApiTypes.STR, description=str(_("Vendor code (the retailer's filter)."))),
        ],
        responses={200: s.AvailabilitySerializer(many=True), 403: ERRORS[403]},
        examples=[examples.AVAILABILITY_PAGE],
    )
    def list(self, request):
        queryset = Availability.objects.visible_to(request.scope).select_related("vendor", "product", "ship_from")
        params = request.query_params
        if params.get("vendor_sku"):
            queryset = queryset.filter(product__vendor_sku=params["vendor_sku"][:40])
        if params.get("ship_from"):
            queryset = queryset.filter(ship_from__code__iexact=params["ship_from"][:20])
        if params.get("vendor") and request.scope.is_retailer:
            queryset = queryset.filter(vendor__code__iexact=params["vendor"][:20])
        page = self.paginate_queryset(queryset.order_by("product_id", "ship_from_id", "id"))
        return self.get_paginated_response(s.AvailabilitySerializer(page, many=True).data)

    @extend_schema(
        tags=["Availability"],
        summary="Report availability (vendor)",
        description=(
            "Report on-hand and available-to-ship eaches per product (vendor_sku or asin) and ship-from warehouse, up to "
            "5000 rows. All rows or none; each pair named gets the new numbers, pairs left out keep their last report. "
            "`dry_run: true` checks without saving. Send an Idempotency-Key to retry safely."
        ),
        request=s.AvailabilityReportInputSerializer,
        responses={
            201: s.AvailabilityReportSerializer,
            200: OpenApiResponse(s.AvailabilityReportSerializer, description=str(_("Dry run: checked, nothing saved."))),
            400: documented_error(_("Validation errors, each naming its row and field."), examples.VALIDATION_ERROR),
            403: ERRORS[403],
        },
        examples=[examples.AVAILABILITY_REQUEST, examples.AVAILABILITY_SAVED, examples.AVAILABILITY_CHECKED],
    )
    def create(self, request):
        serializer = _valid(s.AvailabilityReportInputSerializer, request.data)
        scope, rows = request.scope, serializer.rows()
        if scope.vendor is None or scope.is_retailer:
            raise PermissionDenied(_("Only a vendor reports its availability."))
        if serializer.validated_data["dry_run"]:
            checked = availability_dry_run(scope=scope, vendor=scope.vendor, rows=rows)
            summary = {
                "id": None,
                "vendor": scope.vendor.code,
                "source": AvailabilitySource.API,
                "dry_run": True,
                "reported_at": None,
                "reported_by": self.actor.label,
                "row_count": len(checked.rows),
            }
            return Response(s.AvailabilityReportSerializer(summary).data)
        report = availability_report(scope=scope, vendor=scope.vendor, rows=rows, actor=self.actor, source=AvailabilitySource.API)
        summary = {
            "id": report.pk,
            "vendor": scope.vendor.code,
            "source": report.source,
            "dry_run": False,
            "reported_at": report.reported_at,
            "reported_by": report.reported_by_label,
            "row_count": report.row_count,
        }
        return Response(s.AvailabilityReportSerializer(summary).data, status=status.HTTP_201_CREATED)
