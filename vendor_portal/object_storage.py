"""Documents and uploads in an S3-compatible bucket (AWS S3, MinIO, ...), configured by S3_* in the settings.

Objects are private; people get a file through vendor_portal.downloads, which redirects a request the view has
already allowed to a URL signed for S3_URL_EXPIRY seconds.
"""

import threading

from storages.backends.s3 import S3Storage
from storages.utils import clean_name


class ObjectStorage(S3Storage):
    """django-storages' S3Storage that may sign download URLs for another address of the same server
    (`public_endpoint_url`): in docker-compose the containers reach MinIO as http://minio:9000 and a browser
    as http://localhost:9000. A signature covers the host, so the URL is signed for the browser's address."""

    def __init__(self, **settings):
        super().__init__(**settings)
        self._public_clients = threading.local()

    def get_default_settings(self):
        return {**super().get_default_settings(), "public_endpoint_url": None}

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_public_clients", None)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        self._public_clients = threading.local()

    def _public_client(self):
        client = getattr(self._public_clients, "client", None)
        if client is None:  # signing needs no request: this client never talks to the public address
            client = self._create_session().client(
                "s3", region_name=self.region_name, endpoint_url=self.public_endpoint_url, config=self.client_config, verify=self.verify
            )
            self._public_clients.client = client
        return client

    def url(self, name, parameters=None, expire=None, http_method=None):
        if not self.public_endpoint_url:
            return super().url(name, parameters=parameters, expire=expire, http_method=http_method)
        params = {**(parameters or {}), "Bucket": self.bucket_name, "Key": self._normalize_name(clean_name(name))}
        return self._public_client().generate_presigned_url(
            "get_object", Params=params, ExpiresIn=self.querystring_expire if expire is None else expire, HttpMethod=http_method
        )
