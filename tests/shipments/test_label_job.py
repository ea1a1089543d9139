"""The label job end to end, as production runs it: a real Celery worker process takes the job from
a real broker, reads the test database, renders and stores the PDF/A; the test then scans every
page at the printer's 203 dpi and compares the SSCCs with the shipment's. A worker killed mid-job
leaves a job that is retried to completion, never a partial file."""

import os
import signal
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

from shipments.labels import E_BOTTOM, LABEL_HEIGHT, PRINTER_DPI
from shipments.models import Carton, Pallet
from shipments.services.labels import shipment_labels_request
from shipments.services.plans import shipment_create
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
    """Every GS1-128 (]C1) SSCC a reader finds, page by page, rasterised at 203 dpi (zone F only, where
    the SSCC symbol is: the whole page is scanned in test_labels.py)."""
    found = []
    document = pypdfium2.PdfDocument(str(path))
    try:
        for page in document:
            image = page.render(scale=PRINTER_DPI / 72, grayscale=True, crop=(0, 0, 0, LABEL_HEIGHT - E_BOTTOM)).to_pil()
            for barcode in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.Code128, text_mode=zxingcpp.TextMode.Plain):
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
        # Every key of this test under its own prefix: a worker restoring unacknowledged messages (the crash tests)
        # must not hand back the job of a test running beside it (pytest-xdist) on the same Redis database.
        broker = {"broker_url": redis_url, "broker_transport_options": {"global_keyprefix": f"{queue}:"}}
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
    if redis_url:  # the test's keys are all under its prefix: leave none behind
        import redis

        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(f"{queue}:*"):
            client.delete(key)
        client.close()


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
def start_worker(tmp_path, worker_broker):
    """Starts `celery -A vendor_portal worker -c 1` processes on the test database and the private
    broker; `transport_options` are added to the broker's for that worker only."""
    processes = []

    def start(*, pool="solo", transport_options=None):
        number = len(processes) + 1
        module = tmp_path / f"label_worker_settings_{number}.py"
        options = {**worker_broker["broker_transport_options"], **(transport_options or {})}
        module.write_text(
            textwrap.dedent(
                f"""
                from vendor_portal.settings.test import *  # noqa
                DATABASES["default"]["NAME"] = {django_settings.DATABASES["default"]["NAME"]!r}
                DATABASES["default"]["CONN_MAX_AGE"] = 0
                CELERY_TASK_ALWAYS_EAGER = False
                CELERY_TASK_DEFAULT_QUEUE = {worker_broker["queue"]!r}
                CELERY_BROKER_URL = {worker_broker["broker_url"]!r}
                CELERY_BROKER_TRANSPORT_OPTIONS = {options!r}
                MEDIA_ROOT = {str(worker_broker["media"])!r}
                """
            )
        )
        worker_tmp = tmp_path / "worker-tmp"  # what a killed worker leaves behind stays with the test
        worker_tmp.mkdir(exist_ok=True)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": module.stem,
            "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO)]),
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "TMPDIR": str(worker_tmp),
        }
        log_path = tmp_path / f"worker-{number}.log"
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "vendor_portal",
                    "worker",
                    f"--pool={pool}",
                    "-c",
                    "1",
                    "-n",
                    f"labels{number}@%h",
                    "-Q",  # the label tasks are routed to the heavy queue (of this test's private broker)
                    f"{worker_broker['queue']},{django_settings.CELERY_HEAVY_QUEUE}",
                    "--loglevel=INFO",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                ],
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        process.log_path = log_path
        processes.append(process)
        return process

    yield start
    for process in processes:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def celery_worker(start_worker):
    """`celery -A vendor_portal worker --pool=solo -c 1` on the test database and the private broker."""
    return start_worker()


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
    shipment = shipment_create(scope=scope, data=plan(first, second, identifier="LBL-42", cartons_per_pallet=21), actor=actor)
    expected = set(Carton.objects.filter(shipment=shipment).values_list("sscc", flat=True))
    expected |= set(Pallet.objects.filter(shipment=shipment).values_list("sscc", flat=True))
    assert len(expected) == 42 + 2

    job = shipment_labels_request(scope=scope, shipment_id=shipment.pk, actor=actor)
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
    again = _wait_for(shipment_labels_request(scope=scope, shipment_id=shipment.pk, actor=actor).pk, celery_worker)
    assert again.status == JobStatus.SUCCEEDED, again.message
    assert again.result_id == document.pk
    assert set(scanned_ssccs(Document.objects.get(pk=document.pk).file.path)) == expected
    assert not [p for p in Path(path).parent.iterdir() if p.name.endswith(".partial")]


