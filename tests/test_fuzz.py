"""
No input reaches a 500. Every public URL in the URL map, with the query parameters the site
reads (and some it does not), answers 2xx, 3xx or 4xx to hostile values: Unicode digits that
str.isdigit() accepts and int() does not, NUL, lone surrogates and invalid UTF-8 as percent
escapes, 10 kB values, absurd dates, cursors and numbers, repeated parameters, htmx headers.

The URLs come from the URL resolver, filled with the real slugs and ids of a published story,
so a new URL is fuzzed as soon as it exists; a URL argument with no example fails the test.
Every query parameter a view reads by name is recorded, and one the fuzzer does not know
fails the test too, so a new parameter gets fuzzed as well.
"""

import datetime
from urllib.parse import quote

import pytest
from django.conf import settings
from django.http import QueryDict
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from alerts.models import Follow, Follower
from dashboard.api import api
from stories.models import NegotiationEvent
from tests import factories

pytestmark = pytest.mark.django_db


def public_patterns(patterns=None, prefix="", namespace=None):
    """(route, URL name, argument names) of every URL but the editors' admin."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if route == settings.ADMIN_PATH:
            continue
        if isinstance(pattern, URLResolver):
            yield from public_patterns(pattern.url_patterns, route, pattern.namespace)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield route, name, sorted(pattern.pattern.converters) or route_arguments(pattern)


def route_arguments(pattern):
    # Regex patterns (none yet) name their groups instead of converters.
    return sorted(pattern.pattern.regex.groupindex)


PATTERNS = sorted(public_patterns())

# What the site's own views read, by name (forms in dashboard/filters.py, dashboard/oembed.py,
# the live poll in dashboard/views.py, the sitemap's page), and the API's query parameters from
# its OpenAPI schema.
READ_BY_VIEWS = {
    *["who", "kind", "event_kind", "start", "end", "q", "order", "before"],
    *["by", "status"],  # the pledge tracker's form (dashboard/pledges.py)
    "since",
    "version",  # what a part of an open page asks for itself at (dashboard/reading.py)
    *["url", "maxwidth", "maxheight", "format"],
    "t",  # the signed token of a link in an email (dashboard/following.py)
    "p",
}
READ_BY_API = {
    parameter["name"]
    for path in api.get_openapi_schema()["paths"].values()
    for operation in path.values()
    for parameter in operation.get("parameters", [])
    if parameter["in"] == "query"
}
# The live poll's old per-reader positions among them: the site reads them no more.
NOT_READ = ["x", "utm_source", "fbclid", "page", "id", "", "top", "bottom", "checked"]
NAMES = sorted(READ_BY_VIEWS | READ_BY_API) + NOT_READ

# Values as they appear in a query string, already percent-encoded.
HOSTILE = [
    "",
    "%C2%B2",  # ² superscript two
    "%E2%91%A0",  # ① circled one
    "%D9%A3",  # ٣ Arabic-Indic three, which int() reads as 3
    "%EF%BC%95",  # ５ fullwidth five
    "%00",
    "a%00b",
    "%ED%A0%80",  # a lone surrogate, as UTF-8 would encode it
    "%ED%B2%A9abc",
    "%FF%FE",  # not UTF-8 at all
    "%C0%AF",  # an overlong slash
    "x" * 10_000,
    "%E2%91%A0" * 1200,
    "0000-00-00",
    "99999-01-01",
    "2024-02-30",
    "-0001-01-01",
    "2024-W53",
    "-1",
    "0",
    "-9223372036854775809",
    "9223372036854775808",
    "9" * 5000,
    "1e309",
    "NaN",
    "inf",
    "0x10",
    "2024-09-27.s.1",
    "2024-09-27.s.0",
    "99999-01-01.e.1",
    "0000-00-00.s.1",
    "2024-09-27.s.99999999999999999999",
    "MjAyNC0wOS0yN3wxfDE",  # an API cursor for (2024-09-27, statement, 1)
    "MDAwMC0wMC0wMHwxfDE",  # the same for day 0000-00-00
    "%22a%20phrase%22%20-not%20or",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "http%3A%2F%2Ftestserver%2Fstories%2F",
    "javascript%3Aalert(1)",
    "%2e%2e%2f%2e%2e%2f",
    "statements",
    "events",
    "relevance",
    "deadline",
    "json",
    "xml",
]


def encoded(text):
    return quote(text, safe="")


values = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=30).map(encoded),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.dates(min_value=datetime.date(1, 1, 1)).map(datetime.date.isoformat),
)
queries = st.lists(st.tuples(st.sampled_from(NAMES), values), max_size=6)
HTMX_HEADERS = [
    {},
    {"HX-Request": "true"},
    {"HX-Request": "true", "HX-Trigger": "filters"},
    {"HX-Request": "true", "HX-History-Restore-Request": "true"},
]


class RecordingQueryDict(QueryDict):
    """request.GET that remembers every parameter name a view asks it for."""

    asked = set()

    def __getitem__(self, key):
        self.asked.add(key)
        return super().__getitem__(key)

    def getlist(self, key, default=None):
        self.asked.add(key)
        return super().getlist(key, default)

    def __contains__(self, key):
        self.asked.add(key)
        return super().__contains__(key)


@pytest.fixture
def asked(monkeypatch):
    RecordingQueryDict.asked = set()
    monkeypatch.setattr("django.core.handlers.wsgi.QueryDict", RecordingQueryDict)
    return RecordingQueryDict.asked


@pytest.fixture
def published_story():
    """A published story with one of everything, so every URL has real arguments."""
    story = factories.story()
    person = factories.stakeholder()
    statement = factories.statement(story, speaker=person, quote="The factory must stay open.")
    event = factories.event(story, participants=[person], kind=NegotiationEvent.Kind.MILESTONE)
    factories.statement(story, event=event, quote="A statement at the event.")
    pledge = factories.pledge(story, pledger=person)
    factories.pledge_update(pledge)
    series = factories.series(story)
    factories.point(series)
    follow = Follow.objects.create(
        follower=Follower.objects.create(email="test-reader@example.test"), story=story
    )
    return {
        ("follow-confirm", "t"): follow.confirmation_token(),
        ("follow-manage", "t"): follow.follower.token(),
        ("follow-unsubscribe", "t"): follow.follower.token(),
        "slug": story.slug,
        "stakeholder_slug": person.slug,
        "stakeholder": person.slug,
        "series_slug": series.slug,
        ("statement", "pk"): statement.pk,
        ("embed-statement", "pk"): statement.pk,
        ("event", "pk"): event.pk,
        ("pledge", "pk"): pledge.pk,
        "pledge_id": pledge.pk,
    }


def example_url(name, arguments, examples):
    """The URL filled with real arguments, and with the query it needs to do anything."""
    missing = [arg for arg in arguments if (name, arg) not in examples and arg not in examples]
    assert not missing, f"no example argument for {missing} of the URL {name!r}: add one"
    kwargs = {arg: examples.get((name, arg), examples.get(arg)) for arg in arguments}
    path = reverse(name, kwargs=kwargs)
    if (name, "t") in examples:  # pages reached from a link in an email
        path += f"?t={encoded(examples[(name, 't')])}"
    if name == "oembed":
        story_url = f"http://testserver{reverse('story', args=[examples['slug']])}"
        path += f"?url={encoded(story_url)}"
    return path


def with_query(path, pairs):
    """`path` with more parameters after its own: a repeated name's last value counts."""
    query = "&".join(f"{encoded(name)}={value}" for name, value in pairs)
    return f"{path}{'&' if '?' in path else '?'}{query}"


