from django.urls import path

from . import views

urlpatterns = [
    path("deductions/", views.DeductionViewSet.as_view({"get": "list"}), name="deduction-list"),
    path("deductions/<int:pk>/", views.DeductionViewSet.as_view({"get": "retrieve"}), name="deduction-detail"),
    path("deductions/<int:pk>/disputes/", views.DeductionViewSet.as_view({"get": "disputes", "post": "disputes"}), name="deduction-disputes"),
    path("deductions/<int:pk>/evidence/", views.DeductionViewSet.as_view({"get": "evidence"}, pagination_class=None), name="deduction-evidence"),
    path(
        "deductions/<int:pk>/dispute-packet/",
        views.DeductionViewSet.as_view({"get": "dispute_packet", "post": "dispute_packet_request"}),
        name="deduction-dispute-packet",
    ),
    path("disputes/", views.DisputeViewSet.as_view({"get": "list"}), name="dispute-list"),
    path("disputes/<int:pk>/", views.DisputeViewSet.as_view({"get": "retrieve"}), name="dispute-detail"),
    path("disputes/<int:pk>/answer", views.DisputeViewSet.as_view({"post": "answer"}), name="dispute-answer"),
    path("payments/", views.RemittanceViewSet.as_view({"get": "list"}), name="remittance-list"),
    path("payments/<int:pk>/", views.RemittanceViewSet.as_view({"get": "retrieve"}), name="remittance-detail"),
    path("payments/<int:pk>/document", views.RemittanceViewSet.as_view({"get": "document"}), name="remittance-document"),
    path("payment-runs/", views.PaymentRunViewSet.as_view({"get": "list", "post": "create"}), name="payment-run-list"),
    path("payment-runs/preview", views.PaymentRunViewSet.as_view({"get": "preview"}), name="payment-run-preview"),
    path("payment-runs/<int:pk>/", views.PaymentRunViewSet.as_view({"get": "retrieve"}), name="payment-run-detail"),
    path("payment-runs/<int:pk>/approve", views.PaymentRunViewSet.as_view({"post": "approve"}), name="payment-run-approve"),
    path("payment-runs/<int:pk>/pay", views.PaymentRunViewSet.as_view({"post": "pay"}), name="payment-run-pay"),
    path("payment-runs/<int:pk>/cancel", views.PaymentRunViewSet.as_view({"post": "cancel"}), name="payment-run-cancel"),
    path("match-results/", views.MatchResultViewSet.as_view({"get": "list"}), name="match-result-list"),
    path("payment-summary", views.PaymentSummaryView.as_view(), name="payment-summary"),
    path("reconciliation/run", views.ReconciliationRunView.as_view(), name="reconciliation-run"),
]
