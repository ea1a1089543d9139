"""Run the 3-way match by hand: after a bulk import or a data fix, or to see what the nightly sweep would do."""

import json
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from invoicing.models import Invoice, InvoiceType
from reconciliation.engine import match_invoices
from vendor_portal.services.audit import Actor


class Command(BaseCommand):
    help = (
        "Match invoices' lines against their POs and receipts: every invoice the nightly sweep matches, or the "
        "invoices named. Prints what it did as JSON. Safe to run again: an unchanged line is left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--invoice",
            action="append",
            default=[],
            metavar="NUMBER_OR_ID",
            help="an invoice's id or its vendor's number (repeat for several); a paid invoice is matched too",
        )
        parser.add_argument("--vendor", help="with --invoice NUMBER: the vendor code the number belongs to")
        parser.add_argument("--dry-run", action="store_true", help="report what the match would do, then undo it")

    def handle(self, *args, invoice, vendor, dry_run, **options):
        invoice_ids = self._invoice_ids(invoice, vendor) if invoice else None
        started = time.perf_counter()
        with transaction.atomic():
            summary = match_invoices(invoice_ids=invoice_ids, actor=Actor.system())
            if dry_run:
                transaction.set_rollback(True)
        report = {**summary.as_dict(), "seconds": round(time.perf_counter() - started, 2), "dry_run": dry_run}
        self.stdout.write(json.dumps(report, indent=2))

    def _invoice_ids(self, wanted: list[str], vendor_code: str | None) -> list[int]:
        ids = []
        for value in wanted:
            invoices = Invoice.objects.filter(invoice_type=InvoiceType.INVOICE)
            if value.isdigit() and not vendor_code:
                found = invoices.filter(pk=int(value)).values_list("pk", flat=True).first()
            else:
                if not vendor_code:
                    raise CommandError(f"Invoice number {value!r}: say whose with --vendor CODE (or give the invoice's id).")
                found = invoices.filter(vendor__code=vendor_code.strip().upper(), number=value).values_list("pk", flat=True).first()
            if found is None:
                raise CommandError(f"No invoice {value!r}{f' of {vendor_code}' if vendor_code else ''}.")
            ids.append(found)
        return ids
