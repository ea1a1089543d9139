from django.core.management.base import BaseCommand, CommandError

from vendor_portal.errors import PortalError
from vendor_portal.models import ApiToken, Vendor
from vendor_portal.models.tokens import ALL_SCOPES
from vendor_portal.services.audit import Actor
from vendor_portal.services.tokens import api_token_create, api_token_revoke


class Command(BaseCommand):
    help = "Create, list or revoke integrators' API tokens. `create` prints the new token as its last line."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        create = sub.add_parser("create", help="create a token (shown once)")
        create.add_argument("--vendor", required=True, help="vendor code, e.g. ACME")
        create.add_argument("--name", required=True)
        create.add_argument("--scopes", nargs="*", default=None, help=f"default: all ({' '.join(ALL_SCOPES)})")
        listing = sub.add_parser("list", help="list tokens")
        listing.add_argument("--vendor", help="only this vendor's tokens")
        revoke = sub.add_parser("revoke", help="revoke a token at once")
        revoke.add_argument("prefix", help="the token's prefix as `list` shows it, or its id")

    def handle(self, *args, verb, **options):
        return getattr(self, f"handle_{verb}")(**options)

    def _vendor(self, code):
        vendor = Vendor.objects.filter(code=code.strip().upper()).first()
        if vendor is None:
            known = ", ".join(Vendor.objects.values_list("code", flat=True)) or "none yet (run seed_demo)"
            raise CommandError(f"Unknown vendor code {code!r}. Known vendor codes: {known}.")
        return vendor

    def handle_create(self, vendor, name, scopes, **_):
        vendor = self._vendor(vendor)
        if scopes is not None and len(scopes) == 1 and "," in scopes[0]:
            scopes = [s.strip() for s in scopes[0].split(",") if s.strip()]
        try:
            token, raw = api_token_create(vendor=vendor, name=name, scopes=scopes, actor=Actor.system())
        except PortalError as error:
            raise CommandError(error.message) from error
        self.stdout.write(f"Created token '{token.name}' for {vendor.code} with scopes: {', '.join(token.scopes)}")
        self.stdout.write("Store it now; it is shown only once:")
        self.stdout.write(raw)

    def handle_list(self, vendor=None, **_):
        tokens = ApiToken.objects.select_related("vendor").order_by("vendor__code", "-created_at")
        if vendor:
            tokens = tokens.filter(vendor=self._vendor(vendor))
        for token in tokens:
            state = "revoked" if token.revoked_at else ("active" if token.is_active else "expired")
            used = token.last_used_at.isoformat(timespec="seconds") if token.last_used_at else "never"
            self.stdout.write(f"{token.pk:>5}  {token.vendor.code:<8} {token.key_prefix:<14} {state:<8} last used {used:<25} {token.name}")

    def handle_revoke(self, prefix, **_):
        token = ApiToken.objects.filter(key_prefix=prefix).first()
        if token is None and prefix.isdigit():
            token = ApiToken.objects.filter(pk=int(prefix)).first()
        if token is None:
            raise CommandError(f"No token with prefix or id {prefix!r}. Use `api_token list` to see them.")
        try:
            api_token_revoke(token=token, actor=Actor.system())
        except PortalError as error:
            raise CommandError(error.message) from error
        self.stdout.write(f"Revoked token '{token.name}' ({token.key_prefix}) of {token.vendor.code}.")
