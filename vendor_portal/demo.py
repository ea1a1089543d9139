"""Demo data for `make run` and newcomers: idempotent, so running it twice changes nothing."""

import random
from decimal import Decimal

from django.db import transaction

from vendor_portal.gs1 import gs1_check_digit
from vendor_portal.models import BankDetails, Marketplace, Membership, Product, ProductCost, ShipFromAddress, User, Vendor, VendorAccount, Warehouse
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor, audit_record, snapshot

DEMO_PASSWORD = "demo"
# Published with the password (README): `seed_demo --totp` gives every demo user an authenticator app with this
# secret, to try the code step, and so that the production check (.ci/production_pages.py) signs in where two-factor
# sign-in is enforced. Never on an installation with real people.
DEMO_TOTP_SECRET = "VPDEMOTOTPSECRETFORDEMOUSERSONLY"

MARKETPLACES = [
    # code, name, Amazon marketplace id, currency, time zone, language, country
    ("US", "United States", "ATVPDKIKX0DER", "USD", "America/New_York", "en", "US"),
    ("CA", "Canada", "A2EUQ1WTGCTBG2", "CAD", "America/Toronto", "en", "CA"),
    ("UK", "United Kingdom", "A1F83G8C2ARO7P", "GBP", "Europe/London", "en", "GB"),
    ("DE", "Germany", "A1PA6795UKMFR9", "EUR", "Europe/Berlin", "de", "DE"),
    ("FR", "France", "A13V1IB3VIYZZH", "EUR", "Europe/Paris", "fr", "FR"),
]

# The retailer's entity each marketplace's vendors bill (Amazon's address shape) and its tax registration.
BILL_TO = {
    "US": (
        {
            "name": "Amazon.com Services LLC",
            "addressLine1": "410 Terry Avenue North",
            "city": "Seattle",
            "stateOrRegion": "WA",
            "postalOrZipCode": "98109",
            "countryCode": "US",
        },
        "91-1646860",
    ),
    "CA": (
        {
            "name": "Amazon.com.ca ULC",
            "addressLine1": "40 King Street West, 47th Floor",
            "city": "Toronto",
            "stateOrRegion": "ON",
            "postalOrZipCode": "M5H 3Y2",
            "countryCode": "CA",
        },
        "85730 5932 RT0001",
    ),
    "UK": (
        {
            "name": "Amazon EU S.à r.l., UK Branch",
            "addressLine1": "1 Principal Place",
            "addressLine2": "Worship Street",
            "city": "London",
            "postalOrZipCode": "EC2A 2FA",
            "countryCode": "GB",
        },
        "GB727255821",
    ),
    "DE": (
        {
            "name": "Amazon EU S.à r.l., Niederlassung Deutschland",
            "addressLine1": "Marcel-Breuer-Straße 12",
            "city": "München",
            "postalOrZipCode": "80807",
            "countryCode": "DE",
        },
        "DE814584193",
    ),
    "FR": (
        {
            "name": "Amazon EU S.à r.l., Succursale Française",
            "addressLine1": "67 boulevard du Général Leclerc",
            "city": "Clichy",
            "postalOrZipCode": "92110",
            "countryCode": "FR",
        },
        "FR12487773327",
    ),
}
# Each demo vendor's tax registration per marketplace.
VENDOR_TAX_IDS = {
    "ACME": {"US": "98-7654321", "CA": "712345678RT0001", "UK": "GB123456789", "DE": "DE123456789", "FR": "FR12345678901"},
    "GLOBEX": {"US": "98-1234567", "CA": "798765432RT0001", "UK": "GB987654321", "DE": "DE987654321", "FR": "FR98765432109"},
}

WAREHOUSES = [
    # code, marketplace, name, line1, city, region, postal code, country, time zone
    ("ABE2", "US", "ABE2 Fulfillment Center", "705 Boulder Drive", "Breinigsville", "PA", "18031", "US", "America/New_York"),
    ("ONT8", "US", "ONT8 Fulfillment Center", "24300 Nandina Avenue", "Moreno Valley", "CA", "92551", "US", "America/Los_Angeles"),
    ("YYZ4", "CA", "YYZ4 Fulfillment Centre", "8050 Heritage Road", "Brampton", "ON", "L6Y 0C9", "CA", "America/Toronto"),
    ("FRA3", "DE", "FRA3 Logistikzentrum", "Amazonstraße 1", "Bad Hersfeld", "HE", "36251", "DE", "Europe/Berlin"),
]

