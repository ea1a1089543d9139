"""Item setup and cost change objects of vendor A for the every-route tenancy walk (tests/vendor_portal/test_tenancy_walk.py)."""

import datetime

from catalogue.services.costs import CostChangeInput, cost_changes_propose
from catalogue.services.item_uploads import item_proposal_upload
from catalogue.services.items import item_proposal_create
from tests.catalogue.factories import item_input, vendor_scope_actor
from tests.factories import ProductCostFactory, marketplace
from vendor_portal.models import marketplace_today


def build(world, vendor):
    scope, actor = vendor_scope_actor(vendor, role="vendor_admin")
    world["item_proposal"] = item_proposal_create(
        scope=scope, data=item_input(sku="ACME-SECRET-NEW", title="ACME-SECRET glass kettle"), actor=actor, submit=True
    )
    # A confirmed new-items file whose job is queued (the walk runs no on_commit callbacks).
    world["item_upload"], world["item_upload_job"] = item_proposal_upload(
        scope=scope, file_name="ACME-SECRET-new-items.xlsx", content=b"ACME-SECRET", actor=actor
    )
    ProductCostFactory(product=world["product"])
    day = marketplace_today(marketplace("US")) + datetime.timedelta(days=7)
    (world["cost_change"],) = cost_changes_propose(
        scope=scope,
        changes=[CostChangeInput("US", world["product"].costs.get().cost + 1, day, "ACME-SECRET reason", vendor_sku=world["product"].vendor_sku)],
        actor=actor,
    )


def _item(world):
    return {"pk": world["item_proposal"].pk}


def _upload(world):
    return {"pk": world["item_upload"].pk}


def _cost(world):
    return {"pk": world["cost_change"].pk}


URL_KWARGS: dict = {
    **{
        name: _item
        for name in (
            "item_proposal_detail",
            "item_proposal_edit",
            "item_proposal_submit",
            "item_proposal_review",
            "item-proposal-detail",
            "item-proposal-submit",
            "item-proposal-approve",
            "item-proposal-return",
        )
    },
    "item_proposal_upload_status": _upload,
    "item_proposal_upload_progress": _upload,
    "item-proposal-upload-detail": _upload,
    **{
        name: _cost
        for name in (
            "cost_change_detail",
            "cost_change_decide",
            "cost-change-detail",
            "cost-change-accept",
            "cost-change-counter",
            "cost-change-reject",
        )
    },
}
