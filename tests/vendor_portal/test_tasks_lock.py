import logging
import threading

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils.module_loading import import_string

from vendor_portal.tasks_lock import SKIPPED, single_run


@single_run(ttl=60)
def sweep(started: threading.Event, release: threading.Event) -> str:
    started.set()
    release.wait(10)
    return "swept"


def test_an_overlapping_run_is_skipped_and_says_so(caplog):
    started, release, results = threading.Event(), threading.Event(), []
    first = threading.Thread(target=lambda: results.append(sweep(started, release)))
    first.start()
    try:
        assert started.wait(10)
        with caplog.at_level(logging.INFO, logger="vendor_portal.tasks_lock"):
            assert sweep(threading.Event(), threading.Event()) == SKIPPED
        assert "test_tasks_lock.sweep skipped: another run holds its lock" in caplog.text
    finally:
        release.set()
        first.join(10)
    assert results == ["swept"]
    release.set()
    assert sweep(threading.Event(), release) == "swept"  # the lock went with the first run


def test_the_lock_is_released_when_the_run_fails():
    @single_run(ttl=60)
    def failing():
        raise OSError("disk full")

    with pytest.raises(OSError):
        failing()
    with pytest.raises(OSError):
        failing()  # not skipped: the failed run gave the lock back


def test_a_lock_that_expired_and_was_taken_by_another_run_is_not_released_by_the_first():
    @single_run(ttl=60)
    def slow():
        cache.set(slow.single_run_key, "another run's token", 60)  # this run's lock expired and another run took it

    slow()
    assert cache.get(slow.single_run_key) == "another run's token"
    cache.delete(slow.single_run_key)


@pytest.mark.parametrize("entry", sorted(settings.CELERY_BEAT_SCHEDULE))
def test_every_periodic_task_runs_once_at_a_time(entry):
    task = import_string(settings.CELERY_BEAT_SCHEDULE[entry]["task"])
    assert getattr(task.run, "single_run_ttl", 0) > 0, f"{entry}: decorate its task with @single_run(ttl=...)"


@pytest.mark.django_db
def test_a_second_beat_tick_while_the_first_runs_is_skipped_by_the_task_itself():
    from webhooks.tasks import deliver_due_webhooks

    assert cache.add(deliver_due_webhooks.run.single_run_key, "the first tick's run", 60)
    try:
        assert deliver_due_webhooks.delay().get() == SKIPPED
    finally:
        cache.delete(deliver_due_webhooks.run.single_run_key)
    assert deliver_due_webhooks.delay().get() == 0
