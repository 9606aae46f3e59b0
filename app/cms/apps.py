"""The cms app: when Django starts, outbound calls get their timeout (cms/outbound.py)."""

from django.apps import AppConfig

from cms import outbound


class CmsConfig(AppConfig):
    name = "cms"

    def ready(self):
        outbound.set_default_timeout()
