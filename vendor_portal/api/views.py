"""/api/v1/ for what the portal itself offers: who am I, messages, the audit trail, the catalogue, maker/checker
approvals, bank details, the vendor's team and (for the retailer) vendors. Writes go through the same services and
forms as the screens, so both doors apply the same rules. API tokens are not managed here: a token cannot mint
tokens; vendor admins create them on the settings screen, operators with `manage.py api_token`."""

import django_filters
from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from vendor_portal.errors import ForbiddenError
from vendor_portal.forms import ApprovalDecisionForm, BankDetailsForm, MemberForm, MemberInviteForm, VendorOnboardForm
from vendor_portal.models import (
    ApprovalRequest,
    ApprovalStatus,
    AuditEvent,
    BankDetails,
    InvitationStatus,
    Marketplace,
    MembershipInvitation,
    Notification,
    Product,
    ProductCost,
    Vendor,
)
from vendor_portal.roles import Action
from vendor_portal.selectors import approvals_waiting_for, member_marketplaces, product_search, vendor_list, vendor_members
from vendor_portal.services.approvals import approval_cancel, approval_decide
from vendor_portal.services.members import invitation_answer, invitation_withdraw, member_invite, member_remove, member_update
from vendor_portal.services.notifications import notification_mark_read
from vendor_portal.services.two_factor import require_fresh_second_factor
from vendor_portal.services.vendors import BANK_CHANGE, bank_details_change_request, vendor_onboard

from . import examples
from .base import PortalAPIView, ScopedGenericViewSet, ScopedReadOnlyViewSet, body_object, form_cleaned_data
from .errors import documented_error
from .filters import AuditEventFilter
from .pagination import KeysetCursorPagination
from .serializers import (
    ApprovalDecisionInputSerializer,
    ApprovalSerializer,
    AuditEventSerializer,
    BankDetailsChangeInputSerializer,
    BankDetailsSerializer,
    InvitationAnswerInputSerializer,
    MeSerializer,
    MyInvitationSerializer,
    NotificationReadResultSerializer,
    NotificationReadSerializer,
    NotificationSerializer,
    ProductSerializer,
    TeamInvitationSerializer,
    TeamMemberChangeInputSerializer,
    TeamMemberInviteInputSerializer,
    TeamMemberSerializer,
    VendorOnboardInputSerializer,
    VendorSerializer,
)

FORBIDDEN = documented_error(str(_("Your role or token scopes do not allow this.")), examples.FORBIDDEN)
NOT_FOUND = documented_error(str(_("Not found, or not yours to see.")), examples.NOT_FOUND)
INVALID = documented_error(str(_("Validation errors, each naming its field.")), examples.INVALID)
CONFLICT = documented_error(str(_("Not possible in the current state.")), examples.CONFLICT)


class MeView(PortalAPIView):
    """Who the caller is: person or token, vendor, roles and scopes."""

    @extend_schema(tags=["Me"], summary="Who is calling", responses={200: MeSerializer}, examples=[examples.ME_PERSON, examples.ME_TOKEN])
    def get(self, request):
        scope = request.scope
        marketplaces = None
        if scope.marketplace_ids is not None:
            marketplaces = list(Marketplace.objects.filter(pk__in=scope.marketplace_ids).values_list("code", flat=True))
        return Response(
            MeSerializer(
                {
                    "username": request.user.get_username(),
                    "vendor": scope.vendor.code if scope.vendor else None,
                    "is_retailer": scope.is_retailer,
                    "roles": sorted(scope.roles),
                    "token_scopes": sorted(scope.token_scopes) if scope.token_scopes is not None else None,
                    "marketplaces": marketplaces,
                }
            ).data
        )


