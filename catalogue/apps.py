from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "catalogue"
    verbose_name = _("Item setup and cost changes")

    def ready(self):
        from vendor_portal.navigation import NavItem, NeedsMe, register_nav, register_needs_me
        from vendor_portal.roles import Action

        register_nav(NavItem(_("New items"), "item_proposal_list", Action.VIEW_CATALOGUE, order=61))
        register_nav(NavItem(_("Cost changes"), "cost_change_list", Action.VIEW_CATALOGUE, order=62))
        register_needs_me(
            NeedsMe(_("Items to review"), "/catalogue/items/?state=submitted", Action.REVIEW_CATALOGUE, _items_to_review, side="retailer")
        )
        register_needs_me(
            NeedsMe(
                _("Cost changes to decide"), "/catalogue/cost-changes/?state=proposed", Action.REVIEW_CATALOGUE, _costs_to_decide, side="retailer"
            )
        )
        register_needs_me(
            NeedsMe(_("Items returned to you"), "/catalogue/items/?state=returned", Action.PROPOSE_CATALOGUE, _items_returned, side="vendor")
        )
        register_needs_me(
            NeedsMe(_("Counter offers to answer"), "/catalogue/cost-changes/?state=countered", Action.PROPOSE_CATALOGUE, _countered, side="vendor")
        )


def _items_to_review(request, scope) -> int:
    from .models import ItemProposal, ProposalState

    return ItemProposal.objects.visible_to(scope).filter(state=ProposalState.SUBMITTED).count()


def _items_returned(request, scope) -> int:
    from .models import ItemProposal, ProposalState

    return ItemProposal.objects.visible_to(scope).filter(state=ProposalState.RETURNED).count()


def _costs_to_decide(request, scope) -> int:
    from .models import CostChangeRequest, CostChangeState

    return CostChangeRequest.objects.visible_to(scope).filter(state=CostChangeState.PROPOSED).count()


def _countered(request, scope) -> int:
    from .models import CostChangeRequest, CostChangeState

    return CostChangeRequest.objects.visible_to(scope).filter(state=CostChangeState.COUNTERED).count()