# A worker that dies mid-job ----------------------------------------------------------------------
needs_redis = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"),
    reason="a killed worker's message comes back from Redis's unacknowledged index; the filesystem broker drops it on delivery",
)
CRASH_CARTONS = 300  # and 6 pallets: four chunks of labels, so progress moves well before the file is done


def _large_shipment(vendor):
    scope = Scope(vendor=vendor, roles=frozenset({Role.VENDOR_OPS}))
    actor = Actor(user=vendor_user(vendor, Role.VENDOR_OPS))
    ship_from(vendor)
    po = confirmed_purchase_order(vendor, lines=3, quantity=CRASH_CARTONS * 6 // 3, number="ACMECRASH-1")
    shipment = shipment_create(scope=scope, data=plan(po, identifier="CRASH-1", cartons_per_pallet=50), actor=actor)
    expected = set(Carton.objects.filter(shipment=shipment).values_list("sscc", flat=True))
    expected |= set(Pallet.objects.filter(shipment=shipment).values_list("sscc", flat=True))
    assert len(expected) == CRASH_CARTONS + 6
    return scope, actor, shipment, expected


def _mid_job(job: Job) -> bool:
    return job.status == JobStatus.RUNNING and 0 < job.progress_done < job.progress_total


def _watch(job_id, worker, *, until, storage_path: Path) -> Job:
    """Polls the job until `until(job)`; all along, no document is exposed before the job succeeded
    and the stored labels file is never a partial one."""
    deadline = time.monotonic() + WORKER_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        job = Job.objects.get(pk=job_id)
        if job.status != JobStatus.SUCCEEDED:
            assert job.result_id is None, f"{job.status} job exposes a document"
        if storage_path.exists():
            with open(storage_path, "rb") as stored:
                head = stored.read(5)
                stored.seek(-6, os.SEEK_END)
                assert (head, stored.read()) == (b"%PDF-", b"%%EOF\n"), "a partial labels file in storage"
        if until(job):
            return job
        if job.is_finished:
            pytest.fail(f"the job finished ({job.status}: {job.message}) before the test could stop its worker")
        if worker.poll() is not None:
            pytest.fail(f"the worker exited ({worker.returncode}):\n{worker.log_path.read_text()[-4000:]}")
        time.sleep(0.02)
    pytest.fail(
        f"label job still {job.status} at {job.progress_done}/{job.progress_total} after {WORKER_TIMEOUT_SECONDS} s:\n{worker.log_path.read_text()[-4000:]}"
    )


def _storage_path(shipment, media: Path) -> Path:
    from vendor_portal.models.jobs import document_upload_to

    return media / document_upload_to(Document(vendor=shipment.vendor, kind="shipment_labels", key=shipment.labels_key), "")


def _assert_killed_mid_job(job_id) -> Job:
    job = Job.objects.get(pk=job_id)
    assert job.status == JobStatus.RUNNING and 0 < job.progress_done < job.progress_total, (job.status, job.progress_done)
    assert job.attempts == 1 and job.result_id is None
    return job


def _assert_whole_labels_file(job: Job, shipment, expected: set[str], media: Path) -> None:
    import hashlib

    assert job.status == JobStatus.SUCCEEDED, job.message
    assert job.attempts == 2, "killed once, then retried from scratch"
    assert job.percent == 100 and job.progress_done == job.progress_total == len(expected)
    document = Document.objects.get(pk=job.result_id)
    assert document.key == shipment.labels_key
    path = Path(document.file.path)
    assert path == _storage_path(shipment, media)
    assert path.stat().st_size == document.size
    assert hashlib.sha256(path.read_bytes()).hexdigest() == document.sha256
    assert pdfa_validate(path) == []
    found = scanned_ssccs(path)
    assert len(found) == len(expected) and set(found) == expected, "exactly the shipment's SSCCs, one per page"
    assert not [p for p in media.rglob("*") if p.name.endswith(".partial")]


@needs_redis
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_job_leaves_a_job_that_a_fresh_worker_retries_to_a_whole_file(vendor, start_worker, worker_broker):
    _, actor, shipment, expected = _large_shipment(vendor)
    storage_path = _storage_path(shipment, worker_broker["media"])
    first = start_worker()
    job = shipment_labels_request(scope=Scope(vendor=vendor), shipment_id=shipment.pk, actor=actor)
    _watch(job.pk, first, until=_mid_job, storage_path=storage_path)
    first.send_signal(signal.SIGKILL)  # the whole worker, as when its machine or container goes away
    first.wait(timeout=10)
    _assert_killed_mid_job(job.pk)
    assert not Document.objects.filter(vendor=vendor, key=shipment.labels_key).exists()
    assert not storage_path.exists()

    # Redis keeps the unacknowledged message; a live worker puts it back on the queue once it has been
    # out longer than the visibility timeout (an hour by default; a second here), marked redelivered,
    # and the job is taken over and restarted.
    fresh = start_worker(transport_options={"visibility_timeout": 1, "unacked_restore_interval": 1, "unacked_restore_throttle": 1})
    done = _watch(job.pk, fresh, until=lambda job: job.is_finished, storage_path=storage_path)
    _assert_whole_labels_file(done, shipment, expected, worker_broker["media"])


def _pool_processes(worker_pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process went away
        if int(fields[1]) == worker_pid:
            children.append(int(stat.parent.name))
    return children


@needs_redis
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_pool_process_killed_mid_job_hands_the_job_back_and_the_worker_retries_it(vendor, start_worker, worker_broker):
    """Production runs the prefork pool: when the process running the job dies (the kernel's OOM killer,
    say), acks_late + reject_on_worker_lost put the message straight back on the queue."""
    _, actor, shipment, expected = _large_shipment(vendor)
    storage_path = _storage_path(shipment, worker_broker["media"])
    worker = start_worker(pool="prefork")
    job = shipment_labels_request(scope=Scope(vendor=vendor), shipment_id=shipment.pk, actor=actor)
    _watch(job.pk, worker, until=_mid_job, storage_path=storage_path)
    [pool_process] = _pool_processes(worker.pid)
    os.kill(pool_process, signal.SIGKILL)
    _assert_killed_mid_job(job.pk)

    done = _watch(job.pk, worker, until=lambda job: job.is_finished, storage_path=storage_path)
    _assert_whole_labels_file(done, shipment, expected, worker_broker["media"])
    log = worker.log_path.read_text()
    assert "signal 9 (SIGKILL)" in log, log[-4000:]


# Fairness on a real worker ---------------------------------------------------------------------------
def _small_shipment(vendor, identifier):
    scope = Scope(vendor=vendor, roles=frozenset({Role.VENDOR_OPS}))
    ship_from(vendor)
    po = confirmed_purchase_order(vendor, lines=1, quantity=60, number=f"ACME{identifier}")
    return scope, shipment_create(scope=scope, data=plan(po, identifier=identifier, cartons_per_pallet=5), actor=Actor.system())


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_job_over_its_vendors_limit_waits_queued_then_runs_when_a_slot_frees(vendor, celery_worker, settings):
    from django.utils import timezone

    settings.JOBS_RUNNING_PER_VENDOR = 2  # the worker's own setting too (the default)
    now = timezone.now()
    busy = [Job.objects.create(vendor=vendor, kind="export", status=JobStatus.RUNNING, started_at=now, heartbeat_at=now) for _ in range(2)]
    scope, shipment = _small_shipment(vendor, "WAIT-1")
    job = shipment_labels_request(scope=scope, shipment_id=shipment.pk, actor=Actor.system())

    deadline = time.monotonic() + WORKER_TIMEOUT_SECONDS
    while "other jobs of yours are running" not in Job.objects.get(pk=job.pk).message:
        assert time.monotonic() < deadline, celery_worker.log_path.read_text()[-4000:]
        time.sleep(0.25)
    assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED
    Job.objects.filter(pk__in=[b.pk for b in busy]).update(status=JobStatus.SUCCEEDED, finished_at=timezone.now())

    done = _wait_for(job.pk, celery_worker)  # sent again with a countdown by the worker itself
    assert done.status == JobStatus.SUCCEEDED and done.attempts == 1 and done.message == ""


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_killed_workers_job_is_queued_again_by_the_sweep_long_before_the_visibility_timeout(vendor, start_worker, worker_broker):
    import datetime

    from django.utils import timezone

    from vendor_portal.services.jobs import JOB_HEARTBEAT_STALE, job_sweep_stale

    _, actor, shipment, expected = _large_shipment(vendor)
    storage_path = _storage_path(shipment, worker_broker["media"])
    first = start_worker()
    job = shipment_labels_request(scope=Scope(vendor=vendor), shipment_id=shipment.pk, actor=actor)
    _watch(job.pk, first, until=_mid_job, storage_path=storage_path)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    _assert_killed_mid_job(job.pk)

    # A fresh worker that would give the lost message back only after an hour; the sweep, a minute after
    # the last heartbeat (the clock moved on here rather than waited for), sends the job again.
    fresh = start_worker(transport_options={"visibility_timeout": 3600})
    assert job_sweep_stale() == []  # its heartbeat is still recent
    assert job_sweep_stale(now=timezone.now() + JOB_HEARTBEAT_STALE + datetime.timedelta(seconds=1)) == [job.pk]
    done = _watch(job.pk, fresh, until=lambda job: job.is_finished, storage_path=storage_path)
    _assert_whole_labels_file(done, shipment, expected, worker_broker["media"])
