"""Django's password views, with the change written to the audit trail."""

from django.contrib.auth import views as auth_views

from vendor_portal.services.audit import Actor, audit_record


class PasswordChangeView(auth_views.PasswordChangeView):
    def form_valid(self, form):
        response = super().form_valid(form)
        audit_record(actor=Actor.from_request(self.request), action="user.password_change", obj=form.user)
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        response = super().form_valid(form)
        audit_record(actor=Actor(user=form.user, request_id=getattr(self.request, "request_id", "")), action="user.password_reset", obj=form.user)
        return response
