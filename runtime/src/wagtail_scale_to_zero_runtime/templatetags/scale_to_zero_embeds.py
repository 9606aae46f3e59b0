"""Template tags of the embed chooser override (templates/wagtailembeds/chooser/chooser.html)."""

from __future__ import annotations

from typing import Any

from django import template

from ..embeds import failed_offline

register = template.Library()


@register.simple_tag
def embed_failed_offline(form: Any) -> bool:
    """Whether the embed chooser form's URL just failed to load for network reasons."""
    return failed_offline(getattr(form, "cleaned_data", {}).get("url"))
