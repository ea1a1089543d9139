import pytest
from django.utils import timezone

from invoicing.api.inputs import invoice_input
from invoicing.services.drafts import invoice_create
from invoicing.services.submission import invoice_submit
from tests.factories import marketplace, vendor_user
from tests.invoicing.factories import shipped_po
from vendor_portal.errors import DomainValidationError, NotFoundError
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import scope_for_user

pytestmark = pytest.mark.django_db


def test_a_us_only_member_cannot_invoice_a_german_po_nor_see_its_invoices(vendor):
    de_po = shipped_po(vendor, marketplace=marketplace("DE"))
    us_only = vendor_user(vendor, Role.VENDOR_FINANCE, username="us-finance", marketplaces=[marketplace("US")])
    everywhere = vendor_user(vendor, Role.VENDOR_FINANCE, username="all-finance")
    data = {
        "number": "DE-1",
        "invoice_date": timezone.localdate().isoformat(),
        "lines": [{"purchase_order_number": de_po.number, "po_line_sequence": 1, "quantity": 1}],
    }
    with pytest.raises(DomainValidationError):
        invoice_create(scope=scope_for_user(us_only), data=invoice_input(data), actor=Actor(user=us_only))  # the PO does not resolve
    invoice = invoice_create(scope=scope_for_user(everywhere), data=invoice_input(data), actor=Actor(user=everywhere))
    with pytest.raises(NotFoundError):
        invoice_submit(scope=scope_for_user(us_only), invoice_id=invoice.pk, actor=Actor(user=us_only))
