"""Planning objects of vendor A for the every-route tenancy walk (tests/vendor_portal/test_tenancy_walk.py)."""

from tests.planning.factories import publish, rows_for, shared_promotion


def build(world, vendor):
    product = world["product"]  # its title carries the walk's secret marker
    publish(vendor, rows_for(product, "US", 4))
    world["promotion"] = shared_promotion(vendor, [product], name="ACME-SECRET deal")


def _promotion(world):
    return {"pk": world["promotion"].pk}


URL_KWARGS: dict = {
    "forecast_product": lambda world: {"product_id": world["product"].pk},
    **{
        name: _promotion
        for name in (
            "promotion_detail",
            "promotion_edit",
            "promotion_share",
            "promotion_cancel",
            "promotion_reopen",
            "promotion_confirm",
            "promotion_decline",
            "promotion-detail",
            "promotion-share",
            "promotion-cancel",
            "promotion-confirmation",
        )
    },
}
