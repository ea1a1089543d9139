"""/api/v1/edi/interchanges/: send X12 to the portal and read every interchange in and out.

POST takes one interchange (raw body as text/plain or application/edi-x12, or a multipart `file`),
applies it through the portal's services and answers with each set's outcome and the 997 sent back.
"""

import django_filters
from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from vendor_portal.api.base import ScopedGenericViewSet, body_object, form_cleaned_data
from vendor_portal.api.errors import documented_error, error_response
from vendor_portal.errors import ForbiddenError
from vendor_portal.models import Channel
from vendor_portal.roles import Action
from vendor_portal.services.audit import Actor

from ..models import MAX_INTERCHANGE_BYTES, Direction, Interchange, InterchangeSource, InterchangeStatus, TradingPartner
from ..selectors import without_content
from ..services.inbound import edi_receive
from ..services.partners import trading_partner_create, trading_partner_set_active
from ..views import TradingPartnerForm, interchange_download
from . import examples
from .serializers import (
    InterchangeRejectedSerializer,
    InterchangeResultSerializer,
    InterchangeSerializer,
    InterchangeUploadSerializer,
    TradingPartnerChangeSerializer,
    TradingPartnerInputSerializer,
    TradingPartnerSerializer,
)

TAGS = ["EDI"]
RAW_CONTENT_TYPES = {"text/plain", "application/edi-x12", "application/edi", "application/x12", "application/octet-stream"}
NOT_FOUND = documented_error(str(_("No such interchange, or another vendor's.")), examples.NOT_FOUND)


class InterchangeFilter(django_filters.FilterSet):
    direction = django_filters.ChoiceFilter(choices=Direction.choices)
    status = django_filters.ChoiceFilter(choices=InterchangeStatus.choices)

    class Meta:
        model = Interchange
        fields = ["direction", "status"]


def problem_errors(interchange: Interchange) -> list[dict]:
    """The stored problems in the API's error shape, each located in its `field`."""
    errors = []
    for problem in interchange.problems:
        where = ["ISA" if problem["level"] == "interchange" else ""]
        if problem.get("group"):
            where.append(f"GS {problem['group']}")
        if problem.get("set"):
            where.append(f"ST {problem['set']}")
        if problem.get("segment"):
            element = f"{problem['element']:02d}" if problem.get("element") else ""
            where.append(f"{problem['segment']}{element} at segment {problem.get('position')}")
        errors.append({"code": problem["code"] or "invalid", "message": problem["message"], "field": ", ".join(w for w in where if w)})
    return errors


class InterchangeViewSet(mixins.ListModelMixin, ScopedGenericViewSet):
    queryset = Interchange.objects.select_related("vendor").prefetch_related("transactions")
    serializer_class = InterchangeSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = InterchangeFilter
    parser_classes = [MultiPartParser]
    actions = {
        "list": Action.EXCHANGE_EDI,
        "retrieve": Action.EXCHANGE_EDI,
        "raw": Action.EXCHANGE_EDI,
        "create": Action.EXCHANGE_EDI,
    }

    def base_queryset(self):
        # The list as the screen reads it (no raw files); one interchange (the detail, the download) whole.
        return without_content(self.queryset.all()) if self.action == "list" else self.queryset.all()

    @extend_schema(
        tags=TAGS,
        summary="List EDI interchanges",
        description="Inbound and outbound interchanges, newest first; filter by direction and status.",
        responses={200: InterchangeSerializer(many=True)},
        examples=[examples.LIST_PAGE],
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        tags=TAGS,
        summary="An EDI interchange",
        description="With each transaction set's outcome and the 997 answering it.",
        responses={200: InterchangeResultSerializer, 404: NOT_FOUND},
        examples=[examples.DETAIL],
    )
    def retrieve(self, request, pk=None):
        interchange = self.get_object()
        return Response(InterchangeResultSerializer(_with_acknowledgement(interchange)).data)

    @extend_schema(
        tags=TAGS,
        summary="Send an X12 interchange (855, 856, 810, 997)",
        description=(
            "The raw interchange as the body (Content-Type text/plain or application/edi-x12) or as a multipart `file`. "
            "Each transaction set goes through the same checks as the portal; every functional group is answered with a 997 "
            "(in `acknowledgement.content`). 201 when at least one set was applied, 422 when nothing was (the `errors` say why)."
        ),
        request={"text/plain": OpenApiTypes.STR, "application/edi-x12": OpenApiTypes.STR, "multipart/form-data": InterchangeUploadSerializer},
        responses={
            201: InterchangeResultSerializer,
            400: documented_error(str(_("Empty or too large.")), examples.TOO_LARGE),
            415: documented_error(str(_("Not X12 text or a multipart file.")), examples.UNSUPPORTED),
            422: InterchangeRejectedSerializer,
        },
        examples=[examples.UPLOAD_TEXT, examples.UPLOAD_X12, examples.UPLOAD_FILE, examples.APPLIED, examples.NOTHING_APPLIED],
    )
    def create(self, request):
        scope = request.scope
        if scope.vendor is None:
            raise ForbiddenError(_("EDI files are sent by a vendor."))
        content_type = (request.content_type or "").split(";")[0].strip().lower()
        filename = ""
        try:
            if content_type == "multipart/form-data":
                upload = request.FILES.get("file")
                if upload is None:
                    return error_response(_("Send the interchange in the multipart field 'file'."), code="required", field="file")
                if upload.size > MAX_INTERCHANGE_BYTES:
                    return error_response(
                        _("An interchange may be at most %(max)s bytes.") % {"max": MAX_INTERCHANGE_BYTES}, code="too_large", field="file"
                    )
                content, filename = upload.read(), upload.name
            elif content_type in RAW_CONTENT_TYPES:
                content = request.body
            else:
                return error_response(
                    _("Send the X12 interchange as text/plain or application/edi-x12, or as a multipart file."),
                    code="unsupported_media_type",
                    status_code=status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
                )
        except RequestDataTooBig:
            return error_response(_("An interchange may be at most %(max)s bytes.") % {"max": MAX_INTERCHANGE_BYTES}, code="too_large")
        interchange = edi_receive(
            vendor=scope.vendor,
            content=content,
            actor=Actor.from_request(request, channel=Channel.EDI),
            source=InterchangeSource.API,
            filename=filename,
            scope=scope,
        )
        data = InterchangeResultSerializer(_with_acknowledgement(interchange)).data
        if interchange.status == InterchangeStatus.REJECTED:
            return Response({**data, "errors": problem_errors(interchange)}, status=status.HTTP_422_UNPROCESSABLE_ENTITY)
        response = Response(data, status=status.HTTP_201_CREATED)
        response["Location"] = f"/api/v1/edi/interchanges/{interchange.pk}/"
        return response

    @extend_schema(
        tags=TAGS,
        summary="The interchange as X12 text",
        responses={(200, "application/edi-x12"): OpenApiResponse(OpenApiTypes.STR, examples=[examples.RAW]), 404: NOT_FOUND},
    )
    @action(detail=True, methods=["get"])
    def raw(self, request, pk=None):
        return interchange_download(self.get_object())


