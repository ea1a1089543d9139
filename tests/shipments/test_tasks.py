"""The label task in-process: claiming, takeover after a dead worker, progress, failure."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shipments import tasks
from shipments.models import Carton, Shipment
from shipments.services.labels import shipment_labels_render, shipment_labels_request
from shipments.services.plans import shipment_cancel, shipment_create, shipment_update
from tests.factories import vendor_user
from tests.shipments.factories import confirmed_purchase_order, plan, ship_from
from vendor_portal.models import Document, Job, JobStatus
from vendor_portal.services.audit import Actor
from vendor_portal.services.jobs import JOB_MAX_ATTEMPTS, job_claim
from vendor_portal.tenancy import Scope

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def shipment(vendor):
    ship_from(vendor)
    scope = Scope(vendor=vendor)
    po = confirmed_purchase_order(vendor, lines=1, quantity=360)  # 60 cartons
    return shipment_create(scope=scope, data=plan(po, cartons_per_pallet=30), actor=Actor(user=vendor_user(vendor)))


def _job(shipment) -> Job:
    # queued but not yet sent: the test drives the task itself
    return Job.objects.create(vendor=shipment.vendor, kind="shipment_labels", target_type="shipments.shipment", target_id=str(shipment.pk))


def test_the_job_is_claimed_once(shipment):
    job = _job(shipment)
    assert job_claim(job_id=job.pk).status == JobStatus.RUNNING
    assert job_claim(job_id=job.pk) is None


def test_a_redelivered_or_silent_running_job_is_taken_over_and_restarted(shipment):
    job = _job(shipment)
    job_claim(job_id=job.pk)
    assert job_claim(job_id=job.pk, redelivered=True).attempts == 2
    # running for an hour but still beating: its worker is alive, nobody takes it over
    Job.objects.filter(pk=job.pk).update(started_at=timezone.now() - datetime.timedelta(hours=1))
    assert job_claim(job_id=job.pk) is None
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - datetime.timedelta(minutes=2))
    assert job_claim(job_id=job.pk).attempts == 3


def test_progress_is_written_per_chunk_of_labels_and_the_result_is_stored(shipment, monkeypatch):
    monkeypatch.setattr("shipments.labels.CHUNK_PAGES", 25)
    job = _job(shipment)
    with CaptureQueriesContext(connection) as queries:
        tasks.render_shipment_labels.apply(args=[str(job.pk)])
    progress_written = [
        int(match) for q in queries if q["sql"].startswith('UPDATE "vendor_portal_job"') for match in re.findall(r'"progress_done" = (\d+)', q["sql"])
    ]
    assert progress_written == [0, 25, 50, 62, 62]  # claim, each chunk, file in place, done
    job.refresh_from_db()
    assert (job.status, job.progress_done, job.progress_total) == (JobStatus.SUCCEEDED, 62, 62)
    document = Document.objects.get(pk=job.result_id)
    assert document.key == f"shipments/{shipment.pk}/labels-0.pdf" and document.target_id == str(shipment.pk)


def test_a_job_whose_worker_keeps_dying_fails_instead_of_looping(shipment):
    job = _job(shipment)
    job_claim(job_id=job.pk)
    for _ in range(JOB_MAX_ATTEMPTS - 1):
        assert job_claim(job_id=job.pk, redelivered=True) is not None
    assert Job.objects.get(pk=job.pk).attempts == JOB_MAX_ATTEMPTS

    # the broker hands the message over once more after the last worker died
    assert shipment_labels_render(job_id=job.pk, redelivered=True) is None
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.result_id is None
    assert f"after {JOB_MAX_ATTEMPTS} attempts" in job.message


def test_a_finished_job_is_not_run_again(shipment):
    job = _job(shipment)
    tasks.render_shipment_labels.apply(args=[str(job.pk)])
    first = Job.objects.get(pk=job.pk)
    tasks.render_shipment_labels.apply(args=[str(job.pk)])
    assert Job.objects.get(pk=job.pk).finished_at == first.finished_at


def test_a_failing_job_is_marked_failed_with_a_message(shipment):
    job = _job(shipment)
    Job.objects.filter(pk=job.pk).update(target_id="999999")
    tasks.render_shipment_labels.apply(args=[str(job.pk)])
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "no longer exists" in job.message


def test_labels_request_refuses_a_shipment_without_cartons(vendor, shipment):
    from vendor_portal.errors import InvalidTransitionError

    shipment_cancel(scope=Scope(vendor=vendor), shipment_id=shipment.pk, actor=Actor.system())
    with pytest.raises(InvalidTransitionError):
        shipment_labels_request(scope=Scope(vendor=vendor), shipment_id=shipment.pk, actor=Actor.system())
    assert Carton.objects.filter(shipment=shipment).count() == 60


def test_labels_for_a_german_dc_carry_german_captions(vendor):
    import pypdfium2

    from tests.factories import WarehouseFactory, marketplace

    ship_from(vendor)
    dc = WarehouseFactory(code="FRA7", marketplace=marketplace("DE"), city="Frankfurt", country_code="DE", time_zone="Europe/Berlin")
    po = confirmed_purchase_order(vendor, lines=1, quantity=12, warehouse=dc)
    shipment = shipment_create(scope=Scope(vendor=vendor), data=plan(po), actor=Actor.system())
    job = _job(shipment)
    tasks.render_shipment_labels.apply(args=[str(job.pk)])
    path = Document.objects.get(pk=Job.objects.get(pk=job.pk).result_id).file.path
    document = pypdfium2.PdfDocument(path)
    try:
        text = document[0].get_textpage().get_text_range()
    finally:
        document.close()
    assert "Versand an" in text and "KARTON 1 von 2" in text and "FRA7" in text


def test_labels_of_a_plan_edited_while_they_print_are_printed_again_from_the_edited_plan(vendor, shipment, monkeypatch):
    """60 cartons on 2 pallets are printing when the vendor repacks them 20 to a pallet: the stored PDF is
    the second print, 60 carton marks and 3 pallet labels, never the outdated one."""
    import pikepdf

    from shipments import labels
    from tests.shipments.factories import plan

    real_render, prints = labels.render_labels, []

    def render_while_editing(data, path, **kwargs):
        pages = real_render(data, path, **kwargs)
        prints.append(pages)
        if len(prints) == 1:
            po = shipment.lines.first().purchase_order_line.purchase_order
            shipment_update(
                scope=Scope(vendor=vendor),
                shipment_id=shipment.pk,
                data=plan(po, cartons_per_pallet=20),
                actor=Actor(user=vendor_user(vendor, username="repacker")),
            )
        return pages

    monkeypatch.setattr(labels, "render_labels", render_while_editing)
    job = _job(shipment)
    tasks.render_shipment_labels.apply(args=[str(job.pk)])
    job.refresh_from_db()
    assert prints == [62, 63]
    assert (job.status, job.progress_done, job.progress_total) == (JobStatus.SUCCEEDED, 63, 63)
    document = Document.objects.get(pk=job.result_id)
    with pikepdf.open(document.file.path) as pdf:
        assert len(pdf.pages) == 63


def test_a_plan_that_keeps_changing_fails_the_label_job_with_a_message(shipment, monkeypatch):
    from shipments import labels

    real_render = labels.render_labels

    def render_then_touch(data, path, **kwargs):
        pages = real_render(data, path, **kwargs)
        Shipment.objects.filter(pk=shipment.pk).update(carrier_name=f"Carrier {timezone.now().timestamp()}")
        return pages

    monkeypatch.setattr(labels, "render_labels", render_then_touch)
    job = _job(shipment)
    tasks.render_shipment_labels.apply(args=[str(job.pk)])
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "kept changing" in job.message
    assert not Document.objects.filter(kind="shipment_labels").exists()
