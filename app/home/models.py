import threading

from django.conf import settings
from django.db import models

from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.images.models import AbstractImage, AbstractRendition, Image
from wagtail.models import Page

# One image rendition is generated at a time per process. Without this, a page with a
# freshly uploaded photo hit by N concurrent requests decodes the full-size original N
# times at once (measured: a 12 MP photo under 32 clients took the app from ~350 MB
# to over 1 GB), which would exhaust a small App Runner instance.
_RENDITION_LOCK = threading.RLock()


class CmsImage(AbstractImage):
    """Wagtail's image model, with bounded rendition generation (see above)."""

    admin_form_fields = Image.admin_form_fields

    def create_rendition(self, filter):
        with _RENDITION_LOCK:
            # Another thread may have made it while this one waited for the lock.
            try:
                return self.find_existing_rendition(filter)
            except self.get_rendition_model().DoesNotExist:
                return super().create_rendition(filter)

    def generate_rendition_file(self, filter, *, source=None):
        with _RENDITION_LOCK:
            return super().generate_rendition_file(filter, source=source)


class CmsRendition(AbstractRendition):
    image = models.ForeignKey(CmsImage, on_delete=models.CASCADE, related_name="renditions")

    class Meta:
        unique_together = (("image", "filter_spec", "focal_point_key"),)


class HomePage(Page):
    """The stock home page plus an image and a body, so an editor can publish
    content whose media lives in the S3 bucket."""

    image = models.ForeignKey(
        settings.WAGTAILIMAGES_IMAGE_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = RichTextField(blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("image"),
        FieldPanel("body"),
    ]
