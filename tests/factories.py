import factory
from factory.django import DjangoModelFactory

from tests.audit_check import audit_exempt
from vendor_portal.demo import BILL_TO, MARKETPLACES, demo_gtin
from vendor_portal.models import (
    ApiToken,
    Marketplace,
    Membership,
    Product,
    ProductCost,
    User,
    Vendor,
    VendorAccount,
    Warehouse,
)
from vendor_portal.roles import Role


class ArrangeFactory(DjangoModelFactory):
    """Factories arrange a test; what they create is not a change the test must see audited."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        with audit_exempt():
            return super()._create(model_class, *args, **kwargs)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        with audit_exempt():
            return super()._after_postgeneration(instance, create, results)


def marketplace(code: str = "US") -> Marketplace:
    row = next(m for m in MARKETPLACES if m[0] == code)
    _, name, amazon_id, currency, tz, language, country = row
    with audit_exempt():
        obj, _ = Marketplace.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "amazon_marketplace_id": amazon_id,
                "currency": currency,
                "time_zone": tz,
                "language": language,
                "country_code": country,
                "bill_to_address": BILL_TO[code][0],
                "bill_to_tax_id": BILL_TO[code][1],
            },
        )
    return obj


class VendorFactory(ArrangeFactory):
    class Meta:
        model = Vendor
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"V{n:04d}")
    name = factory.LazyAttribute(lambda o: f"{o.code} Trading Ltd")
    gs1_company_prefix = factory.Sequence(lambda n: f"08{n:05d}")


class WarehouseFactory(ArrangeFactory):
    class Meta:
        model = Warehouse
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"DC{n:02d}")
    name = factory.LazyAttribute(lambda o: f"{o.code} Fulfillment Center")
    marketplace = factory.LazyFunction(lambda: marketplace("US"))
    line1 = "705 Boulder Drive"
    city = "Breinigsville"
    state_or_region = "PA"
    postal_code = "18031"
    country_code = "US"
    time_zone = "America/New_York"


class UserFactory(ArrangeFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.django.Password("demo-password")


class MembershipFactory(ArrangeFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    vendor = factory.SubFactory(VendorFactory)
    role = Role.VENDOR_OPS


def vendor_user(vendor, role=Role.VENDOR_OPS, username=None, marketplaces=()) -> User:
    user = UserFactory(username=username or f"{vendor.code.lower()}-{role.replace('_', '-')}")
    membership = MembershipFactory(user=user, vendor=vendor, role=role)
    if marketplaces:
        with audit_exempt():
            membership.marketplaces.set(marketplaces)
    return user


def retailer_user(role=Role.BUYER, username=None) -> User:
    user = UserFactory(username=username or f"retail-{role.replace('_', '-')}")
    MembershipFactory(user=user, vendor=None, role=role)
    return user


class VendorAccountFactory(ArrangeFactory):
    class Meta:
        model = VendorAccount

    vendor = factory.SubFactory(VendorFactory)
    marketplace = factory.LazyFunction(lambda: marketplace("US"))
    vendor_code = factory.LazyAttribute(lambda o: f"{o.vendor.code[:4]}{o.marketplace.code}")


class ProductFactory(ArrangeFactory):
    class Meta:
        model = Product

    vendor = factory.SubFactory(VendorFactory)
    asin = factory.Sequence(lambda n: f"B0T{n:07d}")
    vendor_sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    gtin = factory.LazyAttributeSequence(lambda o, n: demo_gtin(o.vendor.gs1_company_prefix, n + 1))
    title = factory.Sequence(lambda n: f"Test product {n}")
    case_pack = 6
    minimum_order_quantity = 6


class ProductCostFactory(ArrangeFactory):
    class Meta:
        model = ProductCost

    product = factory.SubFactory(ProductFactory)
    marketplace = factory.LazyFunction(lambda: marketplace("US"))
    cost = "10.00"
    currency = "USD"


def api_token(vendor, scopes=None, name="ERP") -> tuple[ApiToken, str]:
    from vendor_portal.models.tokens import ALL_SCOPES

    raw, prefix, key_hash = ApiToken.generate()
    with audit_exempt():
        token = ApiToken.objects.create(vendor=vendor, name=name, key_prefix=prefix, key_hash=key_hash, scopes=scopes or ALL_SCOPES)
    return token, raw
