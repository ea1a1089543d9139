"""The label job end to end, as production runs it: a real Celery worker process (solo pool) takes
the job from a real broker, reads the test database, renders and stores the PDF/A; the test then
scans every page at the printer's 203 dpi and compares the SSCCs with the shipment's."""
import os
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from django.conf import settings as django_settings

from shipments import services
from shipments.labels import PRINTER_DPI
from shipments.models import Carton, Pallet
from tests.factories import vendor_user
from tests.shipments.factories import confirmed_purchase_order, plan, ship_from
from vendor_portal.models import Document, Job, JobStatus
from vendor_portal.pdfa import pdfa_validate
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import Scope

REPO = Path(__file__).resolve().parents[2]
WORKER_TIMEOUT_SECONDS = 120


def scanned_ssccs(path) -> list[str]:
    """Every GS1-128 (]C1) SSCC a reader finds, page by page, rasterised at 203 dpi."""
    found = []
    document = pypdfium2.PdfDocument(str(path))
    try:
        for page in document:
            image = page.render(scale=PRINTER_DPI / 72, grayscale=True).to_pil()
            for barcode in zxingcpp.read_barcodes(image, text_mode=zxingcpp.TextMode.Plain):
                if barcode.symbology_identifier == "]C1" and barcode.text.startswith("00"):
                    found.append(barcode.text[2:])
    finally:
        document.close()
    return found


@pytest.fixture
def worker_broker(tmp_path, settings):
    """Broker, queue and media folder private to this test, shared by this process and the worker."""
    from vendor_portal.celery import app

    queue = f"labels-test-{uuid.uuid4().hex[:8]}"
    media = tmp_path / "media"
    media.mkdir()
    settings.MEDIA_ROOT = str(media)
    redis_url = os.environ.get("REDIS_URL", "")
    if redis_url:
        broker = {"broker_url": redis_url, "broker_transport_options": {}}
    else:
        folder = tmp_path / "broker"
        folder.mkdir()
        broker = {
            "broker_url": "filesystem://",
            "broker_transport_options": {"data_folder_in": str(folder), "data_folder_out": str(folder), "store_processed": False},
        }
    overrides = {"task_always_eager": False, "task_default_queue": queue, **broker}
    saved = {key: app.conf.get(key) for key in overrides}
    app.conf.update(overrides)
    _drop_connection_pools(app)
    yield {"queue": queue, "media": media, **broker}
    app.conf.update(saved)
    _drop_connection_pools(app)


def _drop_connection_pools(app):
    # Producer pools are built from the broker settings on first use; rebuild them for the new ones.
    # kombu also caches producer and connection pools globally per broker URL: clear those too, or a
    # broker URL used before (REDIS_URL in CI) hands back a pool this function just closed.
    from kombu import pools

    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    pools.reset()


@pytest.fixture
def celery_worker(tmp_path, worker_broker):
    """`celery -A vendor_portal worker --pool=solo -c 1` on the test database and the private broker."""
    from django.db import connection

    if connection.vendor == "sqlite" and connection.creation.is_in_memory_db(connection.settings_dict["NAME"]):
        pytest.skip("the worker is another process: it needs a database it can open (set DATABASE_URL to PostgreSQL)")
    module = tmp_path / "label_worker_settings.py"
    module.write_text(
        textwrap.dedent(
            f"""
            from vendor_portal.settings.test import *  # noqa
            DATABASES["default"]["NAME"] = {django_settings.DATABASES["default"]["NAME"]!r}
            DATABASES["default"]["CONN_MAX_AGE"] = 0
            CELERY_TASK_ALWAYS_EAGER = False
            CELERY_TASK_DEFAULT_QUEUE = {worker_broker["queue"]!r}
            CELERY_BROKER_URL = {worker_broker["broker_url"]!r}
            CELERY_BROKER_TRANSPORT_OPTIONS = {worker_broker["broker_transport_options"]!r}
            MEDIA_ROOT = {str(worker_broker["media"])!r}
            """
        )
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "label_worker_settings",
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO)]),
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    log_path = tmp_path / "worker.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "vendor_portal", "worker", "--pool=solo", "-c", "1",
             "-Q", worker_broker["queue"], "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    process.log_path = log_path
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for(job_id, worker) -> Job:
    deadline = time.monotonic() + WORKER_TIMEOUT_SECONDS
    progress_seen = set()
    while time.monotonic() < deadline:
        job = Job.objects.get(pk=job_id)
        progress_seen.add(job.progress_done)
        if job.is_finished:
            job.progress_seen = progress_seen
            return job
        if worker.poll() is not None:
            pytest.fail(f"the worker exited ({worker.returncode}):\n{worker.log_path.read_text()[-4000:]}")
        time.sleep(0.25)
    pytest.fail(f"label job still {job.status} after {WORKER_TIMEOUT_SECONDS} s:\n{worker.log_path.read_text()[-4000:]}")


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_label_job_on_a_real_worker_prints_exactly_the_shipments_ssccs_as_valid_pdfa(vendor, celery_worker):
    scope = Scope(vendor=vendor, roles=frozenset({Role.VENDOR_OPS}))
    actor = Actor(user=vendor_user(vendor, Role.VENDOR_OPS))
    ship_from(vendor)
    first = confirmed_purchase_order(vendor, lines=1, quantity=126, number="ACMESECRET-L1")
    second = confirmed_purchase_order(vendor, lines=1, quantity=126, number="ACMESECRET-L2", warehouse=first.ship_to)
    shipment = services.shipment_create(scope=scope, data=plan(first, second, identifier="LBL-42", cartons_per_pallet=21), actor=actor)
    expected = set(Carton.objects.filter(shipment=shipment).values_list("sscc", flat=True))
    expected |= set(Pallet.objects.filter(shipment=shipment).values_list("sscc", flat=True))
    assert len(expected) == 42 + 2

    job = services.shipment_labels_request(scope=scope, shipment_id=shipment.pk, actor=actor)
    assert job.status == JobStatus.QUEUED and job.progress_total == 44
    job = _wait_for(job.pk, celery_worker)

    assert job.status == JobStatus.SUCCEEDED, job.message
    assert job.percent == 100 and job.attempts == 1
    document = Document.objects.get(pk=job.result_id)
    assert document.key == f"shipments/{shipment.pk}/labels-0.pdf"
    assert document.vendor_id == vendor.pk and document.kind == "shipment_labels"
    path = document.file.path
    assert Path(path).is_file() and Path(path).stat().st_size == document.size
    found = scanned_ssccs(path)
    assert len(found) == 44, "one SSCC per page"
    assert set(found) == expected
    assert pdfa_validate(path) == []

    # Re-running the job gives the same SSCCs in the same (replaced) document.
    again = _wait_for(services.shipment_labels_request(scope=scope, shipment_id=shipment.pk, actor=actor).pk, celery_worker)
    assert again.status == JobStatus.SUCCEEDED, again.message
    assert again.result_id == document.pk
    assert set(scanned_ssccs(Document.objects.get(pk=document.pk).file.path)) == expected
    assert not [p for p in Path(path).parent.iterdir() if p.name.endswith(".partial")]
