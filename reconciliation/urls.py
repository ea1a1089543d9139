from django.urls import path

from . import views

urlpatterns = [
    path("", views.payment_summary_view, name="payment_summary"),
    path("summary.csv", views.payment_summary_csv, name="payment_summary_csv"),
    path("summary.xlsx", views.payment_summary_xlsx, name="payment_summary_xlsx"),
    path("deductions/", views.deduction_list_view, name="deduction_list"),
    path("deductions/export.csv", views.deduction_export_csv, name="deduction_export_csv"),
    path("deductions/export.xlsx", views.deduction_export_xlsx, name="deduction_export_xlsx"),
    path("deductions/<int:pk>/", views.deduction_detail_view, name="deduction_detail"),
    path("deductions/<int:pk>/dispute/", views.deduction_dispute_view, name="deduction_dispute"),
    path("deductions/<int:pk>/evidence/", views.deduction_attach_view, name="deduction_attach"),
    path("deductions/<int:pk>/packet/", views.dispute_packet_view, name="dispute_packet"),
    path("deductions/<int:pk>/packet/jobs/<uuid:job_id>/", views.dispute_packet_job_view, name="dispute_packet_job"),
    path("deductions/<int:pk>/file/", views.dispute_file_view, name="dispute_file"),
    path("remittances/", views.remittance_list_view, name="remittance_list"),
    path("remittances/export.csv", views.remittance_export_csv, name="remittance_export_csv"),
    path("remittances/export.xlsx", views.remittance_export_xlsx, name="remittance_export_xlsx"),
    path("remittances/<int:pk>/", views.remittance_detail_view, name="remittance_detail"),
    path("remittances/<int:pk>/advice.pdf", views.remittance_pdf, name="remittance_pdf"),
    path("remittances/<int:pk>/lines.csv", views.remittance_csv, name="remittance_csv"),
    path("remittances/<int:pk>/lines.xlsx", views.remittance_xlsx, name="remittance_xlsx"),
    path("disputes/", views.dispute_queue, name="dispute_queue"),
    path("disputes/<int:pk>/", views.dispute_detail, name="dispute_detail"),
    path("disputes/<int:pk>/answer/", views.dispute_answer_view, name="dispute_answer"),
    path("runs/", views.payment_run_list, name="payment_run_list"),
    path("runs/<int:pk>/", views.payment_run_detail, name="payment_run_detail"),
    path("runs/<int:pk>/decide/", views.payment_run_decide_view, name="payment_run_decide"),
    path("runs/<int:pk>/pay/", views.payment_run_pay_view, name="payment_run_pay"),
    path("runs/<int:pk>/cancel/", views.payment_run_cancel_view, name="payment_run_cancel"),
    path("match/", views.match_run_view, name="match_run"),
]
