from .base import *

DEBUG = False

try:
    from .local import *
except ImportError:
    pass

from wagtail_scale_to_zero_runtime.settings import configure

configure(globals())
