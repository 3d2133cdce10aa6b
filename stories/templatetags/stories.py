from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter
def precise_date(value):
    """
    Render a PreciseDate as <time> at its true precision. HTML has no <time> for an interval,
    so a period marks up each of its ends: <time datetime="2024-07">July</time>–<time …>.
    """
    if value is None:
        return ""
    if value.is_period:
        (first, last), (first_iso, last_iso) = value.period_texts, value.period_machine_readable
        dash = " – " if " " in first else "–"
        return format_html(
            '<time datetime="{}">{}</time>{}<time datetime="{}">{}</time>',
            first_iso,
            first,
            dash,
            last_iso,
            last,
        )
    return format_html('<time datetime="{}">{}</time>', value.machine_readable, value)
