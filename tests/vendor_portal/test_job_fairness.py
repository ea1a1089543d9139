"""Worker fairness: one shipment's labels render once at a time, one vendor's jobs cannot take every worker,
long PDF work leaves the light queue free, and a job whose worker died is noticed within a minute."""

import datetime
import time

import pytest
from django.utils import timezone

from shipments import tasks as shipment_tasks
from shipments.services.labels import shipment_labels_request
from shipments.services.plans import shipment_create
from tests.factories import vendor_user
from tests.shipments.factories import confirmed_purchase_order, plan, ship_from
from vendor_portal.celery import app
from vendor_portal.job_tasks import JobHeartbeat
from vendor_portal.models import Job, JobStatus
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.services.jobs import JOB_MAX_ATTEMPTS, JobMustWait, job_claim, job_sweep_stale
from vendor_portal.tasks import sweep_stale_jobs
from vendor_portal.tenancy import Scope

pytestmark = pytest.mark.django_db
LABELS_TASK = "shipments.tasks.render_shipment_labels"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _shipment(vendor, identifier="FAIR-1", user=None):
    ship_from(vendor)
    po = confirmed_purchase_order(vendor, lines=1, quantity=36, number=f"PO-{identifier}")
    scope = Scope(vendor=vendor, roles=frozenset({Role.VENDOR_OPS}))
    return shipment_create(
        scope=scope, data=plan(po, identifier=identifier, cartons_per_pallet=6), actor=Actor(user=user) if user else Actor.system()
    )


def _running(vendor, *, heartbeat_age=datetime.timedelta(seconds=5), **fields) -> Job:
    """A job a worker is busy with (its heartbeat `heartbeat_age` old)."""
    now = timezone.now()
    values = {"kind": "export", "status": JobStatus.RUNNING, "started_at": now - heartbeat_age, "heartbeat_at": now - heartbeat_age, "attempts": 1}
    return Job.objects.create(vendor=vendor, **{**values, **fields})


# One label job per shipment ---------------------------------------------------------------------------
def test_asking_again_for_labels_being_rendered_returns_the_running_job_through_the_api(api_client, vendor):
    ops = vendor_user(vendor, Role.VENDOR_OPS)
    shipment = _shipment(vendor, user=ops)
    api_client.force_authenticate(ops)
    first = api_client.post(f"/api/v1/shipments/{shipment.pk}/labels", format="json")
    assert first.status_code == 202 and first.json()["status"] == "queued"
    Job.objects.filter(pk=first.json()["id"]).update(status=JobStatus.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now())

    again = api_client.post(f"/api/v1/shipments/{shipment.pk}/labels", format="json")
    assert again.status_code == 202
    assert again.json()["id"] == first.json()["id"] and again.json()["status"] == "running"
    assert Job.objects.filter(kind="shipment_labels", target_id=str(shipment.pk)).count() == 1


def test_asking_again_on_the_screen_shows_the_job_already_running(client, vendor):
    ops = vendor_user(vendor, Role.VENDOR_OPS)
    shipment = _shipment(vendor, user=ops)
    client.force_login(ops)
    client.post(f"/shipments/{shipment.pk}/labels/")
    response = client.post(f"/shipments/{shipment.pk}/labels/", follow=True)
    assert "already being generated" in response.content.decode()
    job = Job.objects.get(kind="shipment_labels", target_id=str(shipment.pk))
    fragment = client.post(f"/shipments/{shipment.pk}/labels/", HTTP_HX_REQUEST="true")
    assert f'id="job-{job.pk}"' in fragment.content.decode()
    assert Job.objects.filter(kind="shipment_labels", target_id=str(shipment.pk)).count() == 1


def test_a_new_label_job_starts_once_the_last_one_finished_or_its_worker_died(vendor):
    shipment = _shipment(vendor)
    scope, actor = Scope(vendor=vendor), Actor.system()
    first = shipment_labels_request(scope=scope, shipment_id=shipment.pk, actor=actor)
    assert first.already_running is False
    assert shipment_labels_request(scope=scope, shipment_id=shipment.pk, actor=actor).pk == first.pk

    Job.objects.filter(pk=first.pk).update(status=JobStatus.SUCCEEDED, finished_at=timezone.now())
    second = shipment_labels_request(scope=scope, shipment_id=shipment.pk, actor=actor)
    assert second.pk != first.pk and second.already_running is False

    # running, but its worker has not been heard of for two minutes: the sweep deals with it, a new request starts afresh
    stale = timezone.now() - datetime.timedelta(minutes=2)
    Job.objects.filter(pk=second.pk).update(status=JobStatus.RUNNING, started_at=stale, heartbeat_at=stale)
    assert shipment_labels_request(scope=scope, shipment_id=shipment.pk, actor=actor).pk not in (first.pk, second.pk)


