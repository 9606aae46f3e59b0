"""The package's embed chooser template is the installed Wagtail's, plus only
the warning block: a Wagtail release that changes its template fails here
instead of losing its change in the admin."""

from pathlib import Path

import wagtail.embeds

import wagtail_scale_to_zero_runtime

TEMPLATE = "templates/wagtailembeds/chooser/chooser.html"
START = "                {% embed_failed_offline form as offline %}\n"
END = "                {% endif %}\n"


def test_chooser_override_is_wagtails_plus_the_warning():
    ours = (Path(wagtail_scale_to_zero_runtime.__file__).parent / TEMPLATE).read_text()
    theirs = (Path(wagtail.embeds.__file__).parent / TEMPLATE).read_text()
    # Our header comment, our tag library, the warning block.
    body = ours[ours.index("{% endcomment %}\n") + len("{% endcomment %}\n"):]
    body = body.replace("{% load i18n scale_to_zero_embeds %}", "{% load i18n %}")
    start = body.index(START)
    body = body[:start] + body[body.index(END, start) + len(END):]
    assert "embed_failed_offline" not in body and "no internet access" not in body
    assert body == theirs
