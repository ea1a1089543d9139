"""/settings/webhooks/: a vendor admin's webhook subscriptions, their delivery logs and resends."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vendor_portal.decorators import portal_view
from vendor_portal.errors import DomainValidationError, PortalError
from vendor_portal.listing import keyset_page
from vendor_portal.models import AuditEvent
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import get_visible_or_404

from . import services
from .forms import WebhookSubscriptionForm
from .models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from .permissions import MANAGE_WEBHOOKS

DELIVERIES_PER_PAGE = 25


def _form_errors(form, error: PortalError) -> None:
    for item in error.as_error_list():
        form.add_error(item["field"] if item["field"] in form.fields else None, item["message"])


@portal_view(MANAGE_WEBHOOKS)
def webhook_list(request):
    form = WebhookSubscriptionForm(request.POST or None)
    created, secret = None, None
    if request.method == "POST" and form.is_valid():
        try:
            created, secret = services.webhook_subscription_create(
                vendor=request.scope.vendor,
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                description=form.cleaned_data["description"],
                actor=Actor.from_request(request),
            )
        except PortalError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Subscription created. Copy its secret now: it will not be shown again."))
            form = WebhookSubscriptionForm()
    subscriptions = WebhookSubscription.objects.visible_to(request.scope).select_related("created_by")
    return render(request, "webhooks/webhook_list.html", {"form": form, "subscriptions": subscriptions, "created": created, "secret": secret})


def _detail(request, subscription, *, form=None, secret=None):
    if form is None:
        form = WebhookSubscriptionForm(initial={"url": subscription.url, "events": subscription.events, "description": subscription.description})
    deliveries = WebhookDelivery.objects.visible_to(request.scope).filter(subscription=subscription).defer("payload").order_by("-created_at", "-id")
    wanted = request.GET.get("status")
    if wanted in DeliveryStatus.values:
        deliveries = deliveries.filter(status=wanted)
    page = keyset_page(deliveries, request.GET, page_size=DELIVERIES_PER_PAGE)
    events = AuditEvent.objects.visible_to(request.scope).for_object(subscription)[:50]
    context = {
        "subscription": subscription,
        "form": form,
        "secret": secret,
        "page": page,
        "events": events,
        "statuses": DeliveryStatus.choices,
        "wanted_status": wanted,
    }
    return render(request, "webhooks/webhook_detail.html", context)


@portal_view(MANAGE_WEBHOOKS)
def webhook_detail(request, pk):
    subscription = get_visible_or_404(WebhookSubscription, request.scope, pk=pk)
    if request.method != "POST":
        return _detail(request, subscription)
    form = WebhookSubscriptionForm(request.POST)
    if form.is_valid():
        try:
            services.webhook_subscription_update(
                scope=request.scope,
                subscription_id=subscription.pk,
                actor=Actor.from_request(request),
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                description=form.cleaned_data["description"],
            )
        except PortalError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Subscription saved."))
            return redirect("webhook_detail", pk=subscription.pk)
    return _detail(request, subscription, form=form)


@portal_view(MANAGE_WEBHOOKS)
@require_POST
def webhook_set_active(request, pk):
    subscription = get_visible_or_404(WebhookSubscription, request.scope, pk=pk)
    activate = request.POST.get("active") == "1"
    try:
        services.webhook_subscription_update(
            scope=request.scope, subscription_id=subscription.pk, is_active=activate, actor=Actor.from_request(request)
        )
    except PortalError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Subscription activated.") if activate else _("Subscription deactivated: nothing is sent to it until you activate it again.")
        )
    return redirect("webhook_detail", pk=subscription.pk)


@portal_view(MANAGE_WEBHOOKS)
@require_POST
def webhook_rotate_secret(request, pk):
    subscription = get_visible_or_404(WebhookSubscription, request.scope, pk=pk)
    hours = request.POST.get("keep_old_for_hours", "0")
    try:
        subscription, secret = services.webhook_subscription_rotate_secret(
            scope=request.scope,
            subscription_id=subscription.pk,
            actor=Actor.from_request(request),
            keep_old_for_hours=int(hours) if hours.isdigit() else -1,
        )
    except DomainValidationError as error:
        messages.error(request, error.message)
        return redirect("webhook_detail", pk=subscription.pk)
    messages.success(request, _("New secret set. Copy it now: it will not be shown again, and deliveries are signed with it from now on."))
    return _detail(request, subscription, secret=secret)


@portal_view(MANAGE_WEBHOOKS)
@require_POST
def webhook_ping(request, pk):
    subscription = get_visible_or_404(WebhookSubscription, request.scope, pk=pk)
    try:
        services.webhook_subscription_ping(scope=request.scope, subscription_id=subscription.pk, actor=Actor.from_request(request))
    except PortalError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Test event queued: its delivery appears below."))
    return redirect("webhook_detail", pk=subscription.pk)


@portal_view(MANAGE_WEBHOOKS)
@require_POST
def webhook_delete(request, pk):
    subscription = get_visible_or_404(WebhookSubscription, request.scope, pk=pk)
    services.webhook_subscription_delete(scope=request.scope, subscription_id=subscription.pk, actor=Actor.from_request(request))
    messages.success(request, _("Subscription deleted."))
    return redirect("webhook_list")


@portal_view(MANAGE_WEBHOOKS)
@require_POST
def webhook_delivery_resend_view(request, pk):
    delivery = get_visible_or_404(WebhookDelivery.objects.defer("payload"), request.scope, pk=pk)
    try:
        services.webhook_delivery_resend(scope=request.scope, delivery_id=delivery.pk, actor=Actor.from_request(request))
    except PortalError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Delivery queued again."))
    return redirect("webhook_detail", pk=delivery.subscription_id)