def test_labels_asked_for_again_after_an_edit_come_from_the_running_job_and_are_current(client, vendor):
    from shipments.services.plans import shipment_update

    ops = vendor_user(vendor, Role.VENDOR_OPS)
    shipment = _shipment(vendor, user=ops)
    client.force_login(ops)
    client.post(f"/shipments/{shipment.pk}/labels/")
    job = Job.objects.get(kind="shipment_labels")
    po = shipment.lines.first().purchase_order_line.purchase_order
    shipment_update(
        scope=Scope(vendor=vendor), shipment_id=shipment.pk, data=plan(po, identifier="FAIR-1", cartons_per_pallet=3), actor=Actor(user=ops)
    )
    client.post(f"/shipments/{shipment.pk}/labels/")  # print again: the job still waiting takes the edit into account
    assert Job.objects.filter(kind="shipment_labels").count() == 1

    shipment_tasks.render_shipment_labels.apply(args=[str(job.pk)])
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.progress_total == shipment.cartons.count() + shipment.pallets.count() == 6 + 2
    page = client.get(f"/shipments/{shipment.pk}/").content.decode()
    assert 'data-testid="labels-download"' in page and 'data-testid="labels-outdated-status"' not in page


# Per-vendor limit ---------------------------------------------------------------------------------
def test_a_vendor_with_its_share_of_running_jobs_waits_queued_while_others_run(vendor, other_vendor, settings, django_capture_on_commit_callbacks):
    settings.JOBS_RUNNING_PER_VENDOR = 2
    busy = [_running(vendor), _running(vendor)]
    _running(vendor, heartbeat_age=datetime.timedelta(minutes=5))  # its worker died: holds no slot
    _running(other_vendor)
    _running(other_vendor)
    shipment = _shipment(vendor)

    with django_capture_on_commit_callbacks(execute=True):  # the task runs here (eager) and finds no free slot
        job = shipment_labels_request(scope=Scope(vendor=vendor), shipment_id=shipment.pk, actor=Actor.system())
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED and job.attempts == 0 and job.result_id is None
    assert "2 other jobs of yours are running" in job.message
    with pytest.raises(JobMustWait):
        job_claim(job_id=job.pk)

    Job.objects.filter(pk=busy[0].pk).update(status=JobStatus.SUCCEEDED, finished_at=timezone.now())
    shipment_tasks.render_shipment_labels.apply(args=[str(job.pk)])
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 1 and job.message == ""


def test_the_other_vendors_jobs_do_not_count_against_a_vendors_share(vendor, other_vendor, settings):
    settings.JOBS_RUNNING_PER_VENDOR = 1
    _running(other_vendor)
    job = Job.objects.create(vendor=vendor, kind="export")
    assert job_claim(job_id=job.pk).status == JobStatus.RUNNING
    second = Job.objects.create(vendor=vendor, kind="export")
    with pytest.raises(JobMustWait):
        job_claim(job_id=second.pk)


def test_label_packing_list_and_document_tasks_go_to_the_heavy_queue_and_the_light_ones_do_not(settings):
    def queue(name):
        return app.amqp.router.route({}, name)["queue"].name

    heavy = settings.CELERY_HEAVY_QUEUE
    assert heavy != settings.CELERY_TASK_DEFAULT_QUEUE
    for name in (
        LABELS_TASK,
        "shipments.tasks.render_shipment_packing_list",
        "vendor_portal.tasks.run_export",
        "invoicing.tasks.render_invoice_document",
        "reconciliation.tasks.render_remittance_document",
    ):
        assert queue(name) == heavy, name
    for name in (
        "edi.tasks.send_850",
        "webhooks.tasks.deliver_webhook",
        "amazon_api.tasks.apply_transaction",
        "vendor_portal.tasks.sweep_stale_jobs",
    ):
        assert queue(name) == settings.CELERY_TASK_DEFAULT_QUEUE, name


def test_the_development_worker_and_compose_consume_every_queue(settings):
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    for name in ("Procfile.dev", "Makefile"):  # `make run` and `make worker`: one worker for both queues
        assert f"--queues={settings.CELERY_TASK_DEFAULT_QUEUE},{settings.CELERY_HEAVY_QUEUE}" in (repo / name).read_text(), name
    compose = (repo / "docker-compose.yml").read_text()
    assert f"--queues={settings.CELERY_TASK_DEFAULT_QUEUE} " in compose and f"--queues={settings.CELERY_HEAVY_QUEUE} " in compose


