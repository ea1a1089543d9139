"""/api/v1/edi/interchanges/: send X12 to the portal and read every interchange in and out.

POST takes one interchange (raw body as text/plain or application/edi-x12, or a multipart `file`), checks
its size and set count, stores it and answers 202 with the job that applies it through the portal's services
in a worker; the interchange then shows each set's outcome and the 997 sent back.
"""

import django_filters
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from vendor_portal.api.base import ScopedGenericViewSet, body_object, form_cleaned_data
from vendor_portal.api.errors import documented_error
from vendor_portal.api.uploads import UploadMessages, read_upload
from vendor_portal.errors import ForbiddenError
from vendor_portal.models import Channel
from vendor_portal.roles import Action
from vendor_portal.services.audit import Actor

from ..models import Direction, Interchange, InterchangeSource, InterchangeStatus, TradingPartner
from ..selectors import interchange_problem_page, interchange_summaries
from ..services.inbound import edi_limits, too_large_message
from ..services.partners import trading_partner_create, trading_partner_set_active
from ..services.uploads import edi_upload
from ..views import TradingPartnerForm, interchange_download, page_number
from . import examples
from .serializers import (
    InterchangeResultSerializer,
    InterchangeSummarySerializer,
    InterchangeUploadJobSerializer,
    InterchangeUploadSerializer,
    ProblemPageSerializer,
    TradingPartnerChangeSerializer,
    TradingPartnerInputSerializer,
    TradingPartnerSerializer,
)

TAGS = ["EDI"]
RAW_CONTENT_TYPES = {"text/plain", "application/edi-x12", "application/edi", "application/x12", "application/octet-stream"}
UPLOAD_MESSAGES = UploadMessages(
    missing=_("Send the interchange in the multipart field 'file'."),
    unsupported=_("Send the X12 interchange as text/plain or application/edi-x12, or as a multipart file."),
    too_large=too_large_message,
)
NOT_FOUND = documented_error(str(_("No such interchange, or another vendor's.")), examples.NOT_FOUND)


class InterchangeFilter(django_filters.FilterSet):
    direction = django_filters.ChoiceFilter(choices=Direction.choices)
    status = django_filters.ChoiceFilter(choices=InterchangeStatus.choices)

    class Meta:
        model = Interchange
        fields = ["direction", "status"]


