from django.urls import path

from .views import CostChangeViewSet, ItemProposalImportView, ItemProposalUploadViewSet, ItemProposalViewSet

urlpatterns = [
    path("item-proposals/", ItemProposalViewSet.as_view({"get": "list", "post": "create"}), name="item-proposal-list"),
    path("item-proposals/import/", ItemProposalImportView.as_view(), name="item-proposal-import"),
    path("item-proposals/imports/<int:pk>/", ItemProposalUploadViewSet.as_view({"get": "retrieve"}), name="item-proposal-upload-detail"),
    path("item-proposals/<int:pk>/", ItemProposalViewSet.as_view({"get": "retrieve"}), name="item-proposal-detail"),
    path("item-proposals/<int:pk>/submit", ItemProposalViewSet.as_view({"post": "submit"}), name="item-proposal-submit"),
    path("item-proposals/<int:pk>/approve", ItemProposalViewSet.as_view({"post": "approve"}), name="item-proposal-approve"),
    path("item-proposals/<int:pk>/return", ItemProposalViewSet.as_view({"post": "send_back"}), name="item-proposal-return"),
    path("cost-changes/", CostChangeViewSet.as_view({"get": "list", "post": "create"}), name="cost-change-list"),
    path("cost-changes/<int:pk>/", CostChangeViewSet.as_view({"get": "retrieve"}), name="cost-change-detail"),
    path("cost-changes/<int:pk>/accept", CostChangeViewSet.as_view({"post": "accept"}), name="cost-change-accept"),
    path("cost-changes/<int:pk>/counter", CostChangeViewSet.as_view({"post": "counter"}), name="cost-change-counter"),
    path("cost-changes/<int:pk>/reject", CostChangeViewSet.as_view({"post": "reject"}), name="cost-change-reject"),
]
