from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvoicingConfig(AppConfig):
    name = "invoicing"
    verbose_name = _("Invoicing")

    def ready(self):
        from vendor_portal import events
        from vendor_portal.navigation import DetailPanel, NavItem, NeedsMe, register_detail_panel, register_nav, register_needs_me
        from vendor_portal.roles import Action

        from .services import submission  # noqa: F401  registers the invoice_submission approval kind
        from .services.drafts import drafts_take_tax_registration
        from .views import approval_review

        events.subscribe(events.TaxRegistrationChanged, drafts_take_tax_registration, when=events.IN_TRANSACTION)

        # The checker sees the invoice and its pre-flight on the approval request.
        register_detail_panel(DetailPanel(f"approval:{submission.APPROVAL_KIND}", "invoicing/_approval_review.html", None, approval_review))

        register_nav(NavItem(_("Invoices"), "invoice_list", Action.VIEW_INVOICES, order=40))
        register_needs_me(
            NeedsMe(
                _("Invoice drafts and rejected invoices"),
                "/invoices/?state=draft&state=rejected",
                Action.MANAGE_INVOICES,
                lambda request, scope: _attention(scope),
                order=40,
                side="vendor",
            )
        )
        register_needs_me(
            NeedsMe(
                _("ASNs ready to invoice"),
                "/invoices/new/from-asn/",
                Action.MANAGE_INVOICES,
                lambda request, scope: _ready_to_invoice(scope),
                order=39,
                side="vendor",
            )
        )
        register_needs_me(
            NeedsMe(
                _("Invoices waiting for the retailer"),
                "/invoices/?state=submitted",
                Action.RUN_PAYMENTS,
                lambda request, scope: _submitted(scope),
                order=41,
                side="retailer",
            )
        )
        # Held by the 3-way match until goods arrive, or by accounts payable: both sides want to know why.
        register_needs_me(
            NeedsMe(_("Invoices on hold"), "/invoices/?state=on_hold", Action.VIEW_INVOICES, lambda request, scope: _on_hold(scope), order=42)
        )


def _attention(scope) -> int:
    from .selectors import invoices_needing_attention

    return invoices_needing_attention(scope=scope)


def _ready_to_invoice(scope) -> int:
    from .selectors import shipments_to_invoice

    return shipments_to_invoice(scope=scope).count()


def _on_hold(scope) -> int:
    from .models import Invoice, InvoiceState

    return Invoice.objects.visible_to(scope).filter(state=InvoiceState.ON_HOLD).count()


def _submitted(scope) -> int:
    from .models import Invoice, InvoiceState

    return Invoice.objects.visible_to(scope).filter(state=InvoiceState.SUBMITTED).count()
