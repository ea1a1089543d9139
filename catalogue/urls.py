from django.urls import path

from catalogue import views

urlpatterns = [
    path("items/", views.item_proposal_list, name="item_proposal_list"),
    path("items/new/", views.item_proposal_new, name="item_proposal_new"),
    path("items/upload/", views.item_proposal_upload, name="item_proposal_upload"),
    path("items/upload/template.xlsx", views.item_proposal_template, name="item_proposal_template"),
    path("items/upload/<int:pk>/", views.item_proposal_upload_status, name="item_proposal_upload_status"),
    path("items/upload/<int:pk>/progress/", views.item_proposal_upload_progress, name="item_proposal_upload_progress"),
    path("items/<int:pk>/", views.item_proposal_detail, name="item_proposal_detail"),
    path("items/<int:pk>/edit/", views.item_proposal_edit, name="item_proposal_edit"),
    path("items/<int:pk>/submit/", views.item_proposal_submit, name="item_proposal_submit"),
    path("items/<int:pk>/review/", views.item_proposal_review, name="item_proposal_review"),
    path("cost-changes/", views.cost_change_list, name="cost_change_list"),
    path("cost-changes/new/", views.cost_change_new, name="cost_change_new"),
    path("cost-changes/upload/", views.cost_change_upload, name="cost_change_upload"),
    path("cost-changes/upload/template.xlsx", views.cost_change_template, name="cost_change_template"),
    path("cost-changes/<int:pk>/", views.cost_change_detail, name="cost_change_detail"),
    path("cost-changes/<int:pk>/decide/", views.cost_change_decide, name="cost_change_decide"),
]
