"""gunicorn's settings for the portal: `gunicorn -c python:vendor_portal.gunicorn vendor_portal.wsgi`.

Requests are short by design: anything that can outgrow one (labels, documents, large exports, the match)
runs in the Celery worker, and CSV downloads stream. So threads serve the waiting on PostgreSQL and slow
clients, the timeout is a safety net no healthy request comes near, and processes are recycled now and then
because PDF and spreadsheet libraries keep memory they once needed.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 4))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))  # a streaming download resets it with every chunk
graceful_timeout = 30
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 2000))
max_requests_jitter = max_requests // 10
# Behind a TLS-terminating proxy: trust its X-Forwarded-* headers (narrow this to the proxy's address).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
