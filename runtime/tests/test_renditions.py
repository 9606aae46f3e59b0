"""One rendition is generated at a time per process (the package's renditions.py),
with Wagtail's own image model: threads asking for renditions of one image at
once never run two image filters together, and each rendition is made once."""

from .conftest import app_env
from .support import manage_shell

CODE = """
import io, threading, time
from PIL import Image as PILImage
from django.core.files.images import ImageFile
from django.db import connection
from wagtail.images import get_image_model
from wagtail.images.models import AbstractImage, Filter
from wagtail_scale_to_zero_runtime import renditions

Image = get_image_model()
buf = io.BytesIO()
PILImage.new("RGB", (400, 300), (10, 20, 30)).save(buf, "PNG")
image = Image.objects.create(title="lock test", file=ImageFile(buf, name="lock.png"))

state = {"now": 0, "max": 0}
guard = threading.Lock()
run = Filter.run

def counted_run(self, *args, **kwargs):
    with guard:
        state["now"] += 1
        state["max"] = max(state["max"], state["now"])
    try:
        time.sleep(0.2)
        return run(self, *args, **kwargs)
    finally:
        with guard:
            state["now"] -= 1

Filter.run = counted_run

def one(spec):
    try:
        Image.objects.get(pk=image.pk).get_rendition(spec)
    finally:
        connection.close()

threads = [threading.Thread(target=one, args=(spec,)) for spec in ["fill-50x50", "fill-50x50", "width-100", "width-100"]]
for t in threads: t.start()
for t in threads: t.join()
Image.objects.get(pk=image.pk).get_renditions("width-10", "width-20", "width-30")  # Wagtail's thread pool of 3
print(state["max"], image.renditions.count(), type(image).__name__,
      getattr(AbstractImage.create_rendition, renditions._INSTALLED, False))
"""


def test_renditions_are_made_one_at_a_time_with_wagtails_image_model(pg, fresh_db):
    out = manage_shell(app_env(pg.url(fresh_db)), CODE).splitlines()[-1]
    assert out == "1 5 Image True", out