@extend_schema_view(
    list=extend_schema(
        tags=["Messages"],
        summary="The caller's messages",
        description="Newest first. A token has no inbox: its list is empty.",
        responses={200: NotificationSerializer(many=True)},
        examples=[examples.NOTIFICATION],
    )
)
class NotificationViewSet(mixins.ListModelMixin, ScopedGenericViewSet):
    """The caller's message centre (people only; a token has no inbox)."""

    serializer_class = NotificationSerializer
    queryset = Notification.objects.all()
    ordering_fields = ["created_at"]

    def base_queryset(self):
        user = self.request.user
        return Notification.objects.filter(user_id=getattr(user, "pk", None) or -1)

    @extend_schema(
        tags=["Messages"],
        summary="Mark messages as read",
        description="The given `ids`, or every message when `ids` is left out.",
        request=NotificationReadSerializer,
        responses={200: NotificationReadResultSerializer, 400: INVALID},
        examples=[examples.MARK_SOME_READ, examples.MARK_ALL_READ, examples.MARKED_READ],
    )
    @action(detail=False, methods=["post"], url_path="mark-read")
    def mark_read(self, request):
        serializer = NotificationReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not getattr(request.user, "pk", None):
            return Response({"marked": 0, "detail": _("A token has no inbox.")})
        count = notification_mark_read(user=request.user, notification_ids=serializer.validated_data.get("ids"))
        return Response({"marked": count, "detail": _("Marked as read.")})


@extend_schema_view(
    list=extend_schema(
        tags=["Audit trail"],
        summary="List audit events",
        description="Append-only: who changed what, when and through which door. Filter by object, action prefix, channel, who, time.",
        responses={200: AuditEventSerializer(many=True), 400: INVALID, 403: FORBIDDEN},
        examples=[examples.AUDIT_EVENT],
    ),
    retrieve=extend_schema(
        tags=["Audit trail"],
        summary="An audit event",
        responses={200: AuditEventSerializer, 404: NOT_FOUND},
        examples=[examples.AUDIT_EVENT],
    ),
)
class AuditEventViewSet(ScopedReadOnlyViewSet):
    """The append-only audit trail: read-only, filtered by object, action, channel, who and when."""

    serializer_class = AuditEventSerializer
    queryset = AuditEvent.objects.select_related("vendor")
    filterset_class = AuditEventFilter
    actions = {"*": Action.VIEW_AUDIT}
    ordering_fields = ["occurred_at"]
    ordering = ["-occurred_at"]


# Catalogue ---------------------------------------------------------------------------------------------
class ProductFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", help_text="SKU or title contains, or exactly the ASIN or GTIN (as the catalogue screen).")
    vendor = django_filters.CharFilter(field_name="vendor__code", help_text="Vendor code (retailer users see every vendor).")
    asin = django_filters.CharFilter()
    vendor_sku = django_filters.CharFilter()
    gtin = django_filters.CharFilter()
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = Product
        fields = ["q", "vendor", "asin", "vendor_sku", "gtin", "is_active"]

    def search(self, queryset, name, value):
        return product_search(queryset, value)


@extend_schema_view(
    list=extend_schema(
        tags=["Catalogue"],
        summary="List products",
        description=(
            "The product catalogue you may see, with each marketplace's cost. Search with `q`, filter by ASIN, SKU, GTIN, "
            "vendor, active; order by `vendor_sku` (default), `asin`, `title` or `id`. Tokens need the orders:read scope."
        ),
        responses={200: ProductSerializer(many=True), 403: FORBIDDEN},
        examples=[examples.PRODUCT],
    ),
    retrieve=extend_schema(tags=["Catalogue"], summary="A product", responses={200: ProductSerializer, 404: NOT_FOUND}, examples=[examples.PRODUCT]),
)
class ProductViewSet(ScopedReadOnlyViewSet):
    serializer_class = ProductSerializer
    queryset = Product.objects.all()
    filterset_class = ProductFilter
    ordering_fields = ["vendor_sku", "asin", "title", "id"]
    ordering = ["vendor_sku"]
    actions = {"*": Action.VIEW_CATALOGUE}

    def base_queryset(self):
        # The costs in effect today; a product's dated cost history is on /api/v1/cost-changes/.
        costs = ProductCost.objects.visible_to(getattr(self.request, "scope", None)).in_effect(timezone.localdate()).select_related("marketplace")
        return Product.objects.select_related("vendor").prefetch_related(Prefetch("costs", queryset=costs, to_attr="visible_costs"))


