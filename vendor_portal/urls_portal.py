from django.urls import path

from vendor_portal import export_views, ship_from_views, tax_registration_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("switch-vendor/", views.switch_vendor, name="switch_vendor"),
    path("messages/", views.message_list, name="message_list"),
    path("messages/read-all/", views.message_mark_all_read, name="message_mark_all_read"),
    path("messages/<int:pk>/open/", views.message_open, name="message_open"),
    path("approvals/", views.approval_list, name="approvals"),
    path("approvals/<int:pk>/", views.approval_detail, name="approval_detail"),
    path("approvals/<int:pk>/withdraw/", views.approval_withdraw, name="approval_withdraw"),
    path("audit/", views.audit_list, name="audit_list"),
    path("settings/", views.vendor_settings, name="vendor_settings"),
    path("settings/tokens/<int:pk>/revoke/", views.api_token_revoke_view, name="api_token_revoke"),
    path("settings/bank-details/", views.bank_details, name="bank_details"),
    path("settings/ship-from/", ship_from_views.ship_from_list, name="ship_from_list"),
    path("settings/ship-from/<int:pk>/", ship_from_views.ship_from_detail, name="ship_from_detail"),
    path("settings/ship-from/<int:pk>/retire/", ship_from_views.ship_from_retire, name="ship_from_retire"),
    path("settings/tax-registrations/", tax_registration_views.tax_registration_list, name="tax_registration_list"),
    path("settings/tax-registrations/<int:pk>/", tax_registration_views.tax_registration_detail, name="tax_registration_detail"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/<int:pk>/case/", views.product_case, name="product_case"),
    path("team/", views.team, name="team"),
    path("vendors/", views.vendor_list, name="vendor_list"),
    path("team/<int:user_id>/", views.team_member, name="team_member"),
    path("team/invitations/<int:pk>/withdraw/", views.team_invitation_withdraw, name="team_invitation_withdraw"),
    path("invitations/", views.invitation_list, name="invitations"),
    path("exports/<uuid:pk>/", export_views.export_job, name="export_job"),
]
