"""The portal-level API's routes with arguments, for the tenancy walk (tests/vendor_portal/test_tenancy_walk.py):
ACME's product, approval request, admin, vendor record, ship-from address and marketplace account, asked for by
GLOBEX's people and tokens."""


def build(world, vendor):
    from tests.audit_check import audit_exempt
    from tests.factories import UserFactory, VendorAccountFactory, marketplace
    from vendor_portal.models import MembershipInvitation, ShipFromAddress

    world["vendor"] = vendor
    with audit_exempt():
        world["invitation"] = MembershipInvitation.objects.create(
            vendor=vendor, user=UserFactory(username="acme-secret-invitee"), roles=["vendor_ops"], invited_by=world["admin"]
        )
        world["ship_from"] = ShipFromAddress.objects.create(
            vendor=vendor, code="ACMESECRET", name="ACME-SECRET warehouse", line1="1 Way", city="Reno", postal_code="89502", country_code="US"
        )
        world["vendor_account"] = VendorAccountFactory(
            vendor=vendor, marketplace=marketplace("FR"), vendor_code="ACMESECRET", tax_registration_number="FR12345678901"
        )


URL_KWARGS = {
    "product-detail": lambda w: {"pk": w["product"].pk},
    "product_case": lambda w: {"pk": w["product"].pk},
    "approval-detail": lambda w: {"pk": w["approval"].pk},
    "approval-decision": lambda w: {"pk": w["approval"].pk},
    "approval-withdraw": lambda w: {"pk": w["approval"].pk},
    "team-member-detail": lambda w: {"user_id": w["admin"].pk},
    "team_invitation_withdraw": lambda w: {"pk": w["invitation"].pk},
    "team-invitation-withdraw": lambda w: {"pk": w["invitation"].pk},
    "my-invitation-answer": lambda w: {"pk": w["invitation"].pk},
    "vendor-detail": lambda w: {"code": w["vendor"].code},
    "ship-from-address-detail": lambda w: {"pk": w["ship_from"].pk},
    "ship-from-address-retire": lambda w: {"pk": w["ship_from"].pk},
    "ship_from_detail": lambda w: {"pk": w["ship_from"].pk},
    "ship_from_retire": lambda w: {"pk": w["ship_from"].pk},
    "vendor-account-detail": lambda w: {"pk": w["vendor_account"].pk},
    "tax_registration_detail": lambda w: {"pk": w["vendor_account"].pk},
}