# Maker/checker -----------------------------------------------------------------------------------------
class ApprovalFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ApprovalStatus.choices)
    kind = django_filters.CharFilter()
    waiting_for_me = django_filters.BooleanFilter(
        method="filter_waiting", help_text="Pending requests you could decide (not your own), as the screen's 'Waiting for you'."
    )
    mine = django_filters.BooleanFilter(method="filter_mine", help_text="Requests you made.")

    class Meta:
        model = ApprovalRequest
        fields = ["status", "kind", "waiting_for_me", "mine"]

    def filter_waiting(self, queryset, name, value):
        request = self.request
        waiting = approvals_waiting_for(user=request.user, scope=request.scope).values("pk")
        return queryset.filter(pk__in=waiting) if value else queryset.exclude(pk__in=waiting)

    def filter_mine(self, queryset, name, value):
        return queryset.filter(requested_by=self.request.user) if value else queryset.exclude(requested_by=self.request.user)


APPROVAL_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description=str(_("The approval request's id.")))


@extend_schema_view(
    list=extend_schema(
        tags=["Approvals"],
        summary="List approval requests",
        description=(
            "Maker/checker requests you may see (bank detail changes, invoices above the threshold, payment runs), newest first. "
            "`waiting_for_me=true` gives those you could decide now. People only: a decision needs a person, so API tokens are refused."
        ),
        responses={200: ApprovalSerializer(many=True), 403: FORBIDDEN},
        examples=[examples.APPROVAL],
    ),
    retrieve=extend_schema(
        tags=["Approvals"],
        summary="An approval request",
        parameters=[APPROVAL_ID],
        responses={200: ApprovalSerializer, 404: NOT_FOUND},
        examples=[examples.APPROVAL],
    ),
)
class ApprovalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet):
    serializer_class = ApprovalSerializer
    queryset = ApprovalRequest.objects.select_related("vendor", "requested_by", "decided_by")
    filterset_class = ApprovalFilter
    ordering_fields = ["requested_at"]
    ordering = ["-requested_at"]
    people_only = True
    actions = {"*": None}  # who may decide depends on the request's kind: the service checks it

    @extend_schema(
        tags=["Approvals"],
        summary="Approve or reject a request",
        description=(
            "The second person's decision, with an optional note (the reason, sent to the requester). Approving applies the "
            "change in the same transaction. Your own request is refused (403 `self_approval`), as is a kind your role may not check. "
            "A bank detail change is approved only by someone who held their role before it was requested and was not given it by "
            "the requester within the cooling-off period (403 `checker_not_established`); anyone who may check it may reject it. Approving a bank change "
            "needs a two-factor code entered in the last few minutes (403 `second_factor_required`: enter one at /accounts/two-factor/code/)."
        ),
        parameters=[APPROVAL_ID],
        request=ApprovalDecisionInputSerializer,
        responses={
            200: ApprovalSerializer,
            400: INVALID,
            403: examples.response_403(examples.SELF_APPROVAL, examples.SECOND_FACTOR),
            404: NOT_FOUND,
            409: CONFLICT,
        },
        examples=[examples.APPROVE_REQUEST, examples.REJECT_REQUEST, examples.APPROVED],
    )
    def decision(self, request, pk=None):
        approval = self.get_object()
        data = form_cleaned_data(ApprovalDecisionForm(body_object(request)))
        if approval.kind == BANK_CHANGE and data["decision"] == "approve":
            require_fresh_second_factor(request)
        approval = approval_decide(approval=approval, approve=data["decision"] == "approve", note=data["note"], actor=self.actor, scope=request.scope)
        return Response(ApprovalSerializer(self.get_queryset().get(pk=approval.pk)).data)

    @extend_schema(
        tags=["Approvals"],
        summary="Withdraw your own request",
        description="Only the person who asked, and only while it is pending.",
        parameters=[APPROVAL_ID],
        request=None,
        responses={200: ApprovalSerializer, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT},
        examples=[examples.WITHDRAWN],
    )
    def withdraw(self, request, pk=None):
        approval = approval_cancel(approval=self.get_object(), actor=self.actor)
        return Response(ApprovalSerializer(self.get_queryset().get(pk=approval.pk)).data)


