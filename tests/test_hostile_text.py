"""
Stored text is hostile. Quotes, names, URLs and notes holding markup, `</script>`, htmx
attributes, template syntax or spreadsheet formulas are stored as they are and come out inert on
every surface: shown as text, never run, never turned into elements or attributes.
`javascript:` and other non-web URLs are refused by the database itself.

SURFACES lists every place stored text comes out. A new surface (a feed, the CSV export, chart
hover text, JSON-LD, the API) is one more Surface with the checker for its format.
"""

import csv
import datetime
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.html import escape

from stories.models import NegotiationEvent, Series, Source
from tests import factories

MARKER = "HOSTILE"

PAYLOADS = [
    f'<script>alert("{MARKER}-script")</script>',
    f"</script><script>alert('{MARKER}-breakout')</script>",
    f"\"><img src=x onerror=alert('{MARKER}-img')>",
    f"' onmouseover='alert(1)' data-x='{MARKER}-attribute",
    f"<a href=\"javascript:alert('{MARKER}-link')\">read more</a>",
    f'<div hx-get="/{MARKER}-htmx" hx-trigger="load" hx-swap="outerHTML">x</div>',
    f'<button hx-post="/logout" hx-vals=\'{{"{MARKER}": 1}}\'>Tap</button>',
    f"<svg onload=alert('{MARKER}-svg')></svg>",
    f'<iframe src="https://evil.test/{MARKER}-frame"></iframe>',
    f"<style>body {{ display: none }}</style>{MARKER}-style",
    f"<b>{MARKER}-bold</b> &amp; &lt;entities&gt;",
    f"{{{{ {MARKER}-template }}}} {{% now 'Y' %}}",
    f'=HYPERLINK("https://evil.test","{MARKER}-formula")',
    f"+cmd|' /C calc'!A0 {MARKER}-plus",
    f"@SUM(1+1)*cmd|' /C calc'!A0 {MARKER}-at",
    f"-2+3+cmd|' /C calc'!A0 {MARKER}-minus",
    f"\t=1+1 {MARKER}-tab",
    # plotly.js draws <a href> in chart labels as a live link, in embeds on other sites too.
    f'jobs<a href="https://evil.example/{MARKER}">x</a>',
]


@pytest.fixture(params=PAYLOADS, ids=range(len(PAYLOADS)))
def corpus(request, db):
    """
    One story whose every text field holds the payload, published on every surface: its
    charts too, through the series' name, unit and description, the point's note and source,
    and a milestone event marked on the chart's time axis.
    """
    payload = request.param
    story = factories.story(
        title=payload,
        standfirst=payload,
        summary=payload,
        summary_as_of=datetime.date(2025, 5, 12),
    )
    speaker = factories.stakeholder(name=payload, role=payload, description=payload)
    source = factories.source(
        publication=payload,
        headline=payload,
        url=f"https://example.test/hostile?q={payload}",
    )
    statement = factories.statement(
        story,
        speaker=speaker,
        source=source,
        quote=payload,
        context=payload,
        speaker_role=payload,
        key_moment=payload,
    )
    factories.event(
        story,
        participants=[speaker],
        source=source,
        title=payload,
        description=payload,
        place=payload,
    )
    factories.event(
        story,
        kind=NegotiationEvent.Kind.MILESTONE,
        source=source,
        title=payload,
        description=payload,
    )
    unit = payload[: Series._meta.get_field("unit").max_length]
    series = factories.series(story, name=payload, unit=unit, description=payload)
    factories.point(series, source=source, note=payload)
    factories.series(story, name=payload, description=payload, kind="order_book")
    option = factories.order(
        story,
        source=source,
        customer=payload,
        condition=payload,
        delivery=payload,
        note=payload,
        commitment="option",
    )
    factories.order(
        story, source=source, development="update", changes=option, customer=payload, note=payload
    )
    factories.role(speaker, title=payload, organisation=payload, note=payload, source=source)
    pledge = factories.pledge(
        story,
        pledger=speaker,
        source=source,
        pledger_role=payload,
        promise=payload,
        words=payload,
        context=payload,
    )
    factories.pledge_update(pledge, source=source, evidence=payload, words=payload)
    factories.pledge_update(
        pledge, source=source, evidence=payload, words=payload, claimed_by=speaker, verdict="kept"
    )
    factories.part(story, speaker, part=payload)
    return Corpus(payload, story, statement, pledge)


@dataclass
class Corpus:
    payload: str
    story: object
    statement: object
    pledge: object = None


# Checkers: each takes the response body and the payload and fails if the payload is live.


class Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.attributes = []  # (tag, name, value)
        self.scripts = []  # (type, content)
        self.text = []
        self.open_script = None

    def handle_starttag(self, tag, attrs):
        self.attributes += [(tag, name, value or "") for name, value in attrs]
        if tag == "script":
            self.open_script = (dict(attrs).get("type", ""), [])

    def handle_endtag(self, tag):
        if tag == "script" and self.open_script:
            kind, content = self.open_script
            self.scripts.append((kind, "".join(content)))
            self.open_script = None

    def handle_data(self, data):
        if self.open_script:
            self.open_script[1].append(data)
        else:
            self.text.append(data)


# Attributes that hold text for people, where escaped hostile text is harmless.
TEXT_ATTRIBUTES = {"title", "alt", "content", "value", "aria-label", "placeholder", "data-label"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "poster", "data"}
JSON_SCRIPT_TYPES = {"application/json", "application/ld+json"}


def assert_html_inert(body, payload, shown=True):
    """Shown as text; no element, attribute, script or URL came from the payload."""
    html = body.decode()
    if "<" in payload:
        assert payload not in html, "the payload's markup went out unescaped"
    page = Elements()
    page.feed(html)
    page.close()

    for tag, name, value in page.attributes:
        if name.startswith("on"):
            raise AssertionError(f"inline event handler {name}= on <{tag}>")
        if name in URL_ATTRIBUTES:
            scheme = value.strip().lower().split(":", 1)[0]
            assert scheme in {"http", "https"} or ":" not in value.split("/", 1)[0], (tag, value)
        if MARKER in value:
            # Escaped text for people, or inside a web or same-site link (checked just above).
            assert name in TEXT_ATTRIBUTES | URL_ATTRIBUTES, f"payload became <{tag} {name}=...>"
        if MARKER in name:
            raise AssertionError(f"payload became an attribute name on <{tag}>: {name}")
    for kind, content in page.scripts:
        if kind in JSON_SCRIPT_TYPES:
            json.loads(content)  # a </script> breakout would leave broken JSON behind
        else:
            assert MARKER not in content, "payload inside an executable script"
    if shown:
        assert payload.strip() in "".join(page.text), "the payload is not shown as text"


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def assert_csv_inert(body, payload):
    """No cell a spreadsheet would run as a formula (OWASP CSV injection); the text is kept."""
    cells = [cell for row in csv.reader(io.StringIO(body.decode("utf-8-sig"))) for cell in row]
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
    assert any(payload.strip() in cell for cell in cells), "the payload is not in the CSV"


# The only markup our charts put in plotly's text: line breaks, and the empty <extra> that hides
# the trace name in the hover.
CHART_MARKUP = re.compile(r"<br>|<extra></extra>")


def assert_figure_inert(body, payload, shown=True):
    """A page with charts: inert as HTML, and no text in any of its figures holds markup."""
    assert_html_inert(body, payload, shown)
    figures = re.findall(
        r'<script id="[^"]*-figure" type="application/json">(.*?)</script>', body.decode(), re.S
    )
    assert figures, "the page has no chart figure"
    strings = [text for figure in figures for text in json_strings(json.loads(figure))]
    # plotly.js draws <a>, <b>, <br>… in label, hover and axis text: stored text must arrive
    # escaped, so no "<" is left but our own line breaks, whichever field it came from.
    live = [text for text in strings if "<" in CHART_MARKUP.sub("", text)]
    assert not live, f"live markup in chart text: {live}"
    assert any(MARKER in text for text in strings), "the payload is not in the chart's text"


def json_strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from json_strings(item)


def assert_feed_inert(body, payload):
    """Well-formed Atom whose HTML content holds the payload as escaped text only."""
    feed = ET.fromstring(body)
    html_parts = [element.text or "" for element in feed.iter() if element.get("type") == "html"]
    assert html_parts, "the feed carries no HTML content to check"
    for html in html_parts:
        if MARKER in html:
            assert_html_inert(f"<div>{html}</div>".encode(), payload)
    assert any(MARKER in (element.text or "") for element in feed.iter())


def assert_json_inert(body, payload):
    """JSON that parses and gives the stored text back exactly, for the client to escape."""
    assert payload in list(json_strings(json.loads(body))), "the payload is not in the JSON"


def assert_oembed_inert(body, payload):
    """The embed HTML a CMS pastes into its page is inert."""
    html = json.loads(body)["html"]
    if "<" in payload:
        assert payload not in html
    page = Elements()
    page.feed(html)
    assert not [name for _, name, _ in page.attributes if name.startswith("on")]


@dataclass
class Surface:
    name: str
    fetch: Callable
    check: Callable = assert_html_inert
    editor: bool = False

    def __str__(self):
        return self.name


def figure(corpus, kind="figures"):
    series = corpus.story.series.get(kind=kind)
    return f"/stories/{corpus.story.slug}/figures/{series.slug}/"