# django-ninja's root, which has nothing to show.
NOT_FOUND_BY_DESIGN = {"api:api-root"}


def answer_is_not_a_server_error(name, response):
    # oEmbed's spec answers an unsupported format with 501 Not Implemented.
    allowed = {501} if name == "oembed" else set()
    assert response.status_code < 500 or response.status_code in allowed, response


def assert_all_known(name, asked):
    unknown = asked - set(NAMES)
    assert not unknown, f"{name} reads {unknown}: add them to READ_BY_VIEWS so they are fuzzed"


def api_parameters(route):
    """The query parameters the API's OpenAPI schema gives for this route."""
    path = "/" + route.replace("<slug>", "{slug}")
    operations = api.get_openapi_schema()["paths"].get(path, {}).values()
    return {
        parameter["name"]
        for operation in operations
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query"
    }


@pytest.mark.parametrize(("route", "name", "arguments"), PATTERNS, ids=[p[0] for p in PATTERNS])
def test_no_query_makes_a_public_url_fail(client, published_story, asked, route, name, arguments):
    path = example_url(name, arguments, published_story)
    # The examples are real, so the fuzzing reaches the view's own code, not an early 404.
    expected = 404 if name in NOT_FOUND_BY_DESIGN else 200
    assert client.get(path, follow=True).status_code == expected, path
    read_plain = set(asked)
    client.get(path, headers=HTMX_HEADERS[1])
    read_by_htmx = asked - read_plain
    assert_all_known(name, asked)

    # Each parameter the view reads, alone, with every fixed hostile value...
    for parameter in sorted(read_plain | api_parameters(route)):
        for value in HOSTILE:
            answer_is_not_a_server_error(name, client.get(with_query(path, [(parameter, value)])))
    for parameter in sorted(read_by_htmx):
        for value in HOSTILE:
            response = client.get(with_query(path, [(parameter, value)]), headers=HTMX_HEADERS[1])
            answer_is_not_a_server_error(name, response)

    # ...then mixes of known and unknown parameters, repeated ones, and htmx's headers.
    @given(query=queries, headers=st.sampled_from(HTMX_HEADERS))
    @hypothesis_settings(max_examples=20, suppress_health_check=list(HealthCheck))
    def fuzz(query, headers):
        answer_is_not_a_server_error(name, client.get(with_query(path, query), headers=headers))

    fuzz()
    assert_all_known(name, asked)


def test_every_public_url_is_fuzzed():
    names = {name for _, name, _ in PATTERNS}

    assert {"story", "story-updates", "oembed", "api:list_timeline", "figure-embed"} <= names
    assert not [route for route, _, _ in PATTERNS if route.startswith(settings.ADMIN_PATH)]
