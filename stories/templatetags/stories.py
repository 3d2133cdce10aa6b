from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter
def precise_date(value):
    """Render a PreciseDate as a <time> element at its true precision."""
    if value is None:
        return ""
    return format_html('<time datetime="{}">{}</time>', value.machine_readable, value)
