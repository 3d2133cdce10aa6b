import html
import re

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import factories

pytestmark = pytest.mark.django_db

REQUIRED = {"type", "version"}
RICH_REQUIRED = {"html", "width", "height"}


def oembed(client, url, **params):
    return client.get("/oembed/", {"url": url, **params})


def iframe_src(body):
    return html.unescape(re.search(r'<iframe src="([^"]+)"', body["html"]).group(1))


def test_story_url_becomes_a_rich_timeline_embed(client, story):
    response = oembed(client, f"http://testserver/stories/{story.slug}/", format="json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body.keys() >= REQUIRED | RICH_REQUIRED
    assert body["version"] == "1.0"
    assert body["type"] == "rich"
    assert body["title"] == story.title
    assert body["provider_name"] == "Story dashboard"
    assert iframe_src(body) == f"http://testserver/embed/stories/{story.slug}/timeline/"
    assert f'width="{body["width"]}"' in body["html"]
    assert f'height="{body["height"]}"' in body["html"]


def test_format_defaults_to_json(client, story):
    assert oembed(client, f"http://testserver/stories/{story.slug}/").json()["type"] == "rich"


def test_statement_url_embeds_that_statement(client, story):
    statement = factories.statement(story)

    body = oembed(
        client, f"http://testserver/stories/{story.slug}/statements/{statement.pk}/"
    ).json()

    assert iframe_src(body) == (
        f"http://testserver/embed/stories/{story.slug}/statements/{statement.pk}/"
    )
    assert statement.speaker.name in body["title"]


def test_figure_url_embeds_the_chart(client, story):
    series = factories.series(story, slug="test-workforce")

    body = oembed(client, f"http://testserver/stories/{story.slug}/figures/{series.slug}/").json()

    assert iframe_src(body) == (
        f"http://testserver/embed/stories/{story.slug}/figures/test-workforce/"
    )


def test_maxwidth_and_maxheight_are_honoured(client, story):
    body = oembed(
        client, f"http://testserver/stories/{story.slug}/", maxwidth="320", maxheight="240"
    ).json()

    assert body["width"] <= 320
    assert body["height"] <= 240
    assert f'width="{body["width"]}"' in body["html"]


@pytest.mark.parametrize(
    "url",
    [
        "http://testserver/no-such-page/",
        "http://testserver/stories/no-such-story/",
        "https://elsewhere.test/stories/{slug}/",
        "javascript:alert(1)//testserver/stories/{slug}/",
        "http://testserver/stories/{slug}/statements/999999/",
        "http://testserver/stories/{slug}/figures/no-such-series/",
        "not a url",
    ],
)
def test_unknown_urls_are_not_found(client, story, url):
    assert oembed(client, url.format(slug=story.slug)).status_code == 404


def test_drafts_cannot_be_embedded(client, story):
    draft_story = factories.story(status="draft")
    draft_statement = factories.statement(story, status="draft")

    assert oembed(client, f"http://testserver/stories/{draft_story.slug}/").status_code == 404
    url = f"http://testserver/stories/{story.slug}/statements/{draft_statement.pk}/"
    assert oembed(client, url).status_code == 404


def test_xml_is_not_implemented(client, story):
    response = oembed(client, f"http://testserver/stories/{story.slug}/", format="xml")

    assert response.status_code == 501


@pytest.mark.parametrize(
    "params",
    [
        {"maxwidth": "wide"},
        {"maxheight": "-5"},
        {"maxwidth": "0"},
        {"maxwidth": "10001"},
        {"url": ""},
        # str.isdigit() accepts these, int() does not.
        {"maxwidth": "\u00b2"},
        {"maxheight": "\u00b2"},
        {"maxwidth": "\u2460"},
        {"maxheight": "\u2460"},
        {"maxwidth": "9" * 5000},
        {"maxheight": "1e3"},
    ],
)
def test_bad_parameters_are_a_400(client, story, params):
    response = client.get("/oembed/", {"url": f"http://testserver/stories/{story.slug}/", **params})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize("name", ["maxwidth", "maxheight"])
def test_a_bad_dimension_is_explained(client, story, name):
    response = client.get(
        "/oembed/", {"url": f"http://testserver/stories/{story.slug}/", name: "\u00b2"}
    )

    assert response.status_code == 400
    assert response.content.decode() == (
        f"{name} must be a whole number of pixels from 1 to 10000."
    )


def test_a_nul_byte_in_the_url_is_a_bad_request_not_a_server_error(client, story):
    assert oembed(client, f"http://testserver/stories/{story.slug}\x00/").status_code == 400


def test_title_with_markup_is_escaped_in_the_iframe(client):
    story = factories.story(title='Test "><script>alert(1)</script>')

    body = oembed(client, f"http://testserver/stories/{story.slug}/").json()

    assert "<script>" not in body["html"]


def test_oembed_answers_a_conditional_request_with_304_until_the_story_changes(client, story):
    url = f"http://testserver/stories/{story.slug}/"
    etag = oembed(client, url)["ETag"]

    assert client.get("/oembed/", {"url": url}, headers={"if-none-match": etag}).status_code == 304

    factories.event(story, title="Test event published later")  # a change readers see
    assert client.get("/oembed/", {"url": url}, headers={"if-none-match": etag}).status_code == 200


def test_oembed_link_tag_points_discovery_at_this_page(client, story):
    request = RequestFactory().get(f"/stories/{story.slug}/")
    template = Template("{% load open_data %}{% oembed_link story.title %}")

    markup = template.render(Context({"request": request, "story": story}))

    (href,) = re.findall(r'href="([^"]+)"', markup)
    assert 'type="application/json+oembed"' in markup
    body = client.get(html.unescape(href)).json()
    assert body["type"] == "rich"


@given(
    url=st.one_of(
        st.text(max_size=80),
        st.builds(
            "http://testserver/{}/{}/".format,
            st.sampled_from(["stories", "embed/stories", "stories/test-oembed/statements"]),
            st.text(max_size=20),
        ),
    ),
    maxwidth=st.one_of(st.none(), st.text(max_size=6)),
    response_format=st.one_of(st.none(), st.text(max_size=5)),
)
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_query_string_makes_oembed_fail(client, story, url, maxwidth, response_format):
    params = {"url": url, "maxwidth": maxwidth, "format": response_format}
    response = client.get("/oembed/", {k: v for k, v in params.items() if v is not None})

    assert response.status_code in (200, 400, 404, 501)
