import datetime
import re

import pytest
import schemathesis
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from dashboard.api import api
from stories.models import NegotiationEvent
from tests import factories

pytestmark = pytest.mark.django_db

schema = schemathesis.openapi.from_dict(api.get_openapi_schema())


def test_openapi_schema_is_served_at_a_stable_url_and_is_valid(client):
    response = client.get("/api/openapi.json")

    assert response.status_code == 200
    document = response.json()
    validate(document)
    assert "/api/stories/{slug}/timeline/" in document["paths"]


def test_docs_page_loads_its_scripts_from_our_origin_under_our_csp(client):
    response = client.get("/api/docs")

    assert response.status_code == 200
    html = response.content.decode()
    scripts = re.findall(r"<script([^>]*)>", html)
    executable = [attrs for attrs in scripts if "application/json" not in attrs]
    assert executable
    for attrs in executable:
        (src,) = re.findall(r'src="([^"]+)"', attrs)
        assert src.startswith(static("ninja/"))
        assert finders.find(src.removeprefix(static(""))), f"{src} is not one of our static files"
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert "cdn" not in html.lower()


def test_stories_lists_published_stories_only(client):
    factories.story(title="Published API test story")
    factories.story(title="Draft API test story", status="draft")

    titles = [story["title"] for story in client.get("/api/stories/").json()]

    assert "Published API test story" in titles
    assert "Draft API test story" not in titles


def test_a_draft_story_is_not_found(client):
    draft = factories.story(status="draft")
    factories.statement(draft)

    assert client.get(f"/api/stories/{draft.slug}/").status_code == 404
    assert client.get(f"/api/stories/{draft.slug}/statements/").status_code == 404
    assert client.get(f"/api/stories/{draft.slug}/timeline/").status_code == 404


def test_statements_carry_speaker_role_precise_date_source_and_permalink(client, story):
    speaker = factories.stakeholder(name="Test Speaker", slug="test-speaker")
    statement = factories.statement(
        story,
        speaker=speaker,
        speaker_role="Test Secretary",
        said_on=datetime.date(2024, 9, 1),
        said_on_precision="month",
        source=factories.source(url="https://example.test/api-source"),
    )

    (item,) = client.get(f"/api/stories/{story.slug}/statements/").json()["items"]

    assert item["speaker"] == {"slug": "test-speaker", "name": "Test Speaker", "kind": "person"}
    assert item["speaker_role"] == "Test Secretary"
    assert item["date"] == {
        "start": "2024-09-01",
        "precision": "month",
        "iso": "2024-09",
        "text": "September 2024",
        "end": None,
    }
    assert item["source"]["url"] == "https://example.test/api-source"
    assert item["url"] == f"http://testserver/stories/{story.slug}/statements/{statement.pk}/"


def test_drafts_never_appear_in_the_api(client, story):
    factories.statement(story, quote="Draft API quote.", status="draft")
    factories.event(story, title="Draft API event", status="draft")
    drafted = factories.stakeholder(slug="test-only-in-drafts")
    factories.statement(story, speaker=drafted, status="draft")
    series = factories.series(story)
    factories.point(series, value=123, status="draft")

    for path in ("statements", "events", "timeline", "stakeholders", "series"):
        body = client.get(f"/api/stories/{story.slug}/{path}/").content.decode()
        assert "Draft API" not in body
        assert "test-only-in-drafts" not in body
        assert "123" not in body


def test_a_statement_gives_the_id_of_its_event_only_once_the_event_is_published(client, story):
    published = factories.event(story)
    draft = factories.event(story, status="draft")
    in_published = factories.statement(story, event=published)
    in_draft = factories.statement(story, event=draft)

    for path in ("statements", "timeline"):
        items = client.get(f"/api/stories/{story.slug}/{path}/").json()["items"]
        event_ids = {item["id"]: item["event_id"] for item in items if item["type"] == "statement"}
        assert event_ids == {in_published.pk: published.pk, in_draft.pk: None}, path


