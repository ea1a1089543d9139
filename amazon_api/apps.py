from django.apps import AppConfig


class AmazonApiConfig(AppConfig):
    """The Amazon-compatible vendor door: SP-API paths and shapes over the portal's own services."""

    name = "amazon_api"
    verbose_name = "Amazon-compatible API"
