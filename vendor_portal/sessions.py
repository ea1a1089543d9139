"""Sessions read from the cache (Redis) and written through to PostgreSQL, like Django's cached_db, except that
a cache that is down costs speed, not the request: the session comes from PostgreSQL and the failure is logged.
(Django's own cached_db swallows a failed cache read or write, but not the refill after a read from the
database, nor a delete, so a Redis outage signed nobody out yet answered every signed-in page with a 500.)
Settings: SESSION_ENGINE = "vendor_portal.sessions"."""

import logging

from django.contrib.sessions.backends import cached_db

logger = logging.getLogger(__name__)


class SessionStore(cached_db.SessionStore):
    def load(self):
        try:
            data = self._cache.get(self.cache_key)
        except Exception:  # noqa: BLE001 - the cache down (or a key it refuses): PostgreSQL has the session
            logger.warning("session cache unreachable: reading the session from the database", exc_info=True)
            return self._load_from_db(refill=False)
        return data if data is not None else self._load_from_db(refill=True)

    def _load_from_db(self, *, refill: bool) -> dict:
        stored = self._get_session_from_db()
        if not stored:
            return {}
        data = self.decode(stored.session_data)
        if refill:
            try:
                self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=stored.expire_date))
            except Exception:  # noqa: BLE001
                logger.warning("session cache unreachable: the session was not cached", exc_info=True)
        return data

    def delete(self, session_key=None):
        try:
            super().delete(session_key)
        except Exception:  # noqa: BLE001 - the database row is deleted first; a cached copy expires on its own
            logger.warning("session cache unreachable: a deleted session may stay cached until it expires", exc_info=True)