@pytest.mark.parametrize("path", ["statements", "timeline"])
def test_the_event_kind_filter_does_not_reveal_a_draft_events_kind(client, story, path):
    published = factories.event(story, kind=NegotiationEvent.Kind.DEADLINE)
    draft = factories.event(story, kind=NegotiationEvent.Kind.DEADLINE, status="draft")
    in_published = factories.statement(story, event=published)
    factories.statement(story, event=draft)

    response = client.get(f"/api/stories/{story.slug}/{path}/", {"event_kind": "deadline"})

    statements = [item["id"] for item in response.json()["items"] if item["type"] == "statement"]
    assert statements == [in_published.pk]


def test_speaker_filter_is_repeatable(client, story):
    first = factories.stakeholder(slug="test-first")
    second = factories.stakeholder(slug="test-second")
    factories.statement(story, speaker=first, quote="First test quote.")
    factories.statement(story, speaker=second, quote="Second test quote.")
    factories.statement(story, quote="Third test quote.")

    response = client.get(
        f"/api/stories/{story.slug}/statements/", {"speaker": ["test-first", "test-second"]}
    )

    quotes = {item["quote"] for item in response.json()["items"]}
    assert quotes == {"First test quote.", "Second test quote."}


def test_speaker_filter_on_the_timeline_keeps_events_they_took_part_in(client, story):
    person = factories.stakeholder(slug="test-participant")
    factories.event(story, participants=[person], title="Their test meeting")
    factories.event(story, title="Another test meeting")

    response = client.get(f"/api/stories/{story.slug}/timeline/", {"speaker": "test-participant"})

    assert [item["title"] for item in response.json()["items"]] == ["Their test meeting"]


def test_kind_event_kind_and_date_filters(client, story):
    factories.statement(story, said_on=datetime.date(2024, 9, 27))
    factories.event(story, kind=NegotiationEvent.Kind.VISIT, happened_on=datetime.date(2024, 9, 2))
    factories.event(story, kind=NegotiationEvent.Kind.PLEDGE, happened_on=datetime.date(2024, 8, 1))
    url = f"/api/stories/{story.slug}/timeline/"

    events_only = client.get(url, {"kind": "event"}).json()["items"]
    visits = client.get(url, {"kind": "event", "event_kind": "visit"}).json()["items"]
    september = client.get(url, {"from": "2024-09-01", "to": "2024-09-30"}).json()["items"]

    assert {item["type"] for item in events_only} == {"event"}
    assert len(events_only) == 2
    assert [item["kind"] for item in visits] == ["visit"]
    assert [item["date"]["iso"] for item in september] == ["2024-09-27", "2024-09-02"]


def test_free_text_search_uses_web_search_syntax(client, story):
    factories.statement(story, quote="The factory must stay open for the workers.")
    factories.statement(story, quote="The factory needs new orders.")
    factories.statement(story, quote="Nothing about it here.")
    url = f"/api/stories/{story.slug}/statements/"

    factories_found = client.get(url, {"q": "factories"}).json()["items"]
    excluded = client.get(url, {"q": "factory -orders"}).json()["items"]
    phrase = client.get(url, {"q": '"stay open"'}).json()["items"]

    assert len(factories_found) == 2  # stemmed: "factories" finds "factory"
    assert [item["quote"] for item in excluded] == ["The factory must stay open for the workers."]
    assert len(phrase) == 1


def test_cursor_pages_through_the_whole_timeline_once_in_order(client, story):
    same_day = datetime.date(2024, 9, 27)
    for _ in range(4):
        factories.statement(story, said_on=same_day)
        factories.event(story, happened_on=same_day)
    for day in range(1, 5):
        factories.event(story, happened_on=datetime.date(2024, 8, day))
    url = f"/api/stories/{story.slug}/timeline/"
    everything = client.get(url, {"limit": 100}).json()["items"]

    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        body = client.get(url, params).json()
        seen += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            break

    assert len(everything) == 12
    assert [(item["type"], item["id"]) for item in seen] == [
        (item["type"], item["id"]) for item in everything
    ]