def admin(path):
    return lambda client, corpus: client.get(f"/{settings.ADMIN_PATH}{path.format(c=corpus)}")


SURFACES = [
    Surface("home", lambda client, corpus: client.get("/")),
    Surface("story page", lambda client, corpus: client.get(corpus.story.get_absolute_url())),
    Surface(
        "a chart block, as the story page loads it",
        lambda client, corpus: client.get(figure(corpus), headers={"HX-Request": "true"}),
        assert_figure_inert,
    ),
    Surface(
        "a chart's data table, as the story page loads it",
        lambda client, corpus: client.get(
            f"{figure(corpus)}table/", headers={"HX-Request": "true"}
        ),
    ),
    Surface(
        "a chart's data table page", lambda client, corpus: client.get(f"{figure(corpus)}table/")
    ),
    Surface(
        "story timeline fragment",
        lambda client, corpus: client.get(
            corpus.story.get_absolute_url(), headers={"HX-Request": "true"}
        ),
    ),
    Surface(
        "statement permalink",
        lambda client, corpus: client.get(
            f"/stories/{corpus.story.slug}/statements/{corpus.statement.pk}/"
        ),
    ),
    Surface(
        "stakeholder page",
        lambda client, corpus: client.get(
            f"/stories/{corpus.story.slug}/people/{corpus.statement.speaker.slug}/"
        ),
    ),
    Surface(
        "follow by email",
        lambda client, corpus: client.get(f"/stories/{corpus.story.slug}/follow/"),
    ),
    Surface(
        "follow a person by email",
        lambda client, corpus: client.get(
            f"/stories/{corpus.story.slug}/people/{corpus.statement.speaker.slug}/follow/"
        ),
    ),
    Surface("figure page", lambda client, corpus: client.get(figure(corpus)), assert_figure_inert),
    Surface(
        "figure embed",
        lambda client, corpus: client.get(f"/embed{figure(corpus)}"),
        assert_figure_inert,
    ),
    Surface(
        "order book page",
        lambda client, corpus: client.get(figure(corpus, "order_book")),
        assert_figure_inert,
    ),
    Surface(
        "orders CSV",
        lambda client, corpus: client.get(f"/stories/{corpus.story.slug}/export/orders.csv"),
        assert_csv_inert,
    ),
    Surface(
        "API orders",
        lambda client, corpus: client.get(f"/api/stories/{corpus.story.slug}/orders/"),
        assert_json_inert,
    ),
    Surface(
        "API stakeholders",
        lambda client, corpus: client.get(f"/api/stories/{corpus.story.slug}/stakeholders/"),
        assert_json_inert,
    ),
    Surface(
        "figure CSV",
        lambda client, corpus: client.get(figure(corpus).rstrip("/") + ".csv"),
        assert_csv_inert,
    ),
    Surface(
        "story feed",
        lambda client, corpus: client.get(f"/stories/{corpus.story.slug}/feed/"),
        assert_feed_inert,
    ),
    Surface(
        "statements CSV",
        lambda client, corpus: client.get(f"/stories/{corpus.story.slug}/export/statements.csv"),
        assert_csv_inert,
    ),
    Surface(
        "events CSV",
        lambda client, corpus: client.get(f"/stories/{corpus.story.slug}/export/events.csv"),
        assert_csv_inert,
    ),
    Surface(
        "timeline embed",
        lambda client, corpus: client.get(f"/embed/stories/{corpus.story.slug}/timeline/"),
    ),
    Surface(
        "API statements",
        lambda client, corpus: client.get(f"/api/stories/{corpus.story.slug}/statements/"),
        assert_json_inert,
    ),
    Surface(
        "oEmbed",
        lambda client, corpus: client.get(
            "/oembed/", {"url": f"http://testserver/stories/{corpus.story.slug}/"}
        ),
        assert_oembed_inert,
    ),
    Surface(
        "pledge tracker",
        lambda client, corpus: client.get(corpus.story.get_pledges_url()),
    ),
    Surface(
        "pledge tracker fragment",
        lambda client, corpus: client.get(
            corpus.story.get_pledges_url(), headers={"HX-Request": "true"}
        ),
    ),
    Surface("pledge page", lambda client, corpus: client.get(corpus.pledge.get_absolute_url())),
    Surface("who's who", lambda client, corpus: client.get(corpus.story.get_whos_who_url())),
    Surface(
        "live poll since the first version",
        lambda client, corpus: client.get(
            f"/stories/{corpus.story.slug}/updates/?since=1", headers={"HX-Request": "true"}
        ),
    ),
    Surface(
        "API pledges",
        lambda client, corpus: client.get(f"/api/stories/{corpus.story.slug}/pledges/"),
        assert_json_inert,
    ),
    Surface(
        "API key moments",
        lambda client, corpus: client.get(f"/api/stories/{corpus.story.slug}/key-moments/"),
        assert_json_inert,
    ),
    Surface(
        "API story",
        lambda client, corpus: client.get(f"/api/stories/{corpus.story.slug}/"),
        assert_json_inert,
    ),
    Surface(
        "person's feed",
        lambda client, corpus: client.get(
            f"/stories/{corpus.story.slug}/people/{corpus.statement.speaker.slug}/feed/"
        ),
        assert_feed_inert,
    ),
    Surface("admin stories", admin("stories/story/"), editor=True),
    Surface("admin story form", admin("stories/story/{c.story.pk}/change/"), editor=True),
    Surface("admin pledges", admin("stories/pledge/"), editor=True),
    Surface("admin pledge form", admin("stories/pledge/{c.pledge.pk}/change/"), editor=True),
    Surface("admin pledge statuses", admin("stories/pledgeupdate/"), editor=True),
    Surface("admin who's who", admin("stories/part/"), editor=True),
    Surface("admin statements", admin("stories/statement/"), editor=True),
    Surface(
        "admin statement form", admin("stories/statement/{c.statement.pk}/change/"), editor=True
    ),
    Surface("admin events", admin("stories/negotiationevent/"), editor=True),
    Surface("admin stakeholders", admin("stories/stakeholder/"), editor=True),
    Surface("admin sources", admin("stories/source/"), editor=True),
    Surface("admin series", admin("stories/series/"), editor=True),
]


