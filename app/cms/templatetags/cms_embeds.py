from django import template

from cms.embeds import failed_offline

register = template.Library()


@register.simple_tag
def embed_failed_offline(form):
    """Whether the embed chooser form's URL just failed to load for network reasons."""
    return failed_offline(getattr(form, "cleaned_data", {}).get("url"))