@pytest.mark.parametrize(
    "params",
    [
        {"cursor": "not-a-cursor"},
        {"cursor": "MjAyNC0wOS0yN3wxfDA"},  # a well-formed cursor with an impossible id
        {"from": "yesterday"},
        {"to": "2024-02-30"},
        {"limit": "0"},
        {"limit": "1000"},
        {"limit": "many"},
        {"speaker": "not a slug"},
        {"kind": "tweet"},
        {"event_kind": "party"},
        {"q": "nul\x00byte"},
        {"q": "x" * 500},
    ],
)
def test_bad_parameters_get_a_clear_4xx(client, story, params):
    response = client.get(f"/api/stories/{story.slug}/timeline/", params)

    assert response.status_code in (400, 422)
    assert response.json()["detail"]


def test_series_carry_their_published_points_with_sources(client, story):
    series = factories.series(story, name="Test workforce", unit="jobs")
    factories.point(series, value=750, qualifier="approximate", low=700, high=800)

    (body,) = client.get(f"/api/stories/{story.slug}/series/").json()

    assert body["name"] == "Test workforce"
    (point,) = body["points"]
    assert (point["value"], point["low"], point["high"]) == (750, 700, 800)
    assert point["qualifier"] == "approximate"
    assert point["source"]["publication"] == "The Test Gazette"


def test_a_date_known_only_to_a_period_says_so(client, story):
    factories.event(
        story,
        happened_on=datetime.date(2024, 7, 1),
        happened_on_precision="period",
        happened_on_end=datetime.date(2024, 9, 30),
    )

    (item,) = client.get(f"/api/stories/{story.slug}/events/").json()["items"]

    assert item["date"] == {
        "start": "2024-07-01",
        "precision": "period",
        "iso": "2024-07/2024-09",
        "text": "July–September 2024",
        "end": "2024-09-30",
    }


def test_series_give_the_dates_on_which_sources_disagree(client, story):
    series = factories.series(story, slug="workforce")
    for publication, value in [("Test Wire", 700), ("Test TV", 750), ("Test Radio", 750)]:
        source = factories.source(publication=publication)
        factories.point(series, as_of=datetime.date(2024, 12, 6), value=value, source=source)

    (workforce,) = client.get(f"/api/stories/{story.slug}/series/").json()

    assert workforce["kind"] == "figures"
    assert len(workforce["points"]) == 3
    (disagreement,) = workforce["disagreements"]
    assert disagreement["date"]["iso"] == "2024-12-06"
    assert disagreement["values"] == [700.0, 750.0]
    assert [source["publication"] for source in disagreement["sources"]] == [
        "Test Wire",
        "Test TV",
        "Test Radio",
    ]


def test_orders_and_the_order_book(client, story):
    book = factories.series(story, slug="order-book", unit="trains", kind="order_book")
    option = factories.order(story, trains=13, value=460_000_000, commitment="option")
    account = factories.order(
        story,
        development="account",
        changes=option,
        trains=13,
        value=500_000_000,
        commitment="option",
    )
    factories.order(story, customer="TEST-DRAFT-ORDER", status="draft")

    orders = client.get(f"/api/stories/{story.slug}/orders/").json()
    steps = client.get(f"/api/stories/{story.slug}/order-book/").json()

    assert [(o["id"], o["development"], o["changes_id"]) for o in orders] == [
        (option.pk, "new", None),
        (account.pk, "account", option.pk),
    ]
    assert orders[0]["value_gbp"] == 460_000_000
    assert orders[0]["url"].endswith(f"/figures/{book.slug}/#order-{option.pk}")
    assert steps == [
        {
            "date": {
                "start": "2024-12-06",
                "precision": "day",
                "iso": "2024-12-06",
                "text": "6 December 2024",
                "end": None,
            },
            "trains": [
                {
                    "commitment": "option",
                    "trains": 13,
                    "value_gbp": {"low": 460_000_000, "high": 500_000_000},
                }
            ],
            "order_ids": [option.pk, account.pk],
        }
    ]


