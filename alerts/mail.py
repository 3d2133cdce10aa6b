"""
The emails readers get: each in plain text and HTML, from templates, with links on SITE_URL and
the one-click unsubscribe headers of RFC 8058.
"""

import contextlib
from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse, set_script_prefix


@contextlib.contextmanager
def site_addresses():
    """
    Inside, reverse() and {% url %} give absolute addresses on SITE_URL. An email has no page
    its links could be relative to, and the site's own partials (which link with {% url %})
    make its HTML part, so the prefix every address is built on becomes the site's address.
    """
    before = get_script_prefix()
    set_script_prefix(settings.SITE_URL + "/")
    try:
        yield
    finally:
        set_script_prefix(before)


def link(name, token, *args):
    """An absolute link to the view `name`, carrying `token` in the query string (so the
    request log, which records paths only, never holds it)."""
    with site_addresses():
        return f"{reverse(name, args=args)}?{urlencode({'t': token})}"


def one_line(text, length=150):
    """Header-safe: no line breaks (they would start a new header), not too long."""
    text = " ".join(str(text).split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def compose(follower, subject, template, context, message_id=None):
    """
    An email to `follower` made from `template`.txt and `template`.html, with links to manage
    what they follow and to unsubscribe in one click (the List-Unsubscribe headers), as every
    email from the site has.
    """
    token = follower.token()
    unsubscribe = link("follow-unsubscribe", token)
    context = {
        **context,
        "site_url": settings.SITE_URL,
        "manage_url": link("follow-manage", token),
        "unsubscribe_url": unsubscribe,
    }
    with site_addresses():
        text = render_to_string(f"alerts/{template}.txt", context)
        html = render_to_string(f"alerts/{template}.html", context)
    headers = {
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }
    if message_id:
        headers["Message-ID"] = message_id
    message = EmailMultiAlternatives(
        subject=one_line(subject), body=text, to=[follower.email], headers=headers
    )
    message.attach_alternative(html, "text/html")
    return message


def confirmation(follow):
    """The double opt-in: a single-use link that starts the emails about `follow`."""
    return compose(
        follow.follower,
        f"Confirm: emails about {follow.subject}",
        "confirm",
        {
            "follow": follow,
            "confirm_url": link("follow-confirm", follow.confirmation_token()),
            "hours": settings.FOLLOW_CONFIRM_HOURS,
        },
    )


def already_following(follow):
    """Sent instead of a confirmation when the address already follows this (the page that
    asked says the same either way)."""
    return compose(
        follow.follower, f"You already follow {follow.subject}", "already", {"follow": follow}
    )
