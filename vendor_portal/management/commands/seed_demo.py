import importlib

from django.apps import apps
from django.core.management.base import BaseCommand

from vendor_portal.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, demo_users, seed_demo_totp, seed_foundation


class Command(BaseCommand):
    help = "Load the demo vendors, users, DCs, products and documents (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--totp",
            action="store_true",
            help="Also give every demo user an authenticator app with the published demo secret (two-factor sign-in).",
        )

    def handle(self, *args, **options):
        world = seed_foundation()
        # Each app may add its own demo documents in <app>/demo.py: seed(world) -> str summary.
        for config in apps.get_app_configs():
            if config.name == "vendor_portal":
                continue
            try:
                module = importlib.import_module(f"{config.name}.demo")
            except ModuleNotFoundError as error:
                if error.name != f"{config.name}.demo":
                    raise
                continue
            summary = module.seed(world)
            if summary:
                self.stdout.write(f"  {config.verbose_name}: {summary}")
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Sign in with any of these (password: {DEMO_PASSWORD}):"))
        for username, description in demo_users():
            self.stdout.write(f"  {username:<20} {description}")
        if options["totp"]:
            seed_demo_totp()
            self.stdout.write(f"Two-factor codes: any authenticator app (or pyotp) with the secret {DEMO_TOTP_SECRET}.")