VENDORS = [
    # code, name, GS1 company prefix, ship-from
    ("ACME", "Acme Home Goods Co., Ltd.", "0614141", ("Acme Shenzhen DC", "18 Keji Road", "Shenzhen", "GD", "518057", "CN")),
    ("GLOBEX", "Globex Outdoor GmbH", "0712345", ("Globex Lager", "Industriestraße 5", "Hamburg", "HH", "20095", "DE")),
]

VENDOR_USERS = [("admin", Role.VENDOR_ADMIN), ("ops", Role.VENDOR_OPS), ("finance", Role.VENDOR_FINANCE), ("integrator", Role.INTEGRATOR)]
RETAILER_USERS = [
    ("retail-buyer", Role.BUYER),
    ("retail-receiving", Role.RECEIVING),
    ("retail-ap", Role.ACCOUNTS_PAYABLE),
    ("retail-admin", Role.RETAILER_ADMIN),
]

PRODUCT_WORDS = {
    "ACME": ["Kettle", "Toaster", "Blender", "Rice Cooker", "Air Fryer", "Desk Lamp", "Fan", "Humidifier", "Scale", "Mixer"],
    "GLOBEX": ["Tent", "Sleeping Bag", "Backpack", "Headlamp", "Camp Stove", "Trekking Pole", "Water Filter", "Cooler", "Hammock", "Lantern"],
}
PRODUCT_VARIANTS = ["Classic", "Pro", "Mini", "Plus", "Max"]
CASE_PACKS = [1, 4, 6, 6, 12, 12, 24]


def demo_gtin(vendor_prefix: str, item: int) -> str:
    """A GTIN-13 under the vendor's GS1 prefix, check digit computed."""
    body = (vendor_prefix[-7:] + str(item).zfill(5))[:12]
    return body + str(gs1_check_digit(body))


def demo_users() -> list[tuple[str, str]]:
    rows = []
    for code, *_ in VENDORS:
        for suffix, role in VENDOR_USERS:
            rows.append((f"{code.lower()}-{suffix}", f"{code} {role.label}"))
    rows.extend((username, f"Retailer {role.label}") for username, role in RETAILER_USERS)
    return rows