@pytest.mark.parametrize("surface", SURFACES, ids=str)
def test_hostile_text_comes_out_inert(client, corpus, surface):
    if surface.editor:
        client.force_login(User.objects.create_superuser("test-editor", password=None))

    response = surface.fetch(client, corpus)

    assert response.status_code == 200
    surface.check(response.content, corpus.payload)


# The checkers themselves catch what they are for.


def test_the_html_check_catches_unescaped_markup():
    payload = PAYLOADS[2]
    with pytest.raises(AssertionError):
        assert_html_inert(f"<p>{payload}</p>".encode(), payload)


def test_the_html_check_catches_a_script_breakout_from_json():
    payload = PAYLOADS[1]
    body = f'<script type="application/json">{{"q": "{payload}"}}</script>'
    with pytest.raises((AssertionError, ValueError)):
        assert_html_inert(body.encode(), payload)


def test_the_html_check_catches_an_htmx_attribute_made_from_stored_text():
    payload = f'x" hx-get="/{MARKER}" data-y="'
    with pytest.raises(AssertionError):
        assert_html_inert(f'<p title="{payload}">x</p>'.encode(), payload)


def test_the_html_check_passes_escaped_text():
    payload = PAYLOADS[0]
    assert_html_inert(f'<p title="{escape(payload)}">{escape(payload)}</p>'.encode(), payload)


def test_the_chart_check_catches_markup_in_any_chart_text_and_passes_our_line_breaks():
    payload = PAYLOADS[-1]

    def page(label):
        figure = json.dumps({"data": [{"text": [f"750 {label}"], "hovertemplate": "a<br>b"}]})
        return (
            f'<script id="chart-figure" type="application/json">{figure}</script>'
            f"<p>{escape(payload)}</p>"
        ).encode()

    with pytest.raises(AssertionError, match="live markup"):
        assert_figure_inert(page(payload), payload)
    assert_figure_inert(page(escape(payload)), payload)


def test_the_csv_check_catches_a_formula_and_passes_a_neutralised_one():
    payload = PAYLOADS[12]
    with pytest.raises(AssertionError):
        assert_csv_inert(f'quote\n"{payload.replace(chr(34), chr(34) * 2)}"\n'.encode(), payload)
    neutralised = "'" + payload
    assert_csv_inert(f'quote\n"{neutralised.replace(chr(34), chr(34) * 2)}"\n'.encode(), payload)


# URLs that would run script are refused by the database, not only by forms.

NON_WEB_URLS = [
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "jav\tascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "https:javascript:alert(1)",
    "//evil.test/path",
]


def source_fields(url):
    return {
        "publication": "The Test Gazette",
        "url": url,
        "published_on": datetime.date(2024, 9, 27),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("url", NON_WEB_URLS)
def test_the_database_refuses_a_source_url_that_is_not_http(url):
    with pytest.raises(IntegrityError), transaction.atomic():
        Source.objects.create(**source_fields(url))


@pytest.mark.django_db
@pytest.mark.parametrize("url", NON_WEB_URLS)
def test_the_source_form_refuses_a_url_that_is_not_http(url):
    with pytest.raises(ValidationError) as refused:
        Source(**source_fields(url)).full_clean()

    assert "url" in refused.value.message_dict
