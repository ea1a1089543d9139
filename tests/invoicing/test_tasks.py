import pytest
from django.utils import timezone

from invoicing.api.inputs import invoice_input
from invoicing.services.drafts import invoice_create
from invoicing.services.submission import invoice_submit
from invoicing.tasks import render_invoice_document
from tests.factories import vendor_user
from tests.invoicing.factories import shipped_po
from vendor_portal.models import Document
from vendor_portal.pdfa import pdfa_validate
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import scope_for_user

pytestmark = pytest.mark.django_db


def test_submission_queues_the_pdf_and_the_task_is_idempotent(vendor, django_capture_on_commit_callbacks):
    user = vendor_user(vendor, Role.VENDOR_FINANCE, username="acme-finance")
    po = shipped_po(vendor, quantity=4)
    invoice = invoice_create(
        scope=scope_for_user(user),
        actor=Actor(user=user),
        data=invoice_input(
            {
                "number": "TASK-1",
                "invoice_date": timezone.localdate().isoformat(),
                "lines": [{"purchase_order_number": po.number, "po_line_sequence": 1, "quantity": 4}],
            }
        ),
    )
    with django_capture_on_commit_callbacks(execute=True):
        invoice_submit(scope=scope_for_user(user), invoice_id=invoice.pk, actor=Actor(user=user))
    document = Document.objects.get(kind="invoice")
    assert document.target_id == str(invoice.pk) and pdfa_validate(document.file.path) == []
    again = render_invoice_document.delay(invoice.pk).get()
    assert Document.objects.filter(kind="invoice").count() == 1 and again == Document.objects.get(kind="invoice").pk
    assert render_invoice_document.delay(10**9).get() is None