@transaction.atomic
def seed_foundation() -> dict:
    marketplaces = {}
    for code, name, amazon_id, currency, tz, language, country in MARKETPLACES:
        marketplaces[code] = _upsert(
            Marketplace,
            {"code": code},
            {
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
    for code, mp, name, line1, city, region, postal, country, tz in WAREHOUSES:
        _upsert(
            Warehouse,
            {"code": code},
            {
                "marketplace": marketplaces[mp],
                "name": name,
                "line1": line1,
                "city": city,
                "state_or_region": region,
                "postal_code": postal,
                "country_code": country,
                "time_zone": tz,
                "receiving_hours": "Mon-Fri 06:00-22:00",
            },
        )
    vendors = {}
    for code, name, prefix, (sf_name, sf_line1, sf_city, sf_region, sf_postal, sf_country) in VENDORS:
        vendor = _upsert(Vendor, {"code": code}, {"name": name, "gs1_company_prefix": prefix})
        vendors[code] = vendor
        for mp_code in ("US", "CA", "UK", "DE", "FR"):
            _create_missing(
                VendorAccount,
                {"vendor": vendor, "marketplace": marketplaces[mp_code]},
                {"vendor_code": f"{code[:4]}{mp_code}", "tax_registration_number": VENDOR_TAX_IDS.get(code, {}).get(mp_code, "")},
            )
        _create_missing(
            ShipFromAddress,
            {"vendor": vendor, "code": "MAIN"},
            {"name": sf_name, "line1": sf_line1, "city": sf_city, "state_or_region": sf_region, "postal_code": sf_postal, "country_code": sf_country},
        )
        _create_missing(
            BankDetails,
            {"vendor": vendor},
            {
                "account_holder": name,
                "bank_name": "Demo Bank",
                "account_number": f"DE8937040044053201{3000 + vendor.pk:04d}",
                "routing_code": "COBADEFFXXX",
                "currency": "USD",
                "remit_to_address": f"{name}\n{sf_line1}\n{sf_city}",
            },
        )
        for suffix, role in VENDOR_USERS:
            user = _user(f"{code.lower()}-{suffix}", first_name=code.title(), last_name=role.label)
            _create_missing(Membership, {"user": user, "vendor": vendor, "role": role}, {})
        _seed_products(vendor, marketplaces)
    for username, role in RETAILER_USERS:
        user = _user(username, first_name="Retail", last_name=role.label, is_staff=role == Role.RETAILER_ADMIN)
        _create_missing(Membership, {"user": user, "vendor": None, "role": role}, {})
    return {"marketplaces": marketplaces, "vendors": vendors}


# The demo writes like any other door: every row it creates or changes gets its audit row (channel system).
_SEED = Actor.system()


def _seeded(obj, *, before=None, vendor=None):
    # A person's audited fields leave the password hash out.
    fields = ["username", "first_name", "last_name", "email", "is_staff"] if isinstance(obj, User) else None
    audit_record(actor=_SEED, action=f"{obj._meta.model_name}.seed", obj=obj, vendor=vendor, before=before, after=snapshot(obj, fields))


def _upsert(model, lookup: dict, values: dict):
    """Create the row, or bring a changed one back to the demo's values; an unchanged row is not written."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model.objects.create(**lookup, **values)
        _seeded(obj)
        return obj
    changed = [field for field, value in values.items() if getattr(obj, field) != value]
    if changed:
        before = snapshot(obj, changed)
        for field in changed:
            setattr(obj, field, values[field])
        obj.save(update_fields=changed)
        _seeded(obj, before=before)
    return obj


def _create_missing(model, lookup: dict, values: dict):
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model.objects.create(**lookup, **values)
        _seeded(obj, vendor=lookup.get("vendor"))
    return obj


def _user(username: str, **fields) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, email=f"{username}@example.com", **fields)
        user.set_password(DEMO_PASSWORD)
        user.is_superuser = bool(fields.get("is_staff"))
        user.save()
        _seeded(user)
    return user


def _seed_products(vendor: Vendor, marketplaces: dict) -> None:
    rng = random.Random(vendor.code)
    words = PRODUCT_WORDS[vendor.code]
    existing = set(Product.objects.filter(vendor=vendor).values_list("vendor_sku", flat=True))
    for index in range(25):
        sku = f"{vendor.code[:3]}-{index + 1:04d}"
        if sku in existing:
            continue
        word = words[index % len(words)]
        variant = PRODUCT_VARIANTS[index // len(words) % len(PRODUCT_VARIANTS)]
        product = Product.objects.create(
            vendor=vendor,
            asin=f"B0{vendor.code[0]}{index + 1:07d}",
            vendor_sku=sku,
            gtin=demo_gtin(vendor.gs1_company_prefix, index + 1),
            title=f"{vendor.name.split()[0]} {word} {variant}",
            case_pack=CASE_PACKS[index % len(CASE_PACKS)],
            minimum_order_quantity=CASE_PACKS[index % len(CASE_PACKS)],
            carton_length_cm=Decimal("40.00"),
            carton_width_cm=Decimal("30.00"),
            carton_height_cm=Decimal("25.00"),
            carton_weight_kg=Decimal(rng.randint(2000, 15000)) / 1000,
        )
        _seeded(product)
        base = Decimal(rng.randint(500, 9000)) / 100
        for _code, marketplace in marketplaces.items():
            rate = {"USD": Decimal("1"), "CAD": Decimal("1.36"), "GBP": Decimal("0.79"), "EUR": Decimal("0.92")}[marketplace.currency]
            cost = (base * rate).quantize(Decimal("0.01"))
            product_cost = ProductCost.objects.create(
                product=product,
                marketplace=marketplace,
                cost=cost,
                currency=marketplace.currency,
                list_price=(cost * Decimal("1.8")).quantize(Decimal("0.01")),
            )
            _seeded(product_cost, vendor=vendor)


@transaction.atomic
def seed_demo_totp() -> int:
    """Every demo user's authenticator app holds DEMO_TOTP_SECRET, ready for its next code (a second run starts over)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from vendor_portal.services.two_factor import AUTHENTICATOR_NAME, hex_from_base32

    key = hex_from_base32(DEMO_TOTP_SECRET)
    users = User.objects.filter(username__in=[username for username, _ in demo_users()])
    for user in users:
        _device, created = TOTPDevice.objects.update_or_create(
            user=user,
            name=AUTHENTICATOR_NAME,
            defaults={"key": key, "confirmed": True, "last_t": -1, "drift": 0, "throttling_failure_count": 0, "throttling_failure_timestamp": None},
        )
        if created:
            audit_record(actor=_SEED, action="user.two_factor_enrol", obj=user, after={"device": AUTHENTICATOR_NAME, "demo_secret": True})
    return len(users)
