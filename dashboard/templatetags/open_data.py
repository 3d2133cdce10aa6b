"""
Template tags for the open-data surfaces: JSON-LD, feed and oEmbed discovery links.

    {% load open_data %}
    {% json_ld story %}             NewsArticle for a story; Quotation, Event or Dataset for
                                    a statement, event or series; a dict is emitted as is
    {% feed_link story %}           <link rel="alternate" type="application/atom+xml" ...>
    {% oembed_link %}               <link rel="alternate" type="application/json+oembed" ...>
"""

import json
from urllib.parse import urlencode

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from dashboard import structured_data

register = template.Library()

# As django.utils.html.json_script: inside <script>, "<", ">" and "&" as JSON escapes, so no
# stored text can close the element ("</script>") or open a comment ("<!--").
SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def json_for_script(data):
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(SCRIPT_ESCAPES)


@register.simple_tag(takes_context=True)
def json_ld(context, value):
    request = context.get("request")
    data = structured_data.for_object(value, request)
    nonce = context.get("csp_nonce")
    # Safe: the JSON has <, > and & escaped, so it cannot end the script element.
    payload = mark_safe(json_for_script(data))
    if nonce:
        return format_html(
            '<script type="application/ld+json" nonce="{}">{}</script>', nonce, payload
        )
    return format_html('<script type="application/ld+json">{}</script>', payload)


@register.simple_tag(takes_context=True)
def feed_link(context, story, stakeholder=None):
    if stakeholder is None:
        title, path = f"{story.title} (Atom feed)", story.get_feed_url()
    else:
        title = f"{stakeholder.name} · {story.title} (Atom feed)"
        path = story.get_person_feed_url(stakeholder)
    return format_html(
        '<link rel="alternate" type="application/atom+xml" title="{}" href="{}">', title, path
    )


@register.simple_tag(takes_context=True)
def oembed_link(context, title=""):
    request = context["request"]
    query = urlencode({"url": request.build_absolute_uri(request.path), "format": "json"})
    return format_html(
        '<link rel="alternate" type="application/json+oembed" href="{}" title="{}">',
        request.build_absolute_uri(f"/oembed/?{query}"),
        title,
    )
