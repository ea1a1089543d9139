"""The watched folder: each file is received once, then filed under done/ or error/."""

import os
import time

import pytest

from edi.models import Interchange, InterchangeSource, InterchangeStatus  # noqa: E402
from edi.services.inbox import STALE_CLAIM_SECONDS  # noqa: E402
from edi.tasks import edi_poll_inbox  # noqa: E402
from purchase_orders.models import Acknowledgement, PurchaseOrderState  # noqa: E402
from tests.edi.test_django_inbound import accept_all_855, trading_partner  # noqa: E402
from tests.purchase_orders.factories import purchase_order_with_lines  # noqa: E402


@pytest.fixture
def inbox(tmp_path, settings):
    settings.EDI_INBOX_DIR = str(tmp_path)
    return tmp_path


def test_file_in_the_vendors_folder_is_received_once_even_if_the_task_runs_twice(vendor, inbox):
    trading_partner(vendor)
    po = purchase_order_with_lines(vendor, lines=2)
    (inbox / "ACME").mkdir()
    (inbox / "ACME" / "ack-1.edi").write_text(accept_all_855(po))

    first, second = edi_poll_inbox(), edi_poll_inbox()

    assert first == {"processed": ["ack-1.edi"], "failed": []}
    assert second == {"processed": [], "failed": []}
    interchange = Interchange.objects.get(source=InterchangeSource.FOLDER)
    assert (interchange.status, interchange.filename) == (InterchangeStatus.ACCEPTED, "ack-1.edi")
    po.refresh_from_db()
    assert po.state == PurchaseOrderState.ACKNOWLEDGED
    assert Acknowledgement.objects.filter(purchase_order=po).count() == 1
    assert [p.name.endswith("-ack-1.edi") for p in (inbox / "ACME" / "done").iterdir()] == [True]
    assert not list((inbox / "ACME").glob("*.edi"))


def test_file_at_the_top_of_the_inbox_belongs_to_the_vendor_of_its_isa_sender(vendor, inbox):
    trading_partner(vendor)
    po = purchase_order_with_lines(vendor, lines=1)
    (inbox / "from-van.edi").write_text(accept_all_855(po))

    assert edi_poll_inbox()["processed"] == ["from-van.edi"]
    assert Interchange.objects.get(source=InterchangeSource.FOLDER).vendor == vendor


def test_rejected_and_unknown_files_go_to_error(vendor, inbox):
    trading_partner(vendor)
    (inbox / "ACME").mkdir()
    (inbox / "ACME" / "garbage.edi").write_text("this is not X12")
    (inbox / "nobody.edi").write_text("ISA*nothing we know")

    result = edi_poll_inbox()

    assert sorted(result["failed"]) == ["garbage.edi", "nobody.edi"]
    assert len(list((inbox / "ACME" / "error").iterdir())) == 1
    assert len(list((inbox / "error").iterdir())) == 1
    assert Interchange.objects.get().status == InterchangeStatus.REJECTED


def test_a_file_claimed_by_another_worker_is_left_alone_until_its_claim_is_stale(vendor, inbox):
    trading_partner(vendor)
    po = purchase_order_with_lines(vendor, lines=1)
    processing = inbox / "ACME" / "processing"
    processing.mkdir(parents=True)
    claimed = processing / "0123456789ab-ack.edi"
    claimed.write_text(accept_all_855(po))

    assert edi_poll_inbox() == {"processed": [], "failed": []}
    assert claimed.exists()

    old = time.time() - STALE_CLAIM_SECONDS - 60
    os.utime(claimed, (old, old))
    assert edi_poll_inbox()["processed"] == ["ack.edi"]
    assert Interchange.objects.count() == 2  # the 855 and our 997
