"""wagtail-scale-to-zero's container contract for any Wagtail site.

Add ``wagtail-scale-to-zero-runtime`` to the site's requirements and end its
production settings with::

    from wagtail_scale_to_zero_runtime.settings import configure
    configure(globals())

Start the site with the ``wagtail-scale-to-zero-start`` console script.
"""
