from django.urls import path

from compliance import views

urlpatterns = [
    path("", views.compliance_home, name="compliance_home"),
    path("rate-cards/<int:pk>/", views.rate_card_detail, name="rate_card_detail"),
    path("rate-cards/edit/<str:code>/", views.rate_card_edit, name="rate_card_edit"),
    path("rate-cards/<int:pk>/rules/", views.rule_add, name="rule_add"),
    path("rate-cards/<int:pk>/rules/<int:rule_pk>/", views.rule_edit, name="rule_edit"),
    path("rate-cards/<int:pk>/rules/<int:rule_pk>/delete/", views.rule_delete, name="rule_delete"),
    path("rate-cards/<int:pk>/rules/<int:rule_pk>/waivers/", views.waiver_add, name="waiver_add"),
    path("rate-cards/<int:pk>/waivers/<int:waiver_pk>/delete/", views.waiver_delete, name="waiver_delete"),
    path("rate-cards/<int:pk>/publish/", views.rate_card_publish, name="rate_card_publish"),
]
