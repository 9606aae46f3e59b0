"""One image rendition is generated at a time per process, for any image model.

Without this, a page with a freshly uploaded photo hit by N concurrent requests
decodes the full-size original N times at once (measured: a 12 MP photo under 32
clients took the app from ~350 MB to over 1 GB), which would exhaust a small App
Runner instance. ``install()`` (from the app's ready()) wraps Wagtail's
AbstractImage.create_rendition and generate_rendition_file in one lock per
process, so Wagtail's Image and every custom image model (which inherit them, or
call them through super()) get it without a model of their own.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

from wagtail.images.models import AbstractImage

_RENDITION_LOCK = threading.RLock()
_INSTALLED = "_wagtail_scale_to_zero_runtime_lock"


def install() -> None:
    """Serialises rendition generation in this process (idempotent)."""
    create_rendition = AbstractImage.create_rendition
    generate_rendition_file = AbstractImage.generate_rendition_file
    if getattr(create_rendition, _INSTALLED, False):
        return

    @functools.wraps(create_rendition)
    def locked_create_rendition(self: AbstractImage, filter: Any) -> Any:
        with _RENDITION_LOCK:
            # Another thread may have made it while this one waited for the lock.
            try:
                return self.find_existing_rendition(filter)
            except self.get_rendition_model().DoesNotExist:
                return create_rendition(self, filter)

    @functools.wraps(generate_rendition_file)
    def locked_generate_rendition_file(self: AbstractImage, filter: Any, *, source: Any = None) -> Any:
        with _RENDITION_LOCK:
            return generate_rendition_file(self, filter, source=source)

    setattr(locked_create_rendition, _INSTALLED, True)
    setattr(locked_generate_rendition_file, _INSTALLED, True)
    AbstractImage.create_rendition = locked_create_rendition  # type: ignore[method-assign]
    AbstractImage.generate_rendition_file = locked_generate_rendition_file  # type: ignore[method-assign]
