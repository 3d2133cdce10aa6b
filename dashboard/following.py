"""
Following a story, or a person in a story, by email: the sign-up form, the confirmation link,
the page that lets a follower change what they follow, and one-click unsubscribe.

The story and person pages are cached for every reader, so they carry only a link here; the
form is loaded from this uncached address (by htmx in place, or as a page without JavaScript)
with its own CSRF token. Whatever the address entered (new, waiting for confirmation, already
following, over its hourly limit, or typed by a bot into the honeypot), the reader is told the
same thing with the same status, and the email, if any, is sent after the answer has gone, so
neither the words nor the time taken say who follows what.

Links in emails carry their token in the query string (`?t=`): the request log records paths
only, so it never holds one.
"""

import functools
import logging

from axes.helpers import get_client_ip_address
from django import forms
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.shortcuts import get_object_or_404, render
from django.utils.crypto import salted_hmac
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from redis.exceptions import RedisError

from alerts import services
from alerts.models import Follow, Follower
from stories.models import Story
from stories.timeline import people_on_record

from . import routers
from .reading import vary_on_htmx, wants_fragment

log = logging.getLogger(__name__)

LIMIT_SECONDS = 3600


class SignUpForm(forms.Form):
    email = forms.EmailField(
        label="Your email address",
        max_length=254,
        error_messages={
            "required": "Enter your email address.",
            "invalid": "Enter an email address like name@example.com.",
            "max_length": "An email address is at most 254 characters long.",
        },
    )
    # A honeypot: hidden from people (and from screen readers), filled in by bots.
    website = forms.CharField(required=False, label="Leave this empty")

    def is_bot(self):
        return bool(self.cleaned_data.get("website"))


class TokenForm(forms.Form):
    """The `t` of a link from an email."""

    t = forms.CharField(max_length=200)