def _with_acknowledgement(interchange: Interchange) -> Interchange:
    return Interchange.objects.select_related("vendor", "acknowledgement").prefetch_related("transactions").get(pk=interchange.pk)


PARTNERS_NOTE = (
    " Vendor admins, signed in, as on the EDI partners screen: registering who may send files for a vendor is credential "
    "management, which no token scope covers, so API tokens are refused."
)
PARTNER_FORBIDDEN = documented_error(_("Not allowed."), examples.FORBIDDEN)


class TradingPartnerViewSet(ScopedGenericViewSet):
    queryset = TradingPartner.objects.select_related("vendor")
    serializer_class = TradingPartnerSerializer
    filter_backends = []
    actions = {"*": Action.MANAGE_TOKENS}

    @extend_schema(
        tags=TAGS,
        summary="List EDI trading partners",
        description="The ISA ids that may send files for the vendor." + PARTNERS_NOTE,
        responses={200: TradingPartnerSerializer(many=True), 403: PARTNER_FORBIDDEN},
        examples=[examples.PARTNER],
    )
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(TradingPartnerSerializer(page, many=True).data)

    @extend_schema(
        tags=TAGS,
        summary="Register an EDI trading partner",
        description="An ISA sender id names exactly one vendor: inbound files find their owner by it." + PARTNERS_NOTE,
        request=TradingPartnerInputSerializer,
        responses={
            201: TradingPartnerSerializer,
            400: documented_error(_("Validation errors, each naming its field."), examples.PARTNER_ERRORS),
            403: PARTNER_FORBIDDEN,
        },
        examples=[examples.PARTNER_REQUEST, examples.PARTNER_CREATED],
    )
    def create(self, request):
        if request.scope.vendor is None:
            raise ForbiddenError(_("Trading partners are registered by a vendor."))
        data = form_cleaned_data(TradingPartnerForm({"isa_qualifier": "ZZ", **body_object(request)}))
        partner = trading_partner_create(vendor=request.scope.vendor, actor=self.actor, **data)
        response = Response(TradingPartnerSerializer(partner).data, status=status.HTTP_201_CREATED)
        response["Location"] = f"/api/v1/edi/partners/{partner.pk}/"
        return response

    @extend_schema(
        tags=TAGS,
        summary="Activate or deactivate a trading partner",
        description="A deactivated partner's files are refused and no 850s are sent to it." + PARTNERS_NOTE,
        request=TradingPartnerChangeSerializer,
        responses={
            200: TradingPartnerSerializer,
            400: documented_error(_("Validation errors, each naming its field."), examples.PARTNER_ERRORS),
            403: PARTNER_FORBIDDEN,
            404: NOT_FOUND,
        },
        examples=[examples.PARTNER_DEACTIVATE, examples.PARTNER_DEACTIVATED],
    )
    def partial_update(self, request, pk=None):
        partner = self.get_object()
        serializer = TradingPartnerChangeSerializer(data=body_object(request))
        serializer.is_valid(raise_exception=True)
        partner = trading_partner_set_active(
            scope=request.scope, partner_id=partner.pk, is_active=serializer.validated_data["is_active"], actor=self.actor
        )
        return Response(TradingPartnerSerializer(partner).data)
