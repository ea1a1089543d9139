"""`manage.py match_invoices`: the match by hand, for operators."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from reconciliation.models import Deduction, MatchResult
from tests.reconciliation.factories import accepted_invoice

pytestmark = pytest.mark.django_db


def run(*args) -> dict:
    out = StringIO()
    call_command("match_invoices", *args, stdout=out)
    return json.loads(out.getvalue())


def test_dry_run_reports_the_claims_and_changes_nothing_then_the_real_run_raises_them(vendor):
    invoice, _po = accepted_invoice(vendor)
    report = run("--dry-run")
    assert (report["lines"], report["claims_raised"], report["dry_run"]) == (1, 2, True)
    assert not MatchResult.objects.exists() and not Deduction.objects.exists()
    report = run("--invoice", invoice.number, "--vendor", vendor.code.lower())
    assert report["claims_raised"] == 2 and Deduction.objects.filter(invoice=invoice).count() == 2
    assert run("--invoice", str(invoice.pk))["claims_raised"] == 0  # again: nothing new


def test_unknown_invoices_are_refused_with_a_message(vendor):
    with pytest.raises(CommandError, match="No invoice 'NOPE' of ACME"):
        run("--invoice", "NOPE", "--vendor", "ACME")
    with pytest.raises(CommandError, match="--vendor"):
        run("--invoice", "INV-1")
