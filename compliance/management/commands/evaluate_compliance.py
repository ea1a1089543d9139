import datetime

from django.core.management.base import BaseCommand, CommandError

from compliance.services.evaluation import compliance_evaluate_week
from vendor_portal.services.audit import Actor


class Command(BaseCommand):
    help = "Judge one week against the rate card in force and raise its chargebacks (a re-run charges nothing twice)."

    def add_arguments(self, parser):
        parser.add_argument("--week", required=True, help="any day of the week, YYYY-MM-DD")
        parser.add_argument("--vendor", type=int, action="append", help="a vendor id (repeatable); default every active vendor")

    def handle(self, *args, week, vendor, **options):
        try:
            day = datetime.date.fromisoformat(week)
        except ValueError as error:
            raise CommandError("--week takes a date, YYYY-MM-DD") from error
        summary = compliance_evaluate_week(week=day, actor=Actor.system(), vendor_ids=vendor)
        result = summary.as_dict()
        self.stdout.write(
            f"week of {result['week']}: {result['outcomes']} rules judged, {result['chargebacks']} chargebacks raised, {result['waived']} waived"
        )
