"""Factur-X / CII: invoices and credit notes issued as EN 16931 CII (valid against the Factur-X XSD and
schematron), embedded in a PDF/A-3, and received back through the same services and hard checks."""


import pytest

from invoicing.einvoices.cii import cii_write
from invoicing.einvoices.validation import FACTUR_X_EN16931, fatal_problems
from invoicing.services.document import InvoiceDocument
from tests.invoicing.einvoice_support import demo_invoice, german_po, german_vendor_setup

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(vendor):
    return german_vendor_setup(vendor)


def test_demo_invoice_is_valid_en16931_cii(vendor, setup):
    germany, scope, actor = setup
    invoice = demo_invoice(scope, actor, german_po(vendor, germany))
    xml = cii_write(InvoiceDocument.load(invoice))
    print(xml.decode())
    assert fatal_problems(xml, FACTUR_X_EN16931) == []
