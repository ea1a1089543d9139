"""What the API's rate limit costs a request: the sliding-window script against a bare Redis INCR.

Each request the API serves runs `vendor_portal.api.throttling.rate_limit_take` once: one Lua script that
reads the current and the previous window's counters and counts the request if it passes. The baseline is the
least any atomic counter can do: one INCR on the same Redis, over the same kind of connection. Both run
`--calls` times from one thread (round trips dominate: the ratio says what the two extra reads in the script
cost), then from `--threads` threads at once against one key (what a busy token looks like).

    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/throttle.py
    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/throttle.py --calls 20000 --threads 8

Needs a Redis (REDIS_URL); no database. Leaves nothing behind (its keys are deleted).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vendor_portal.settings.test")
os.environ.setdefault("DATABASE_URL", "postgres://unused@127.0.0.1:1/unused")  # settings want one; nothing connects

import django  # noqa: E402
import redis  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from vendor_portal.api.throttling import rate_limit_take  # noqa: E402


def timed(calls: int, threads: int, work) -> float:
    """Seconds for `calls` calls of work(), shared out over `threads` threads started together."""
    barrier = threading.Barrier(threads + 1)
    share = calls // threads

    def run():
        barrier.wait()
        for _ in range(share):
            work()

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    barrier.wait()
    started = time.perf_counter()
    for worker in workers:
        worker.join()
    return time.perf_counter() - started


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args(argv)
    url = os.environ.get("REDIS_URL")
    if not url:
        sys.exit("Set REDIS_URL: the rate limit counts in Redis.")
    settings.THROTTLE_REDIS_URL = url
    key = f"bench-throttle:{uuid.uuid4().hex}"
    client = redis.Redis.from_url(url, socket_connect_timeout=0.25, socket_timeout=0.25)
    # A limit no run reaches, so every call takes the script's full path (read, read, count).
    limit = 10 * args.calls

    def sliding():
        rate_limit_take(key, limit=limit, period=60, now=time.time())

    def incr():
        client.incr(f"{key}:baseline")

    try:
        sliding(), incr()  # connections opened, the script loaded
        print(f"{'threads':>7} {'calls':>7} {'INCR µs/call':>13} {'sliding µs/call':>16} {'ratio':>6}")
        for threads in (1, args.threads):
            baseline_s = timed(args.calls, threads, incr)
            sliding_s = timed(args.calls, threads, sliding)
            per = 1e6 / args.calls
            print(f"{threads:>7} {args.calls:>7} {baseline_s * per:>13.1f} {sliding_s * per:>16.1f} {sliding_s / baseline_s:>6.2f}")
    finally:
        client.delete(*client.keys(f"{key}*"))


if __name__ == "__main__":
    main()