# Bank details ------------------------------------------------------------------------------------------
class BankDetailsView(PortalAPIView):
    """The vendor's bank and remit-to details: read masked, changed only through a second person's approval."""

    actions = {"*": Action.REQUEST_BANK_CHANGE}

    @extend_schema(
        tags=["Vendor settings"],
        summary="Bank details (masked) and pending changes",
        description="Vendor admins and finance, signed in: no token scope covers bank details, so API tokens are refused.",
        responses={200: BankDetailsSerializer, 403: FORBIDDEN},
        examples=[examples.BANK_DETAILS],
    )
    def get(self, request):
        scope = request.scope
        pending = ApprovalRequest.objects.visible_to(scope).filter(kind=BANK_CHANGE, status=ApprovalStatus.PENDING)
        return Response(
            BankDetailsSerializer(
                {
                    "current": BankDetails.objects.visible_to(scope).first(),
                    "pending": pending.select_related("vendor", "requested_by", "decided_by"),
                }
            ).data
        )

    @extend_schema(
        tags=["Vendor settings"],
        summary="Request a change of bank details",
        description=(
            "Creates an approval request: nothing changes until a second person of the vendor (admin or finance) approves it "
            "(`POST /api/v1/approvals/{id}/decision`). Sessions only, like reading them."
        ),
        request=BankDetailsChangeInputSerializer,
        responses={201: ApprovalSerializer, 400: INVALID, 403: FORBIDDEN},
        examples=[examples.BANK_CHANGE_REQUEST, examples.BANK_CHANGE_REQUESTED],
    )
    def post(self, request):
        vendor = request.scope.vendor
        if vendor is None:
            raise ForbiddenError(_("Bank details belong to a vendor."))
        data = form_cleaned_data(BankDetailsForm(body_object(request), instance=BankDetails(vendor=vendor)))
        approval = bank_details_change_request(vendor=vendor, data=data, actor=self.actor)
        response = Response(ApprovalSerializer(approval).data, status=status.HTTP_201_CREATED)
        response["Location"] = f"/api/v1/approvals/{approval.pk}/"
        return response


# Team --------------------------------------------------------------------------------------------------
TEAM_DESCRIPTION = (
    " Vendor admins, signed in: no token scope covers the vendor's people, so API tokens are refused (and tokens themselves "
    "are created only on the settings screen or with `manage.py api_token`: a token cannot mint tokens)."
)
USER_ID = OpenApiParameter("user_id", OpenApiTypes.INT, OpenApiParameter.PATH, description=str(_("The person's user id.")))


class TeamMixin:
    actions = {"*": Action.MANAGE_USERS}

    def members(self):
        if self.request.scope.vendor is None:
            raise ForbiddenError(_("A vendor's team is managed by its own admins."))
        return vendor_members(vendor=self.request.scope.vendor)

    def member(self, user_id):
        user = self.members().filter(pk=user_id).first() if str(user_id).isdigit() else None
        if user is None:
            raise Http404
        return user

    def answer(self, user_id, status_code=status.HTTP_200_OK):
        return Response(TeamMemberSerializer(self.member(user_id)).data, status=status_code)


