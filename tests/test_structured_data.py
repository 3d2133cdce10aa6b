import datetime
import json
from html.parser import HTMLParser

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from hypothesis import given
from hypothesis import strategies as st

from dashboard import charts
from stories.dates import Precision
from stories.models import Source, Stakeholder, Statement, Story
from tests import factories

pytestmark = pytest.mark.django_db

HOSTILE = 'He said "</script><script>alert(1)</script> <!-- <script> & \u2028 </SCRIPT >'


class Elements(HTMLParser):
    """Every element as a browser's tokeniser sees it, with the text of each script."""

    def __init__(self):
        super().__init__()
        self.tags, self.scripts = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "script":
            self.scripts.append({"attrs": dict(attrs), "text": ""})

    def handle_data(self, data):
        if self.scripts and self.lasttag == "script":
            self.scripts[-1]["text"] += data


def render(value, nonce="test-nonce"):
    request = RequestFactory().get("/")
    template = Template("{% load open_data %}{% json_ld value %}")
    return template.render(Context({"value": value, "request": request, "csp_nonce": nonce}))


def json_ld(value):
    """The one script element the tag writes, parsed back from JSON."""
    elements = Elements()
    elements.feed(render(value))
    elements.close()
    assert elements.tags == ["script"]
    (script,) = elements.scripts
    assert script["attrs"]["type"] == "application/ld+json"
    return script["attrs"], json.loads(script["text"])


def test_statement_is_a_quotation_with_its_speaker_and_date_at_its_precision(story):
    speaker = factories.stakeholder(name="Test Speaker", kind=Stakeholder.Kind.PERSON)
    statement = factories.statement(
        story,
        speaker=speaker,
        speaker_role="Test Secretary",
        quote="A test quotation.",
        said_on=datetime.date(2024, 9, 1),
        said_on_precision=Precision.MONTH,
        source=factories.source(url="https://example.test/jsonld"),
    )

    attrs, data = json_ld(statement)

    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Quotation"
    assert data["text"] == "A test quotation."
    assert data["creator"] == {
        "@type": "Person",
        "name": "Test Speaker",
        "jobTitle": "Test Secretary",
    }
    assert data["dateCreated"] == "2024-09"
    assert data["url"] == f"http://testserver/stories/{story.slug}/statements/{statement.pk}/"
    assert data["isBasedOn"]["url"] == "https://example.test/jsonld"
    assert attrs["nonce"] == "test-nonce"


def test_an_organisation_speaks_as_an_organization(story):
    speaker = factories.stakeholder(name="Test Union", kind=Stakeholder.Kind.ORGANISATION)

    _, data = json_ld(factories.statement(story, speaker=speaker))

    assert data["creator"] == {"@type": "Organization", "name": "Test Union"}


def test_event_is_an_event_with_its_place_and_participants(story):
    person = factories.stakeholder(name="Test Attendee")
    event = factories.event(
        story,
        participants=[person],
        title="Test visit",
        place="Test Town",
        happened_on=datetime.date(2024, 9, 23),
        happened_on_precision=Precision.WEEK,
    )

    _, data = json_ld(event)

    assert data["@type"] == "Event"
    assert data["name"] == "Test visit"
    assert data["startDate"] == "2024-W39"
    assert data["location"] == {"@type": "Place", "name": "Test Town"}
    assert data["attendee"][0]["name"] == "Test Attendee"


def test_series_is_a_dataset_with_a_csv_download(story):
    series = factories.series(story, name="Test workforce", unit="jobs", slug="test-workforce")

    _, data = json_ld(series)

    assert data["@type"] == "Dataset"
    assert data["name"] == "Test workforce (jobs)"
    assert data["url"] == f"http://testserver/stories/{story.slug}/figures/test-workforce/"
    assert data["distribution"]["contentUrl"] == (
        f"http://testserver/stories/{story.slug}/export/figures.csv"
    )


def test_a_chart_with_disagreeing_sources_says_so_and_covers_its_periods(story):
    series = factories.series(story, name="Test workforce", unit="jobs")
    factories.point(
        series,
        as_of=datetime.date(2024, 7, 1),
        as_of_precision=Precision.PERIOD,
        as_of_end=datetime.date(2024, 9, 30),
    )
    factories.point(series, as_of=datetime.date(2024, 12, 6), value=700)
    factories.point(series, as_of=datetime.date(2024, 12, 6), value=750)

    _, data = json_ld(charts.chart_for_series(story, series.slug))

    assert data["temporalCoverage"] == "2024-07/2024-12-06"
    assert data["description"].endswith(
        "Sources give different figures on 1 date; every figure is kept with its source, "
        "none averaged."
    )


def test_an_order_book_chart_is_a_dataset_of_its_orders(story):
    series = factories.series(story, unit="trains", kind="order_book")
    factories.order(story)
    factories.order(story, announced_on=datetime.date(2025, 4, 3))

    _, data = json_ld(charts.chart_for_series(story, series.slug))

    assert data["distribution"]["contentUrl"].endswith(f"/stories/{story.slug}/export/orders.csv")
    assert data["temporalCoverage"] == "2024-12-06/2025-04-03"
    assert [variable["name"] for variable in data["variableMeasured"]] == [
        "Trains on order",
        "Value of the orders",
    ]


def test_story_is_a_news_article(story):
    _, data = json_ld(story)

    assert data["@type"] == "NewsArticle"
    assert data["headline"] == story.title
    assert data["url"] == f"http://testserver/stories/{story.slug}/"


def test_hostile_text_stays_inside_the_script_and_parses_back_unchanged(story):
    speaker = factories.stakeholder(name=HOSTILE)
    statement = factories.statement(story, speaker=speaker, quote=HOSTILE, speaker_role=HOSTILE)

    html = render(statement)
    _, data = json_ld(statement)

    assert data["text"] == HOSTILE
    assert data["creator"]["name"] == HOSTILE
    assert html.count("<") == 2  # only the script element's own tags
    assert "<!--" not in html


def test_without_a_nonce_the_script_has_no_nonce_attribute(story):
    html = render(story, nonce=None)

    assert "nonce" not in html


@given(st.text())
def test_any_stored_text_stays_inside_the_script_and_parses_back_unchanged(text):
    story = Story(slug="test-story", title=text)
    speaker = Stakeholder(name=text, slug="test-speaker")
    source = Source(publication=text, published_on=datetime.date(2024, 9, 27))
    statement = Statement(
        pk=1,
        story=story,
        speaker=speaker,
        speaker_role=text,
        quote=text,
        source=source,
        said_on=datetime.date(2024, 9, 27),
    )

    _, data = json_ld(statement)

    assert data["text"] == text
    assert data["creator"]["name"] == text
    assert data["isBasedOn"]["publisher"]["name"] == text
