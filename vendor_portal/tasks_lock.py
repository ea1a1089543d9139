"""One run at a time of a periodic task, across every worker node.

- `single_run(ttl)` — decorator for the tasks of settings.CELERY_BEAT_SCHEDULE: a run takes a lock in the cache
  (Redis when configured, which every node shares) and gives it back when it ends; a run that finds the lock
  taken (a second beat started by accident, a tick delivered twice) does nothing, logs it and returns SKIPPED.
"""

import functools
import logging
import uuid

from django.core.cache import cache

logger = logging.getLogger(__name__)

SKIPPED = "skipped: another run of this task holds its lock"


def single_run(ttl: int):
    """`ttl` (seconds) outlasts the task's longest run: it is also how long the lock of a worker that died
    mid-run keeps the next runs out. A run after another has ended still runs: every periodic task is
    idempotent, the lock keeps two from working at the same time."""

    def decorate(task_function):
        name = f"{task_function.__module__}.{task_function.__qualname__}"
        key = f"single-run:{name}"

        @functools.wraps(task_function)
        def run(*args, **kwargs):
            token = uuid.uuid4().hex
            if not cache.add(key, token, ttl):
                logger.info("%s skipped: another run holds its lock", name)
                return SKIPPED
            try:
                return task_function(*args, **kwargs)
            finally:
                if cache.get(key) == token:  # not a lock that expired meanwhile and another run took
                    cache.delete(key)

        run.single_run_key, run.single_run_ttl = key, ttl
        return run

    return decorate