class InterchangeViewSet(mixins.ListModelMixin, ScopedGenericViewSet):
    queryset = Interchange.objects.all()
    serializer_class = InterchangeSummarySerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = InterchangeFilter
    parser_classes = [MultiPartParser]
    actions = {
        "list": Action.EXCHANGE_EDI,
        "retrieve": Action.EXCHANGE_EDI,
        "raw": Action.EXCHANGE_EDI,
        "problems": Action.EXCHANGE_EDI,
        "create": Action.EXCHANGE_EDI,
    }

    def base_queryset(self):
        # Never the raw file or the whole problem list: the list shows metadata, the detail a page of problems,
        # the download reads the file alone.
        queryset = interchange_summaries(self.queryset.all())
        if self.action == "retrieve":
            queryset = queryset.select_related("acknowledgement").defer("acknowledgement__problems").prefetch_related("transactions")
        return queryset

    @extend_schema(
        tags=TAGS,
        summary="List EDI interchanges",
        description=(
            "Inbound and outbound interchanges, newest first; filter by direction and status. Each row is the interchange's "
            "metadata with how many transaction sets and problems it has and the first problem: the sets and problems "
            "themselves are on the interchange (`GET .../{id}/`, `GET .../{id}/problems/`), the X12 at `GET .../{id}/raw/`."
        ),
        responses={200: InterchangeSummarySerializer(many=True)},
        examples=[examples.LIST_PAGE],
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        tags=TAGS,
        summary="An EDI interchange",
        description=(
            "With each transaction set's outcome, the first 100 problems (`problem_count` says how many; page through them "
            "at `problems/`) and the 997 answering it. An uploaded interchange is `received` until its job has applied it."
        ),
        responses={200: InterchangeResultSerializer, 404: NOT_FOUND},
        examples=[examples.DETAIL, examples.REJECTED_DETAIL],
    )
    def retrieve(self, request, pk=None):
        return Response(InterchangeResultSerializer(self.get_object()).data)

    @extend_schema(
        tags=TAGS,
        summary="Send an X12 interchange (855, 856, 810, 997)",
        description=(
            "The raw interchange as the body (Content-Type text/plain or application/edi-x12) or as a multipart `file`. "
            "It is checked against the limits (`EDI_MAX_UPLOAD_BYTES`, 5 MB by default: 413; `EDI_MAX_TRANSACTION_SETS`, "
            "10,000 by default: 400), stored, and read and applied by a worker: the answer is 202 with the job "
            "(`Location: /api/v1/jobs/{id}/`). Poll the job until `status` is `succeeded`, then read the interchange "
            "(`interchange_id`): each set goes through the same checks as the portal, and every functional group is answered "
            "with a 997 (`acknowledgement.content`); `status` says whether the sets were applied (accepted, partially_accepted) "
            "or not (rejected, with the `problems`). Until 2026-12 this call answered 201/422 with the interchange at once."
        ),
        request={"text/plain": OpenApiTypes.STR, "application/edi-x12": OpenApiTypes.STR, "multipart/form-data": InterchangeUploadSerializer},
        responses={
            202: InterchangeUploadJobSerializer,
            400: documented_error(str(_("Empty, or more transaction sets than one interchange may hold.")), examples.TOO_MANY_SETS),
            413: documented_error(str(_("Larger than an interchange may be.")), examples.TOO_LARGE),
            415: documented_error(str(_("Not X12 text or a multipart file.")), examples.UNSUPPORTED),
        },
        examples=[examples.UPLOAD_TEXT, examples.UPLOAD_X12, examples.UPLOAD_FILE, examples.QUEUED],
    )
    def create(self, request):
        scope = request.scope
        if scope.vendor is None:
            raise ForbiddenError(_("EDI files are sent by a vendor."))
        content, filename = read_upload(request, raw_types=RAW_CONTENT_TYPES, max_bytes=edi_limits()[0], messages=UPLOAD_MESSAGES)
        _interchange, job = edi_upload(
            scope=scope, content=content, actor=Actor.from_request(request, channel=Channel.EDI), source=InterchangeSource.API, filename=filename
        )
        response = Response(InterchangeUploadJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
        response["Location"] = f"/api/v1/jobs/{job.pk}/"
        return response

    @extend_schema(
        tags=TAGS,
        summary="The interchange as X12 text",
        responses={(200, "application/edi-x12"): OpenApiResponse(OpenApiTypes.STR, examples=[examples.RAW]), 404: NOT_FOUND},
    )
    @action(detail=True, methods=["get"])
    def raw(self, request, pk=None):
        return interchange_download(self.get_object())

    @extend_schema(
        tags=TAGS,
        summary="The interchange's problems, a page at a time",
        description="Every problem found in the interchange, in the order found (envelope, then each group and its sets), 100 a page.",
        parameters=[OpenApiParameter("page", int, description="1 for the first page (the default).")],
        responses={200: ProblemPageSerializer, 404: NOT_FOUND},
        examples=[examples.PROBLEM_PAGE],
    )
    @action(detail=True, methods=["get"])
    def problems(self, request, pk=None):
        interchange = self.get_object()
        page = interchange_problem_page(interchange=interchange, number=page_number(request.query_params.get("page")))
        url = request.build_absolute_uri(request.path)
        return Response(
            {
                "count": page.count,
                "page": page.number,
                "next": f"{url}?page={page.number + 1}" if page.has_next else None,
                "previous": f"{url}?page={page.number - 1}" if page.has_previous else None,
                "results": page.problems,
            }
        )


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