def test_stakeholders_carry_their_published_roles_with_dates_and_sources(client, story):
    person = factories.stakeholder(slug="test-minister")
    factories.statement(story, speaker=person)
    factories.role(person, title="Test Minister", ended_on=datetime.date(2024, 11, 29))
    factories.role(person, title="TEST-DRAFT-ROLE", status="draft")

    (stakeholder,) = client.get(f"/api/stories/{story.slug}/stakeholders/").json()

    (role,) = stakeholder["roles"]
    assert role["title"] == "Test Minister"
    assert (role["started"]["text"], role["ended"]["text"]) == ("July 2024", "29 November 2024")
    assert role["source"]["url"].startswith("https://example.test/")


def test_api_answers_conditional_requests_with_304_until_the_story_changes(client, story):
    factories.statement(story)
    url = f"/api/stories/{story.slug}/timeline/"
    etag = client.get(url)["ETag"]

    assert client.get(url, headers={"if-none-match": etag}).status_code == 304

    factories.event(story, title="Test event published later")  # a change readers see
    assert client.get(url, headers={"if-none-match": etag}).status_code == 200


def test_scripts_on_any_site_may_read_the_api_even_a_304(client, story):
    url = f"/api/stories/{story.slug}/timeline/"
    response = client.get(url)

    assert response["Access-Control-Allow-Origin"] == "*"
    again = client.get(url, headers={"if-none-match": response["ETag"]})
    assert again.status_code == 304
    assert again["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(
    "path",
    [
        "timeline",
        "statements",
        "events",
        "stakeholders",
        "series",
        "orders",
        "order-book",
        "pledges",
        "key-moments",
    ],
)
def test_api_queries_do_not_grow_with_the_story(client, story, path, django_assert_max_num_queries):
    for _ in range(8):
        speaker = factories.stakeholder()
        factories.statement(story, speaker=speaker, key_moment="Test key moment")
        factories.pledge_update(factories.pledge(story, pledger=speaker), claimed_by=speaker)
        factories.part(story, speaker)
        factories.event(story, participants=[speaker, factories.stakeholder()])
        factories.point(factories.series(story))
        factories.role(speaker)
        factories.order(story)

    with django_assert_max_num_queries(5):
        response = client.get(
            f"/api/stories/{story.slug}/{path}/", {"q": "test"} if path == "timeline" else {}
        )
    assert response.status_code == 200


@pytest.fixture
def api_story(db):
    story = factories.story(slug="test-api-story")
    speaker = factories.stakeholder(slug="test-api-speaker")
    factories.statement(story, speaker=speaker)
    factories.event(story, participants=[speaker])
    factories.point(factories.series(story, slug="test-api-series"))
    factories.series(story, slug="test-api-order-book", kind="order_book")
    factories.order(story)
    factories.role(speaker)
    return story


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_endpoint_matches_its_schema_and_never_fails(case, api_story, in_process):
    """Generated requests, valid and invalid, to a real story and to unknown ones: no 500, and
    every response (status, content type, body) is the one the schema documents."""
    # A cursor is opaque: the schema cannot tell a real one from a made-up one, which is 400.
    excluded = [positive_data_acceptance] if (case.query or {}).get("cursor") else []
    case.call_and_validate(app=in_process, excluded_checks=excluded)
    if "slug" in (case.path_parameters or {}):
        # With a real slug the request is no longer the one generated, which may have been
        # invalid only for its slug: whether it should be refused is not known any more.
        case.path_parameters = {**case.path_parameters, "slug": api_story.slug}
        case.call_and_validate(app=in_process, excluded_checks=[*excluded, negative_data_rejection])
