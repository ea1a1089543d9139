from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views
from .ship_from import ShipFromAddressViewSet
from .vendor_accounts import VendorAccountViewSet

router = SimpleRouter(trailing_slash=True)
router.register("notifications", views.NotificationViewSet, basename="notification")
router.register("audit-events", views.AuditEventViewSet, basename="audit-event")
router.register("products", views.ProductViewSet, basename="product")

urlpatterns = [
    path("me", views.MeView.as_view(), name="api_me"),
    path("approvals/", views.ApprovalViewSet.as_view({"get": "list"}), name="approval-list"),
    path("approvals/<int:pk>/", views.ApprovalViewSet.as_view({"get": "retrieve"}), name="approval-detail"),
    path("approvals/<int:pk>/decision", views.ApprovalViewSet.as_view({"post": "decision"}), name="approval-decision"),
    path("approvals/<int:pk>/withdraw", views.ApprovalViewSet.as_view({"post": "withdraw"}), name="approval-withdraw"),
    path("bank-details", views.BankDetailsView.as_view(), name="api-bank-details"),
    path("team-members/", views.TeamMemberListView.as_view(), name="team-member-list"),
    path("team-members/<int:user_id>/", views.TeamMemberView.as_view(), name="team-member-detail"),
    path("team-invitations/", views.TeamInvitationListView.as_view(), name="team-invitation-list"),
    path("team-invitations/<int:pk>/withdraw", views.TeamInvitationWithdrawView.as_view(), name="team-invitation-withdraw"),
    path("invitations/", views.MyInvitationListView.as_view(), name="my-invitation-list"),
    path("invitations/<int:pk>/answer", views.MyInvitationAnswerView.as_view(), name="my-invitation-answer"),
    path("ship-from-addresses/", ShipFromAddressViewSet.as_view({"get": "list", "post": "create"}), name="ship-from-address-list"),
    path(
        "ship-from-addresses/<int:pk>/",
        ShipFromAddressViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="ship-from-address-detail",
    ),
    path("ship-from-addresses/<int:pk>/retire", ShipFromAddressViewSet.as_view({"post": "retire"}), name="ship-from-address-retire"),
    path("vendor-accounts/", VendorAccountViewSet.as_view({"get": "list"}), name="vendor-account-list"),
    path("vendor-accounts/<int:pk>/", VendorAccountViewSet.as_view({"get": "retrieve", "patch": "partial_update"}), name="vendor-account-detail"),
    path("vendors/", views.VendorListView.as_view(), name="vendor-list"),
    path("vendors/<str:code>/", views.VendorDetailView.as_view(), name="vendor-detail"),
    *router.urls,
]
