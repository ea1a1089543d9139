"""The compliance screens: the vendor's fines forecast and rate card; the retailer admin's rate card versions."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vendor_portal.confirmation import confirm_first
from vendor_portal.decorators import portal_view
from vendor_portal.errors import PortalError
from vendor_portal.models import Marketplace, marketplace_today
from vendor_portal.roles import Action
from vendor_portal.services.audit import Actor

from . import measures
from .forms import PublishForm, RuleForm, WaiverForm
from .models import RateCard, RateCardRule, Waiver
from .services import rate_cards
from .services.forecast import compliance_forecast


def _marketplaces(scope):
    return [m for m in Marketplace.objects.order_by("code") if scope.sees_marketplace(m.pk)]


def _can_manage(scope) -> bool:
    return scope.is_retailer and scope.can(Action.MANAGE_COMPLIANCE)


def _card(request, pk) -> RateCard:
    """Vendors read published versions of their marketplaces; drafts are the retailer's."""
    card = get_object_or_404(RateCard.objects.select_related("marketplace"), pk=pk)
    if not request.scope.sees_marketplace(card.marketplace_id) or (card.is_draft and not request.scope.is_retailer):
        raise Http404
    return card


@portal_view(Action.VIEW_PURCHASE_ORDERS)
def compliance_home(request):
    scope = request.scope
    rows = []
    for marketplace in _marketplaces(scope):
        today = measures.week_start(marketplace_today(marketplace))
        versions = list(RateCard.objects.filter(marketplace=marketplace).order_by("-version"))
        if not scope.is_retailer:
            versions = [card for card in versions if not card.is_draft]
        rows.append({"marketplace": marketplace, "in_force": RateCard.objects.in_force(marketplace, today), "versions": versions})
    context = {"rows": rows, "can_manage": _can_manage(scope)}
    if scope.vendor is not None:
        context["forecasts"] = [f for f in compliance_forecast(scope=scope) if f.status != "on_track"]
    return render(request, "compliance/home.html", context)


@portal_view(Action.VIEW_PURCHASE_ORDERS)
def rate_card_detail(request, pk):
    card = _card(request, pk)
    editable = card.is_draft and _can_manage(request.scope)
    context = {
        "card": card,
        "rules": card.rules.prefetch_related("waivers"),
        "editable": editable,
        "rule_form": RuleForm(prefix="new") if editable else None,
        "publish_form": PublishForm(initial={"effective_from": rate_cards.first_publishable_week(card.marketplace)}) if editable else None,
    }
    return render(request, "compliance/rate_card.html", context)


@portal_view(Action.MANAGE_COMPLIANCE)
@require_POST
def rate_card_edit(request, code):
    """Open the marketplace's draft, or start one from the version in force."""
    marketplace = get_object_or_404(Marketplace, code=code)
    try:
        draft = rate_cards.rate_card_draft(scope=request.scope, actor=Actor.from_request(request), marketplace=marketplace)
    except PortalError as error:
        messages.error(request, error.message)
        return redirect("compliance_home")
    return redirect("rate_card_detail", pk=draft.pk)


def _rule_form_post(request, card, rule=None):
    form = RuleForm(request.POST, prefix="new" if rule is None else f"rule-{rule.pk}")
    if form.is_valid():
        try:
            rate_cards.rate_card_rule_save(scope=request.scope, actor=Actor.from_request(request), rate_card=card, data=form.cleaned_data, rule=rule)
        except PortalError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The rule is saved."))
            return redirect("rate_card_detail", pk=card.pk)
    return form


@portal_view(Action.MANAGE_COMPLIANCE)
@require_POST
def rule_add(request, pk):
    card = _card(request, pk)
    result = _rule_form_post(request, card)
    if not isinstance(result, RuleForm):
        return result
    context = {
        "card": card,
        "rules": card.rules.prefetch_related("waivers"),
        "editable": card.is_draft,
        "rule_form": result,
        "publish_form": PublishForm(),
    }
    return render(request, "compliance/rate_card.html", context, status=400)


@portal_view(Action.MANAGE_COMPLIANCE)
def rule_edit(request, pk, rule_pk):
    card = _card(request, pk)
    rule = get_object_or_404(RateCardRule, pk=rule_pk, rate_card=card)
    if request.method == "POST":
        result = _rule_form_post(request, card, rule)
        if not isinstance(result, RuleForm):
            return result
        form = result
    else:
        initial = {name: getattr(rule, name) for name in rate_cards.RULE_FIELDS}
        form = RuleForm(prefix=f"rule-{rule.pk}", initial=initial)
    return render(request, "compliance/rule_edit.html", {"card": card, "rule": rule, "form": form, "waiver_form": WaiverForm(prefix="waiver")})


@portal_view(Action.MANAGE_COMPLIANCE)
@require_POST
def rule_delete(request, pk, rule_pk):
    card = _card(request, pk)
    rule = get_object_or_404(RateCardRule, pk=rule_pk, rate_card=card)
    try:
        rate_cards.rate_card_rule_delete(scope=request.scope, actor=Actor.from_request(request), rule=rule)
    except PortalError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The rule is removed from the draft."))
    return redirect("rate_card_detail", pk=card.pk)


@portal_view(Action.MANAGE_COMPLIANCE)
@require_POST
def waiver_add(request, pk, rule_pk):
    card = _card(request, pk)
    rule = get_object_or_404(RateCardRule, pk=rule_pk, rate_card=card)
    form = WaiverForm(request.POST, prefix="waiver")
    if form.is_valid():
        try:
            rate_cards.waiver_save(scope=request.scope, actor=Actor.from_request(request), rule=rule, data=form.cleaned_data)
        except PortalError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The waiver is added."))
            return redirect("rule_edit", pk=card.pk, rule_pk=rule.pk)
    initial = {name: getattr(rule, name) for name in rate_cards.RULE_FIELDS}
    context = {"card": card, "rule": rule, "form": RuleForm(prefix=f"rule-{rule.pk}", initial=initial), "waiver_form": form}
    return render(request, "compliance/rule_edit.html", context, status=400)


@portal_view(Action.MANAGE_COMPLIANCE)
@require_POST
def waiver_delete(request, pk, waiver_pk):
    card = _card(request, pk)
    waiver = get_object_or_404(Waiver.objects.select_related("rule"), pk=waiver_pk, rule__rate_card=card)
    try:
        rate_cards.waiver_delete(scope=request.scope, actor=Actor.from_request(request), waiver=waiver)
    except PortalError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The waiver is removed."))
    return redirect("rule_edit", pk=card.pk, rule_pk=waiver.rule_id)


@portal_view(Action.MANAGE_COMPLIANCE)
@require_POST
def rate_card_publish(request, pk):
    card = _card(request, pk)
    form = PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the Monday the rate card takes effect."))
        return redirect("rate_card_detail", pk=card.pk)
    effective_from = form.cleaned_data["effective_from"]
    confirmation = confirm_first(
        request,
        question=_("Publish version %(version)s of the %(marketplace)s rate card?") % {"version": card.version, "marketplace": card.marketplace.code},
        consequence=_("From %(date)s every vendor's weeks are judged by it, and it can no longer be edited.") % {"date": date_format(effective_from)},
        confirm_label=_("Publish"),
        cancel_url=request.path.rsplit("publish/", 1)[0],
    )
    if confirmation is not None:
        return confirmation
    try:
        rate_cards.rate_card_publish(scope=request.scope, actor=Actor.from_request(request), rate_card=card, effective_from=effective_from)
    except PortalError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Version %(version)s is published.") % {"version": card.version})
    return redirect("rate_card_detail", pk=card.pk)