class TeamMemberListView(TeamMixin, PortalAPIView):
    pagination_class = KeysetCursorPagination

    @extend_schema(
        tags=["Team"],
        summary="List the vendor's people",
        description="Each person with their roles and marketplaces, by username." + TEAM_DESCRIPTION,
        responses={200: TeamMemberSerializer(many=True), 403: FORBIDDEN},
        examples=[examples.MEMBER],
    )
    def get(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(self.members(), request, view=self)
        return paginator.get_paginated_response(TeamMemberSerializer(page, many=True).data)

    @extend_schema(
        tags=["Team"],
        summary="Invite a person",
        description=(
            "Adds the person with the given roles (limited to `marketplaces`, or every marketplace when empty). A new account "
            "gets no password: the person is e-mailed a link to choose one (201, the new member). A person who already has an account "
            "(at another vendor, say) is only invited (202, the invitation): they accept or decline when signed in, and nothing about "
            "them but the username is shown before they accept." + TEAM_DESCRIPTION
        ),
        request=TeamMemberInviteInputSerializer,
        responses={201: TeamMemberSerializer, 202: TeamInvitationSerializer, 400: INVALID, 403: FORBIDDEN},
        examples=[examples.INVITE_REQUEST, examples.MEMBER_INVITED, examples.EXISTING_ACCOUNT_INVITED],
    )
    def post(self, request):
        vendor = request.scope.vendor
        if vendor is None:
            raise ForbiddenError(_("A vendor's team is managed by its own admins."))
        data = form_cleaned_data(MemberInviteForm(body_object(request)))
        outcome = member_invite(
            vendor=vendor,
            username=data["username"],
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            roles=data["roles"],
            marketplaces=data["marketplaces"],
            actor=self.actor,
            site_url=request.build_absolute_uri("/"),
        )
        if outcome.invitation is not None:
            return Response(TeamInvitationSerializer(outcome.invitation).data, status=status.HTTP_202_ACCEPTED)
        response = self.answer(outcome.user.pk, status.HTTP_201_CREATED)
        response["Location"] = f"/api/v1/team-members/{outcome.user.pk}/"
        return response


class TeamMemberView(TeamMixin, PortalAPIView):
    @extend_schema(
        tags=["Team"],
        summary="A person of the vendor",
        parameters=[USER_ID],
        responses={200: TeamMemberSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
        examples=[examples.MEMBER],
    )
    def get(self, request, user_id):
        return self.answer(user_id)

    @extend_schema(
        tags=["Team"],
        summary="Change a person's roles or marketplaces",
        description="Send `roles`, `marketplaces` or both; what is left out stays. The vendor keeps at least one admin." + TEAM_DESCRIPTION,
        parameters=[USER_ID],
        request=TeamMemberChangeInputSerializer,
        responses={200: TeamMemberSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND},
        examples=[examples.CHANGE_ROLES_REQUEST, examples.MEMBER_CHANGED],
    )
    def patch(self, request, user_id):
        member = self.member(user_id)
        body = body_object(request)
        current = {"roles": [m.role for m in member.vendor_memberships], "marketplaces": member_marketplaces(member.vendor_memberships) or []}
        data = form_cleaned_data(MemberForm({name: body[name] if name in body else current[name] for name in current}))
        member_update(vendor=request.scope.vendor, user=member, roles=data["roles"], marketplaces=data["marketplaces"], actor=self.actor)
        return self.answer(member.pk)

    @extend_schema(
        tags=["Team"],
        summary="Remove a person from the vendor",
        description=(
            "Revokes every role the person has at this vendor: they can no longer see or do anything for it (their account, "
            "other vendors' roles and the audit trail stay). You cannot remove yourself, nor the last admin." + TEAM_DESCRIPTION
        ),
        parameters=[USER_ID],
        request=None,
        responses={204: OpenApiResponse(description=str(_("Removed."))), 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def delete(self, request, user_id):
        member_remove(vendor=request.scope.vendor, user=self.member(user_id), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


INVITATION_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description=str(_("The invitation's id.")))


class TeamInvitationListView(TeamMixin, PortalAPIView):
    @extend_schema(
        tags=["Team"],
        summary="Invitations waiting for an answer",
        description="People with an existing account the vendor invited: only their username until they accept." + TEAM_DESCRIPTION,
        responses={200: TeamInvitationSerializer(many=True), 403: FORBIDDEN},
        examples=[examples.TEAM_INVITATIONS],
    )
    def get(self, request):
        self.members()  # a vendor's own admins only
        pending = MembershipInvitation.objects.for_vendor(request.scope.vendor).filter(status=InvitationStatus.PENDING)
        return Response(TeamInvitationSerializer(pending.select_related("user").prefetch_related("marketplaces"), many=True).data)


class TeamInvitationWithdrawView(TeamMixin, PortalAPIView):
    @extend_schema(
        tags=["Team"],
        summary="Withdraw an invitation",
        description="Only while the person has not answered." + TEAM_DESCRIPTION,
        parameters=[INVITATION_ID],
        request=None,
        responses={200: TeamInvitationSerializer, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT},
        examples=[examples.TEAM_INVITATION_WITHDRAWN],
    )
    def post(self, request, pk):
        self.members()
        invitation = invitation_withdraw(vendor=request.scope.vendor, invitation_id=pk, actor=self.actor)
        return Response(TeamInvitationSerializer(invitation).data)


class MyInvitationListView(PortalAPIView):
    """Invitations to the signed-in person to join another vendor's team."""

    actions = {"*": None}
    people_only = True

    @extend_schema(
        tags=["Team"],
        summary="My invitations",
        description="Invitations to you, waiting for your answer. Sessions only.",
        responses={200: MyInvitationSerializer(many=True), 403: FORBIDDEN},
        examples=[examples.MY_INVITATIONS],
    )
    def get(self, request):
        pending = (
            MembershipInvitation.objects.filter(user=request.user, status=InvitationStatus.PENDING)
            .select_related("vendor", "invited_by")
            .prefetch_related("marketplaces")
        )
        return Response(MyInvitationSerializer(pending, many=True).data)


class MyInvitationAnswerView(PortalAPIView):
    actions = {"*": None}
    people_only = True

    @extend_schema(
        tags=["Team"],
        summary="Accept or decline an invitation",
        description=(
            "Accepting grants the roles and lets the vendor's admins see your name, e-mail and last sign-in; you keep starting in "
            "the vendor you start in now unless `make_default`. Someone else's invitation is a 404."
        ),
        parameters=[INVITATION_ID],
        request=InvitationAnswerInputSerializer,
        responses={200: MyInvitationSerializer, 400: INVALID, 404: NOT_FOUND, 409: CONFLICT},
        examples=[examples.ACCEPT_INVITATION, examples.INVITATION_ACCEPTED],
    )
    def post(self, request, pk):
        if not MembershipInvitation.objects.filter(pk=pk, user=request.user).exists():
            raise Http404  # someone else's invitation: not found, whatever the body
        serializer = InvitationAnswerInputSerializer(data=body_object(request))
        serializer.is_valid(raise_exception=True)
        invitation = invitation_answer(
            user=request.user,
            invitation_id=pk,
            accept=serializer.validated_data["answer"] == "accept",
            make_default=serializer.validated_data["make_default"],
            actor=self.actor,
        )
        return Response(MyInvitationSerializer(invitation).data)


# Vendors (retailer) ------------------------------------------------------------------------------------
VENDOR_CODE = OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH, description=str(_("The vendor code, e.g. ACME.")))


class VendorMixin:
    actions = {"*": Action.ONBOARD_VENDORS}

    def vendors(self):
        # Vendors are not vendor-scoped rows: only the retailer sees them, which the action already requires.
        return vendor_list() if self.request.scope.is_retailer else Vendor.objects.none()


class VendorListView(VendorMixin, PortalAPIView):
    pagination_class = KeysetCursorPagination

    @extend_schema(
        tags=["Vendors"],
        summary="List vendors (retailer admin)",
        description="Every vendor with its marketplaces, people and active tokens, by code.",
        responses={200: VendorSerializer(many=True), 403: FORBIDDEN},
        examples=[examples.VENDOR],
    )
    def get(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(self.vendors().order_by("code"), request, view=self)
        return paginator.get_paginated_response(VendorSerializer(page, many=True).data)

    @extend_schema(
        tags=["Vendors"],
        summary="Onboard a vendor (retailer admin)",
        description=(
            "Creates the vendor, its code per marketplace and its first vendor admin, who is e-mailed a link to choose a password. "
            "Retailer admins, signed in (tokens belong to vendors)."
        ),
        request=VendorOnboardInputSerializer,
        responses={201: VendorSerializer, 400: INVALID, 403: FORBIDDEN},
        examples=[examples.ONBOARD_REQUEST, examples.VENDOR_ONBOARDED],
    )
    def post(self, request):
        data = form_cleaned_data(VendorOnboardForm(body_object(request)))
        vendor = vendor_onboard(
            code=data["code"],
            name=data["name"],
            gs1_company_prefix=data["gs1_company_prefix"],
            marketplaces=data["marketplaces"],
            admin_username=data["admin_username"],
            admin_email=data["admin_email"],
            actor=self.actor,
            site_url=request.build_absolute_uri("/"),
        )
        response = Response(VendorSerializer(self.vendors().get(pk=vendor.pk)).data, status=status.HTTP_201_CREATED)
        response["Location"] = f"/api/v1/vendors/{vendor.code}/"
        return response


class VendorDetailView(VendorMixin, PortalAPIView):
    @extend_schema(
        tags=["Vendors"],
        summary="A vendor (retailer admin)",
        parameters=[VENDOR_CODE],
        responses={200: VendorSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
        examples=[examples.VENDOR],
    )
    def get(self, request, code):
        vendor = self.vendors().filter(code=code).first()
        if vendor is None:
            raise Http404
        return Response(VendorSerializer(vendor).data)