# Heartbeat and sweep ------------------------------------------------------------------------------
def test_a_job_whose_worker_stopped_beating_is_queued_again_and_finished_by_the_sweep(vendor, django_capture_on_commit_callbacks):
    shipment = _shipment(vendor)
    silent = _running(
        vendor,
        kind="shipment_labels",
        target_type="shipments.shipment",
        target_id=str(shipment.pk),
        task_name=LABELS_TASK,
        heartbeat_age=datetime.timedelta(seconds=90),
    )
    alive = _running(vendor, task_name="vendor_portal.tasks.run_export", heartbeat_age=datetime.timedelta(seconds=20))

    with django_capture_on_commit_callbacks(execute=True) as sent:
        assert job_sweep_stale() == [silent.pk]
    assert len(sent) == 1  # the label task, sent again; it ran here (eager)
    silent.refresh_from_db()
    assert silent.status == JobStatus.SUCCEEDED and silent.attempts == 2 and silent.result_id is not None
    alive.refresh_from_db()
    assert alive.status == JobStatus.RUNNING


def test_the_sweep_fails_a_job_out_of_attempts_or_without_a_task(vendor):
    worn_out = _running(vendor, task_name=LABELS_TASK, attempts=JOB_MAX_ATTEMPTS, heartbeat_age=datetime.timedelta(minutes=3))
    unknown = _running(vendor, heartbeat_age=datetime.timedelta(minutes=3))
    assert job_sweep_stale() == []
    worn_out.refresh_from_db()
    unknown.refresh_from_db()
    assert worn_out.status == JobStatus.FAILED and f"after {JOB_MAX_ATTEMPTS} attempts" in worn_out.message
    assert unknown.status == JobStatus.FAILED and "start it again" in unknown.message


def test_the_sweep_runs_every_half_minute_once_at_a_time(settings):
    entry = next(entry for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] == "vendor_portal.tasks.sweep_stale_jobs")
    assert entry["schedule"] <= 30
    assert sweep_stale_jobs.apply().get() == 0


@pytest.mark.django_db(transaction=True)
def test_a_running_job_beats_while_its_work_reports_nothing(vendor, monkeypatch):
    monkeypatch.setattr("vendor_portal.job_tasks.JOB_HEARTBEAT_SECONDS", 0.05)
    job = Job.objects.create(vendor=vendor, kind="export")
    job_claim(job_id=job.pk)
    long_ago = timezone.now() - datetime.timedelta(minutes=5)
    Job.objects.filter(pk=job.pk).update(heartbeat_at=long_ago)
    heartbeat = JobHeartbeat(job.pk)
    heartbeat.start()
    try:
        deadline = time.monotonic() + 10
        while Job.objects.get(pk=job.pk).heartbeat_at == long_ago and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        heartbeat.stop()
    assert not heartbeat.is_alive()
    assert Job.objects.get(pk=job.pk).heartbeat_at > timezone.now() - datetime.timedelta(seconds=10)
    assert job_sweep_stale() == []


# A job that hangs -----------------------------------------------------------------------------------
JOB_TASKS = [
    "vendor_portal.tasks.run_export",
    "shipments.tasks.render_shipment_labels",
    "shipments.tasks.render_shipment_packing_list",
    "reconciliation.tasks.render_dispute_packet",
    "invoicing.tasks.receive_einvoice",
    "catalogue.tasks.propose_uploaded_items",
    "edi.tasks.receive_interchange",
    "scorecards.tasks.refresh_scorecard_job",
]


def test_every_job_task_is_stopped_once_it_runs_longer_than_the_limit(settings):
    """A job that hangs while its process lives keeps beating: the time limit is what ends it."""
    app.loader.import_default_modules()
    for name in JOB_TASKS:
        task = app.tasks[name]
        assert task.soft_time_limit == settings.JOB_TIME_LIMIT_SECONDS and task.time_limit == settings.JOB_TIME_LIMIT_SECONDS + 60, name
        assert task.acks_late and task.reject_on_worker_lost, name
    assert settings.JOB_TIME_LIMIT_SECONDS + 60 < settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)


def test_a_job_over_its_time_limit_fails_with_a_message_and_frees_its_slot(vendor, settings):
    from celery.exceptions import SoftTimeLimitExceeded

    from vendor_portal.job_tasks import run_job

    settings.JOB_TIME_LIMIT_SECONDS = 600
    job = Job.objects.create(vendor=vendor, kind="export", status=JobStatus.QUEUED)

    def hangs(*, job_id, redelivered):
        Job.objects.filter(pk=job_id).update(status=JobStatus.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now())
        raise SoftTimeLimitExceeded()

    assert run_job(app.tasks["vendor_portal.tasks.run_export"], str(job.pk), hangs) is None
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.finished_at is not None
    assert job.message == "Stopped after 10 minutes: the job took far longer than it should. Start it again."
