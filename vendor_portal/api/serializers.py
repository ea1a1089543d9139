from rest_framework import serializers

from vendor_portal.forms import validate_person_name
from vendor_portal.models import (
    ApprovalRequest,
    AuditEvent,
    BankDetails,
    Notification,
    Product,
    ProductCost,
    Vendor,
    VendorAccount,
)
from vendor_portal.roles import VENDOR_ROLES, Role
from vendor_portal.selectors import member_marketplaces


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at", "is_read"]

    def get_is_read(self, obj) -> bool:
        return obj.read_at is not None


class NotificationReadSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(), required=False, help_text="Omit to mark all as read.")


class AuditEventSerializer(serializers.ModelSerializer):
    vendor = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "occurred_at",
            "actor_label",
            "channel",
            "vendor",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "before",
            "after",
            "request_id",
        ]


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    vendor = serializers.CharField(allow_null=True)
    is_retailer = serializers.BooleanField()
    roles = serializers.ListField(child=serializers.CharField())
    token_scopes = serializers.ListField(child=serializers.CharField(), allow_null=True)
    marketplaces = serializers.ListField(child=serializers.CharField(), allow_null=True)


class NotificationReadResultSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many messages were unread and are now read.")
    detail = serializers.CharField()


# Catalogue ---------------------------------------------------------------------------------------------
class ProductCostSerializer(serializers.ModelSerializer):
    marketplace = serializers.CharField(source="marketplace.code")

    class Meta:
        model = ProductCost
        fields = ["marketplace", "cost", "currency", "list_price", "effective_from"]


class ProductSerializer(serializers.ModelSerializer):
    vendor = serializers.CharField(source="vendor.code")
    costs = ProductCostSerializer(many=True, source="visible_costs", help_text="Cost per marketplace you may see.")

    class Meta:
        model = Product
        fields = [
            "id",
            "vendor",
            "asin",
            "vendor_sku",
            "gtin",
            "title",
            "case_pack",
            "minimum_order_quantity",
            "carton_length_cm",
            "carton_width_cm",
            "carton_height_cm",
            "carton_weight_kg",
            "is_active",
            "costs",
        ]


# Maker/checker -----------------------------------------------------------------------------------------
class ApprovalSerializer(serializers.ModelSerializer):
    vendor = serializers.CharField(source="vendor.code", default=None, allow_null=True)
    requested_by = serializers.CharField(source="requested_by.username")
    decided_by = serializers.CharField(source="decided_by.username", default=None, allow_null=True)
    payload = serializers.DictField(source="shown_payload", help_text="The requested change, as the checker sees it (a bank account number masked).")

    class Meta:
        model = ApprovalRequest
        fields = [
            "id",
            "kind",
            "summary",
            "status",
            "vendor",
            "payload",
            "target_type",
            "target_id",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "decision_note",
        ]


class ApprovalDecisionInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "reject"])
    note = serializers.CharField(required=False, allow_blank=True, help_text="The reason, kept with the decision and sent to the requester.")


# Bank details ------------------------------------------------------------------------------------------
class MaskedBankDetailsSerializer(serializers.ModelSerializer):
    account_number = serializers.CharField(source="masked_account_number", help_text="Only the last four characters are shown.")

    class Meta:
        model = BankDetails
        fields = ["account_holder", "bank_name", "account_number", "routing_code", "currency", "remit_to_address", "updated_at"]


class BankDetailsSerializer(serializers.Serializer):
    current = MaskedBankDetailsSerializer(allow_null=True, help_text="What payments use now; null before the first approved change.")
    pending = ApprovalSerializer(many=True, help_text="Changes waiting for a second person.")


class BankDetailsChangeInputSerializer(serializers.Serializer):
    account_holder = serializers.CharField(max_length=200)
    bank_name = serializers.CharField(max_length=200)
    account_number = serializers.CharField(max_length=64, help_text="Account number or IBAN; spaces are dropped.")
    routing_code = serializers.CharField(max_length=32, help_text="Routing code or SWIFT/BIC.")
    currency = serializers.CharField(max_length=3, help_text="ISO 4217, e.g. USD.")
    remit_to_address = serializers.CharField(required=False, allow_blank=True)


# Team --------------------------------------------------------------------------------------------------
VENDOR_ROLE_CHOICES = [(role.value, role.label) for role in Role if role in VENDOR_ROLES]


class TeamMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    username = serializers.CharField()
    email = serializers.EmailField()
    first_name = serializers.CharField(allow_blank=True)
    last_name = serializers.CharField(allow_blank=True)
    is_active = serializers.BooleanField()
    last_login = serializers.DateTimeField(allow_null=True)
    roles = serializers.SerializerMethodField()
    marketplaces = serializers.SerializerMethodField(help_text="Marketplace codes the person is limited to; null for every marketplace.")

    def get_roles(self, user) -> list[str]:
        return [membership.role for membership in user.vendor_memberships]

    def get_marketplaces(self, user) -> list[str] | None:
        return member_marketplaces(user.vendor_memberships)


class TeamInvitationSerializer(serializers.Serializer):
    """An invitation to a person who already has an account: only their username until they accept."""

    id = serializers.IntegerField(source="pk")
    username = serializers.CharField(source="user.username")
    roles = serializers.ListField(child=serializers.ChoiceField(choices=VENDOR_ROLE_CHOICES))
    marketplaces = serializers.SerializerMethodField(help_text="Marketplace codes the roles will be limited to; empty for every marketplace.")
    status = serializers.CharField(help_text="pending, accepted, declined or withdrawn.")
    created_at = serializers.DateTimeField()

    def get_marketplaces(self, invitation) -> list[str]:
        return sorted(marketplace.code for marketplace in invitation.marketplaces.all())


class MyInvitationSerializer(serializers.Serializer):
    """An invitation to the signed-in person: which vendor, with which roles, from whom."""

    id = serializers.IntegerField(source="pk")
    vendor = serializers.CharField(source="vendor.code")
    vendor_name = serializers.CharField(source="vendor.name")
    roles = serializers.ListField(child=serializers.ChoiceField(choices=VENDOR_ROLE_CHOICES))
    marketplaces = serializers.SerializerMethodField(help_text="Marketplace codes the roles are limited to; empty for every marketplace.")
    invited_by = serializers.CharField(source="invited_by.username")
    status = serializers.CharField(help_text="pending, accepted, declined or withdrawn.")
    created_at = serializers.DateTimeField()

    def get_marketplaces(self, invitation) -> list[str]:
        return sorted(marketplace.code for marketplace in invitation.marketplaces.all())


class InvitationAnswerInputSerializer(serializers.Serializer):
    answer = serializers.ChoiceField(choices=["accept", "decline"])
    make_default = serializers.BooleanField(required=False, default=False, help_text="Start in this vendor when signing in.")


class TeamMemberChangeInputSerializer(serializers.Serializer):
    roles = serializers.ListField(child=serializers.ChoiceField(choices=VENDOR_ROLE_CHOICES), allow_empty=False, required=False)
    marketplaces = serializers.ListField(
        child=serializers.CharField(max_length=2), required=False, help_text="Marketplace codes; empty for every marketplace."
    )


class TeamMemberInviteInputSerializer(TeamMemberChangeInputSerializer):
    username = serializers.RegexField(r"^[a-z0-9._-]{3,40}$", max_length=40, help_text="3-40 lower-case letters, digits, dots, dashes.")
    email = serializers.EmailField()
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True, validators=[validate_person_name])
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True, validators=[validate_person_name])
    roles = serializers.ListField(child=serializers.ChoiceField(choices=VENDOR_ROLE_CHOICES), allow_empty=False)


# Vendors (retailer) ------------------------------------------------------------------------------------
class VendorAccountSerializer(serializers.ModelSerializer):
    marketplace = serializers.CharField(source="marketplace.code")

    class Meta:
        model = VendorAccount
        fields = ["marketplace", "vendor_code"]


class VendorSerializer(serializers.ModelSerializer):
    accounts = VendorAccountSerializer(many=True, help_text="The vendor's code (selling party) per marketplace.")
    people = serializers.IntegerField(help_text="People with a role at the vendor.")
    tokens = serializers.IntegerField(help_text="API tokens not revoked.")

    class Meta:
        model = Vendor
        fields = ["code", "name", "gs1_company_prefix", "invoice_approval_threshold", "is_active", "created_at", "accounts", "people", "tokens"]


class VendorOnboardInputSerializer(serializers.Serializer):
    code = serializers.RegexField(r"^[A-Za-z0-9]{2,12}$", help_text="2-12 letters or digits, e.g. ACME.")
    name = serializers.CharField(max_length=200)
    gs1_company_prefix = serializers.RegexField(r"^\d{7,10}$", help_text="7 to 10 digits, from the vendor's GS1 membership.")
    marketplaces = serializers.ListField(child=serializers.CharField(max_length=2), allow_empty=False)
    admin_username = serializers.RegexField(r"^[a-z0-9._-]{3,40}$", help_text="The first vendor admin, e-mailed a link to choose a password.")
    admin_email = serializers.EmailField()