class LinkProblem(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def on_primary(view):
    """Followers' own data: read where it was written, whatever a replica's lag."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        with routers.primary():
            return view(request, *args, **kwargs)

    return wrapped


def over_limit(kind, value, limit):
    """Count one more sign-up for `value` this hour; whether it is more than `limit`. Keys are
    keyed hashes, so the cache holds neither addresses nor client addresses."""
    key = (
        "follow-limit:"
        + salted_hmac(f"alerts.{kind}", value.lower(), algorithm="sha256").hexdigest()
    )
    cache.add(key, 0, LIMIT_SECONDS)
    try:
        count = cache.incr(key)
    except (ValueError, RedisError):  # expired between add and incr; or Redis is down, and
        # the limit lets the sign-up through rather than fail it (dashboard/cache.py)
        cache.set(key, 1, LIMIT_SECONDS)
        count = 1
    return count > limit


def send_after_answering(response, message):
    """
    Send `message` once the answer is on its way: the WSGI server calls close() after writing
    the body, so the time the reader waits never depends on which email (if any) goes, nor on
    the mail server. A failure is logged; the reader can ask again.
    """
    if message is None:
        return response
    close = response.close

    def send_then_close():
        try:
            message.send()
        except Exception:
            log.exception("Could not send a sign-up email")
        finally:
            close()

    response.close = send_then_close
    return response


@never_cache
@vary_on_htmx
@require_http_methods(["GET", "HEAD", "POST"])
@on_primary
def follow_story(request, slug):
    story = get_object_or_404(Story.objects.published(), slug=slug)
    return sign_up(request, story)


@never_cache
@vary_on_htmx
@require_http_methods(["GET", "HEAD", "POST"])
@on_primary
def follow_person(request, slug, stakeholder_slug):
    story = get_object_or_404(Story.objects.published(), slug=slug)
    person = get_object_or_404(people_on_record(story), slug=stakeholder_slug)
    return sign_up(request, story, person)


def sign_up(request, story, person=None):
    template = "dashboard/follow.html"
    fragment = "#follow-form" if wants_fragment(request) else ""
    context = {
        "story": story,
        "person": person,
        "person_url": story.get_person_url(person) if person else None,
        "action": request.path,
    }
    status = 200
    form = SignUpForm()
    if request.method == "POST":
        form = SignUpForm(request.POST)
        if not form.is_valid():
            status = 400
        elif over_limit("client", get_client_ip_address(request) or "", client_limit()):
            context["too_many"] = True
            status = 429
        else:
            message = None
            email = form.cleaned_data["email"]
            if not form.is_bot() and not over_limit("address", email, address_limit()):
                message = services.sign_up(email, story, person)
            fragment = "#follow-sent" if wants_fragment(request) else ""
            response = render(request, template + fragment, {**context, "sent": True})
            return send_after_answering(response, message)
    context["form"] = form
    return render(request, template + fragment, context, status=status)


def client_limit():
    return settings.FOLLOW_LIMIT_PER_CLIENT


def address_limit():
    return settings.FOLLOW_LIMIT_PER_ADDRESS


def token_from(request):
    form = TokenForm(request.GET)
    if not form.is_valid():
        raise LinkProblem(400, "This link is incomplete or damaged: open it again from the email.")
    return form.cleaned_data["t"]


def follower_from(request):
    try:
        return Follower.from_token(token_from(request))
    except signing.BadSignature as error:
        raise LinkProblem(400, "This link is damaged: open it again from the email.") from error
    except Follower.DoesNotExist as error:
        raise LinkProblem(
            410, "This address follows nothing here any more: it has been unsubscribed."
        ) from error


def page(request, name, context, status=200):
    """One of the pages reached from a link in an email (dashboard/following.html)."""
    return render(request, "dashboard/following.html", {**context, "page": name}, status=status)


def link_problem(request, problem):
    return page(request, "link-problem", {"problem": problem}, problem.status)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@on_primary
def confirm(request):
    """GET shows a button; POST confirms. A link scanner that opens every link in an email
    (as many mail systems do) must not use up the single-use link on the reader's behalf."""
    try:
        follow = Follow.from_confirmation_token(token_from(request))
    except LinkProblem as problem:
        return link_problem(request, problem)
    except signing.SignatureExpired:
        return link_problem(
            request,
            LinkProblem(
                410,
                f"This confirmation link has expired (links work for "
                f"{settings.FOLLOW_CONFIRM_HOURS} hours): sign up again from the story's page.",
            ),
        )
    except signing.BadSignature:
        return link_problem(
            request, LinkProblem(400, "This link is damaged: open it again from the email.")
        )
    except Follow.DoesNotExist:
        return link_problem(
            request,
            LinkProblem(
                410, "This sign-up is no longer open: sign up again from the story's page."
            ),
        )
    if follow.is_confirmed:
        return link_problem(
            request,
            LinkProblem(
                410, "This link has already been used: the emails have started, nothing changed."
            ),
        )
    context = {"follow": follow}
    if request.method == "POST":
        follow = services.confirm(follow)
        context.update(confirmed=True, manage_token=follow.follower.token())
    return page(request, "confirm", context)


class RemoveForm(forms.Form):
    follow = forms.IntegerField(min_value=1, max_value=2**63 - 1)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@on_primary
def manage(request):
    """What a follower follows, with a way to stop each, reached from any of their emails."""
    try:
        follower = follower_from(request)
    except LinkProblem as problem:
        return link_problem(request, problem)
    status = 200
    context = {"follower": follower, "token": request.GET["t"]}
    if request.method == "POST":
        form = RemoveForm(request.POST)
        follow = None
        if form.is_valid():
            follow = follower.follows.filter(pk=form.cleaned_data["follow"]).first()
        if follow is None:
            status = 400
            context["error"] = "Choose one of the things listed below to stop following."
        else:
            context["stopped"] = follow.subject
            if services.unfollow(follow):
                return page(request, "unsubscribed", context)
    context["follows"] = follower.follows.select_related("story", "stakeholder").order_by("pk")
    return page(request, "manage", context, status)


# RFC 8058: a mail system unsubscribes with a POST of "List-Unsubscribe=One-Click" to the
# List-Unsubscribe address, without cookies or a session, so there is no CSRF token to send.
# The signed token in the address is what authorises it; a forged cross-site POST would need
# that token too.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@on_primary
def unsubscribe(request):
    """POST (one click in the mail program, or the button here) deletes the address; GET only
    shows the button, since link scanners open every link."""
    try:
        follower = follower_from(request)
    except LinkProblem as problem:
        if request.method == "POST" and problem.status == 410:
            return page(request, "unsubscribed", {})  # done before
        return link_problem(request, problem)
    if request.method == "POST":
        services.forget(follower)
        return page(request, "unsubscribed", {})
    context = {"follower": follower, "token": request.GET["t"]}
    return page(request, "unsubscribe", context)
