"""Probes for a load balancer or an orchestrator.

/healthz (liveness): the process answers. It touches nothing else, so a database outage does not make every
web process look dead and get restarted at once.
/readyz (readiness): this process can serve: the database answers and has every migration applied, and the
cache (Redis when configured) takes a write. 503 with the failing checks otherwise, so traffic goes elsewhere.
"""

import time

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

_migrated = False  # once the database is seen fully migrated it stays so for this process's life


def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request):
    checks = {"database": _check(_database), "migrations": _check(_migrations), "cache": _check(_cache)}
    ready = all(result == "ok" for result in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)


def _check(probe) -> str:
    try:
        return probe() or "ok"
    except Exception as error:  # a probe reports what failed; it never fails the request itself
        return f"error: {type(error).__name__}"


def _database():
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")


def _migrations():
    global _migrated
    if _migrated:
        return None
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        return f"pending: {len(pending)}"
    _migrated = True
    return None


def _cache():
    key = "readyz-probe"
    value = str(time.time())
    cache.set(key, value, 10)
    if cache.get(key) != value:
        return "error: the cache did not keep a value"
    return None
