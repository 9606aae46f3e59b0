"""FormPage: a page whose template holds a form with a CSRF token, so every view of it
sets the csrftoken cookie."""

from wagtail.models import Page


class FormPage(Page):
    template = "page_cache_fixture/form_page.html"
