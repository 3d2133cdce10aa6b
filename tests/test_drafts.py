"""
No draft leaks: every public URL, as a page and as a fragment, shows published items only,
and reveals no draft object, its id, its kind or its existence.

PUBLIC_PAGES lists every public surface. A new surface (search, live polling, charts, feeds,
exports, embeds…) adds one entry: a name, a function from a story to the URL, the request
headers, whether it shows the story's statements, what a filter on it must also leave out,
and, for an address of one item, the same address for a draft; every test below then covers
it. Filters and searches are surfaces too: the same page with a query.

The drafts carry text and ids found nowhere else: any of them in a response is a leak,
whatever its form (`statement-<pk>`, `/statements/<pk>/`, `"id": <pk>`, a CSV cell). Only
what the reader sent in the URL may come back (a search box keeps its words).
"""

from dataclasses import dataclass, field
from urllib.parse import quote, unquote

import pytest
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from stories import services
from stories.models import (
    NegotiationEvent,
    Order,
    Part,
    Pledge,
    PledgeUpdate,
    Role,
    Stakeholder,
    Statement,
)
from tests import factories
from tests.editorial import administrator

pytestmark = pytest.mark.django_db


# Ids no published row can have (the sequences start at 1), so the bare number is the marker.
DRAFT_STATEMENT_ID = 424_242_424_201
DRAFT_EVENT_ID = 424_242_424_202
DRAFT_PLEDGE_ID = 424_242_424_203
DRAFT_PLEDGE_UPDATE_ID = 424_242_424_204
DRAFT_PERSON = "test-only-in-drafts"  # the slug of someone who appears in drafts only
SEARCH_WORD = "zeppelins"  # in the drafts' text, and in no published item's


@dataclass
class PublicPage:
    name: str
    url: object  # story -> URL
    headers: dict = field(default_factory=dict)
    shows_statements: bool = True
    # Published text a filtered surface must leave out too (the filter would reveal a draft).
    absent: tuple = ()
    draft_url: object = None  # story -> the same address for a draft item, which is not found

    def get(self, client, story):
        return client.get(self.url(story), headers=self.headers)


def a_statement(story):
    """A published statement of the story (made if it has none)."""
    published = Statement.objects.published().filter(story=story).order_by("pk").first()
    return published or factories.statement(story, quote="Test published statement.")


def an_event(story):
    """A published event of the story (made if it has none)."""
    published = NegotiationEvent.objects.published().filter(story=story).order_by("pk").first()
    return published or factories.event(story, title="Test published meeting")


def a_person(story):
    """Someone with published content in the story."""
    return story.people.order_by("pk").first() or a_statement(story).speaker


def statement_path(story, pk, embed=False):
    return f"{'/embed' if embed else ''}/stories/{story.slug}/statements/{pk}/"


def a_pledge(story):
    """A published pledge of the story (made, with a status, if it has none)."""
    published = Pledge.objects.published().filter(story=story).order_by("pk").first()
    if published is None:
        published = factories.pledge(story, promise="Test published pledge")
        factories.pledge_update(published, evidence="Test published status")
    return published


def pledge_path(story, pk):
    return f"/stories/{story.slug}/pledges/{pk}/"


def oembed_path(path):
    return f"/oembed/?url=http://testserver{path}"


HTMX = {"HX-Request": "true"}
# The published statement that belongs to the draft deadline: filtering by that kind of event
# must not find it, or it tells that a draft deadline exists.
IN_DRAFT_EVENT = ("TEST-IN-DRAFT-EVENT",)

PUBLIC_PAGES = [
    PublicPage("home", lambda story: "/", shows_statements=False),
    PublicPage("story page", lambda story: story.get_absolute_url()),
    PublicPage("story timeline fragment", lambda story: story.get_absolute_url(), HTMX),
    PublicPage(
        "story page, statements only", lambda story: f"{story.get_absolute_url()}?kind=statements"
    ),
    PublicPage(
        "story page, events only",
        lambda story: f"{story.get_absolute_url()}?kind=events",
        shows_statements=False,
    ),
    PublicPage(
        "story fragment, deadlines",
        lambda story: f"{story.get_absolute_url()}?event_kind=deadline",
        HTMX,
        shows_statements=False,
        absent=IN_DRAFT_EVENT,
    ),
    PublicPage(
        "story page, one person",
        lambda story: f"{story.get_absolute_url()}?who={a_person(story).slug}",
    ),
    PublicPage(
        "story page, a person only in drafts",
        lambda story: f"{story.get_absolute_url()}?who={DRAFT_PERSON}",
    ),
    PublicPage(
        "story page, search",
        lambda story: f"{story.get_absolute_url()}?q={SEARCH_WORD}",
        shows_statements=False,
    ),
    PublicPage(
        "story fragment, search",
        lambda story: f"{story.get_absolute_url()}?q={SEARCH_WORD}&order=relevance",
        HTMX,
        shows_statements=False,
    ),
    PublicPage("correction log", lambda story: f"/stories/{story.slug}/corrections/"),
    PublicPage(
        "live poll after a change",
        lambda story: f"/stories/{story.slug}/updates/?since=0",
        headers={"HX-Request": "true"},
        shows_statements=False,
    ),
    PublicPage(
        "live poll from an open page",
        lambda story: f"/stories/{story.slug}/updates/?since=0&top=2099-01-01.s.1&checked=0",
        HTMX,
        shows_statements=False,
    ),
    PublicPage(
        "statement permalink",
        lambda story: statement_path(story, a_statement(story).pk),
        draft_url=lambda story: statement_path(story, DRAFT_STATEMENT_ID),
    ),
    PublicPage(
        "event permalink",
        lambda story: f"/stories/{story.slug}/events/{an_event(story).pk}/",
        shows_statements=False,
        draft_url=lambda story: f"/stories/{story.slug}/events/{DRAFT_EVENT_ID}/",
    ),
    PublicPage(
        "people page",
        lambda story: f"/stories/{story.slug}/people/{a_person(story).slug}/",
        draft_url=lambda story: f"/stories/{story.slug}/people/{DRAFT_PERSON}/",
    ),
    PublicPage(
        "people feed",
        lambda story: f"/stories/{story.slug}/people/{a_person(story).slug}/feed/",
        draft_url=lambda story: f"/stories/{story.slug}/people/{DRAFT_PERSON}/feed/",
    ),
    PublicPage(
        "figure page",
        lambda story: figure_path(story),
        shows_statements=False,
        draft_url=lambda story: f"/stories/{story.slug}/figures/test-draft-series/",
    ),
    PublicPage("figure fragment", lambda story: figure_path(story), HTMX, shows_statements=False),
    PublicPage(
        "figure CSV",
        lambda story: figure_path(story, ".csv"),
        shows_statements=False,
        draft_url=lambda story: f"/stories/{story.slug}/figures/test-draft-series.csv",
    ),
    PublicPage(
        "figure embed",
        lambda story: figure_path(story, embed=True),
        shows_statements=False,
        draft_url=lambda story: f"/embed/stories/{story.slug}/figures/test-draft-series/",
    ),
    PublicPage(
        "oEmbed of a figure",
        lambda story: "/oembed/?url=" + quote(f"http://testserver{figure_path(story)}"),
        shows_statements=False,
        draft_url=lambda story: (
            "/oembed/?url="
            + quote(f"http://testserver/stories/{story.slug}/figures/test-draft-series/")
        ),
    ),
    PublicPage("order book page", lambda story: order_book_path(story), shows_statements=False),
    PublicPage(
        "order book CSV", lambda story: order_book_path(story, ".csv"), shows_statements=False
    ),
    PublicPage(
        "order book embed",
        lambda story: order_book_path(story, embed=True),
        shows_statements=False,
    ),
    PublicPage("person page", lambda story: person_path(story), shows_statements=False),
    PublicPage("story feed", lambda story: f"/stories/{story.slug}/feed/"),
    PublicPage("statements CSV", lambda story: f"/stories/{story.slug}/export/statements.csv"),
    PublicPage(
        "events CSV",
        lambda story: f"/stories/{story.slug}/export/events.csv",
        shows_statements=False,
    ),
    PublicPage(
        "figures CSV",
        lambda story: f"/stories/{story.slug}/export/figures.csv",
        shows_statements=False,
    ),
    PublicPage("timeline embed", lambda story: f"/embed/stories/{story.slug}/timeline/"),
    PublicPage(
        "statement embed",
        lambda story: statement_path(story, a_statement(story).pk, embed=True),
        draft_url=lambda story: statement_path(story, DRAFT_STATEMENT_ID, embed=True),
    ),
    PublicPage(
        "oEmbed of the story",
        lambda story: oembed_path(story.get_absolute_url()),
        shows_statements=False,
    ),
    PublicPage(
        "oEmbed of a statement",
        lambda story: oembed_path(statement_path(story, a_statement(story).pk)),
        shows_statements=False,
        draft_url=lambda story: oembed_path(statement_path(story, DRAFT_STATEMENT_ID)),
    ),
    PublicPage("API statements", lambda story: f"/api/stories/{story.slug}/statements/"),
    PublicPage(
        "API statements, deadlines",
        lambda story: f"/api/stories/{story.slug}/statements/?event_kind=deadline",
        shows_statements=False,
        absent=IN_DRAFT_EVENT,
    ),
    PublicPage(
        "API statements, one person",
        lambda story: f"/api/stories/{story.slug}/statements/?speaker={a_person(story).slug}",
    ),
    PublicPage(
        "API statements, a person only in drafts",
        lambda story: f"/api/stories/{story.slug}/statements/?speaker={DRAFT_PERSON}",
        shows_statements=False,
    ),
    PublicPage("API timeline", lambda story: f"/api/stories/{story.slug}/timeline/"),
    PublicPage(
        "API timeline, search",
        lambda story: f"/api/stories/{story.slug}/timeline/?q={SEARCH_WORD}",
        shows_statements=False,
    ),
    PublicPage(
        "API events", lambda story: f"/api/stories/{story.slug}/events/", shows_statements=False
    ),
    PublicPage(
        "API events, deadlines",
        lambda story: f"/api/stories/{story.slug}/events/?event_kind=deadline",
        shows_statements=False,
    ),
    PublicPage(
        "API stakeholders",
        lambda story: f"/api/stories/{story.slug}/stakeholders/",
        shows_statements=False,
    ),
    PublicPage(
        "API series", lambda story: f"/api/stories/{story.slug}/series/", shows_statements=False
    ),
    PublicPage("API stories", lambda story: "/api/stories/", shows_statements=False),
    PublicPage(
        "API orders", lambda story: f"/api/stories/{story.slug}/orders/", shows_statements=False
    ),
    PublicPage(
        "API order book",
        lambda story: f"/api/stories/{story.slug}/order-book/",
        shows_statements=False,
    ),
    PublicPage(
        "API stakeholders",
        lambda story: f"/api/stories/{story.slug}/stakeholders/",
        shows_statements=False,
    ),
    PublicPage(
        "orders CSV",
        lambda story: f"/stories/{story.slug}/export/orders.csv",
        shows_statements=False,
    ),
    PublicPage("sitemap", lambda story: "/sitemap.xml", shows_statements=False),
    PublicPage(
        "pledge tracker", lambda story: f"/stories/{story.slug}/pledges/", shows_statements=False
    ),
    PublicPage(
        "pledge tracker, one person",
        lambda story: f"/stories/{story.slug}/pledges/?by={a_pledge(story).pledger.slug}",
        shows_statements=False,
    ),
    PublicPage(
        "pledge tracker fragment, one status",
        lambda story: f"/stories/{story.slug}/pledges/?status=in_progress",
        HTMX,
        shows_statements=False,
    ),
    PublicPage(
        "pledge page",
        lambda story: pledge_path(story, a_pledge(story).pk),
        shows_statements=False,
        draft_url=lambda story: pledge_path(story, DRAFT_PLEDGE_ID),
    ),
    PublicPage("who's who", lambda story: f"/stories/{story.slug}/people/", shows_statements=False),
    PublicPage(
        "people filter",
        lambda story: f"/stories/{story.slug}/filter/people/",
        shows_statements=False,
    ),
    PublicPage(
        "people filter fragment",
        lambda story: f"/stories/{story.slug}/filter/people/",
        HTMX,
        shows_statements=False,
    ),
    PublicPage(
        "API pledges", lambda story: f"/api/stories/{story.slug}/pledges/", shows_statements=False
    ),
    PublicPage(
        "API pledges, one status",
        lambda story: f"/api/stories/{story.slug}/pledges/?status=in_progress",
        shows_statements=False,
    ),
    PublicPage(
        "API pledge",
        lambda story: f"/api/stories/{story.slug}/pledges/{a_pledge(story).pk}/",
        shows_statements=False,
        draft_url=lambda story: f"/api/stories/{story.slug}/pledges/{DRAFT_PLEDGE_ID}/",
    ),
    PublicPage(
        "API key moments",
        lambda story: f"/api/stories/{story.slug}/key-moments/",
        shows_statements=False,
    ),
    PublicPage(
        "live poll after a pledge's status changed",
        lambda story: f"/stories/{story.slug}/updates/?since=1",
        headers={"HX-Request": "true"},
        shows_statements=False,
    ),
]


# Not found, or (for the live poll of a story no longer published) htmx's "stop polling".
NO_PAGE = {404, 286}


def figure_path(story, suffix="/", embed=False):
    """A figure URL of the story, giving it a series of synthetic test figures if it has none."""
    series = story.series.published().filter(kind="figures").first() or factories.series(
        story, name="Test series"
    )
    path = f"/stories/{story.slug}/figures/{series.slug}"
    if embed:
        path = f"/embed{path}"
    return path + suffix


def order_book_path(story, suffix="/", embed=False):
    """The story's order-book chart URL, giving it an order book if it has none."""
    series = story.series.filter(kind="order_book").first() or factories.series(
        story, name="Test order book", unit="trains", kind="order_book"
    )
    path = f"/stories/{story.slug}/figures/{series.slug}"
    if embed:
        path = f"/embed{path}"
    return path + suffix


def person_path(story):
    """The page of a person in the story, giving the story one (at an event) if it has none."""
    person = Stakeholder.objects.filter(slug="test-role-holder").first()
    if person is None:
        person = factories.stakeholder(name="Test Role Holder", slug="test-role-holder")
        factories.event(story, title="Test event with the role holder", participants=[person])
    return f"/stories/{story.slug}/people/{person.slug}/"


pages = pytest.mark.parametrize("page", PUBLIC_PAGES, ids=[page.name for page in PUBLIC_PAGES])


def corrected(**fields):
    """Fields of an item corrected after publication, so it belongs in the correction log too."""
    return {"corrected_at": timezone.now(), "correction_note": "Test correction.", **fields}


@pytest.fixture
def story_with_drafts(story):
    """
    A published story holding one draft of every kind, each with text and an id found nowhere
    else: a statement by someone who appears in no published item, a deadline that a
    published statement belongs to, a figure, a series (with a published figure), and a draft
    story.
    """
    series = factories.series(story, name="Test series")
    only_in_drafts = factories.stakeholder(name="TEST-DRAFT-PERSON", slug=DRAFT_PERSON)
    factories.statement(
        story,
        pk=DRAFT_STATEMENT_ID,
        speaker=only_in_drafts,
        quote=f"TEST-DRAFT-STATEMENT about {SEARCH_WORD}",
        status="draft",
        **corrected(),
    )
    deadline = factories.event(
        story,
        pk=DRAFT_EVENT_ID,
        participants=[only_in_drafts],
        title="TEST-DRAFT-EVENT",
        description=f"Test {SEARCH_WORD}",
        kind=NegotiationEvent.Kind.DEADLINE,
        status="draft",
    )
    factories.statement(story, quote="TEST-IN-DRAFT-EVENT", event=deadline)
    factories.point(series, value=123456, note="TEST-DRAFT-POINT", status="draft", **corrected())
    # A new series is a draft until published, and so are its figures, published or not.
    draft_series = factories.series(
        story,
        name="TEST-DRAFT-SERIES",
        slug="test-draft-series",
        unit="TEST-DRAFT-UNITS",
        status="draft",
    )
    factories.point(draft_series, value=654321, note="TEST-POINT-OF-A-DRAFT-SERIES")
    factories.series(story, name="Test order book", unit="trains", kind="order_book")
    published_order = factories.order(story, customer="Test Published Rail Co")
    factories.order(story, customer="TEST-DRAFT-ORDER", status="draft", **corrected())
    factories.order(
        story,
        development="update",
        changes=published_order,
        customer="TEST-DRAFT-ORDER-UPDATE",
        status="draft",
        **corrected(),
    )
    holder = factories.stakeholder(name="Test Role Holder", slug="test-role-holder")
    factories.event(story, title="Test event with the role holder", participants=[holder])
    factories.role(holder, title="Test published role")
    factories.role(holder, title="TEST-DRAFT-ROLE", status="draft")
    factories.story(title="TEST-DRAFT-STORY", status="draft")
    # A draft pledge with a published status change (which readers cannot see without it), a
    # published pledge with a draft status change, a draft who's who entry, and a draft
    # statement marked as a key moment.
    pledger = factories.stakeholder(name="Test Pledger", slug="test-pledger")
    factories.part(story, pledger, part="Test published part")
    draft_pledge = factories.pledge(
        story,
        pk=DRAFT_PLEDGE_ID,
        pledger=only_in_drafts,
        promise="TEST-DRAFT-PLEDGE",
        status="draft",
        **corrected(),
    )
    factories.pledge_update(
        draft_pledge, evidence="TEST-STATUS-OF-A-DRAFT-PLEDGE", claimed_by=only_in_drafts
    )
    published_pledge = factories.pledge(story, pledger=pledger, promise="Test published pledge")
    factories.pledge_update(published_pledge, evidence="Test published status")
    factories.pledge_update(
        published_pledge,
        pk=DRAFT_PLEDGE_UPDATE_ID,
        verdict="broken",
        evidence="TEST-DRAFT-PLEDGE-STATUS",
        as_of=timezone.localdate(),
        status="draft",
        **corrected(),
    )
    factories.part(story, only_in_drafts, part="TEST-DRAFT-PART", status="draft")
    factories.statement(
        story, quote="TEST-DRAFT-KEY-STATEMENT", key_moment="TEST-DRAFT-KEY-MOMENT", status="draft"
    )
    return story


DRAFT_MARKERS = [
    "TEST-DRAFT-STATEMENT",
    "TEST-DRAFT-EVENT",
    "TEST-DRAFT-POINT",
    "123456",
    "TEST-DRAFT-SERIES",
    "test-draft-series",
    "TEST-DRAFT-UNITS",
    "654321",
    "TEST-POINT-OF-A-DRAFT-SERIES",
    "TEST-DRAFT-ORDER",
    "TEST-DRAFT-ROLE",
    "TEST-DRAFT-STORY",
    "TEST-DRAFT-PERSON",
    DRAFT_PERSON,
    str(DRAFT_STATEMENT_ID),
    str(DRAFT_EVENT_ID),
    "TEST-DRAFT-PLEDGE",
    "TEST-STATUS-OF-A-DRAFT-PLEDGE",
    "TEST-DRAFT-PART",
    "TEST-DRAFT-KEY-MOMENT",
    "TEST-DRAFT-KEY-STATEMENT",
    str(DRAFT_PLEDGE_ID),
    str(DRAFT_PLEDGE_UPDATE_ID),
]


def sent(response):
    """What the reader asked for: the path and query, decoded."""
    request = response.request
    return unquote(f"{request['PATH_INFO']}?{request.get('QUERY_STRING', '')}")


@pytest.mark.parametrize("page", PUBLIC_PAGES, ids=[page.name for page in PUBLIC_PAGES])
def test_no_draft_item_appears_on_a_public_page(client, story_with_drafts, page):
    response = page.get(client, story_with_drafts)

    assert response.status_code == 200
    for marker in [*DRAFT_MARKERS, *page.absent]:
        if marker not in sent(response):  # a search box or a filter note repeats its input
            assertNotContains(response, marker)
    for draft in Order.objects.filter(status="draft"):
        assertNotContains(response, f'order-{draft.pk}"')
    for draft in Role.objects.filter(status="draft"):
        assertNotContains(response, f'role-{draft.pk}"')
    # A pledge's status changes are only seen with their published pledge.
    hidden_updates = PledgeUpdate.objects.exclude(pk__in=PledgeUpdate.objects.published())
    for draft in hidden_updates:
        assertNotContains(response, f"pledge-update-{draft.pk}")
    for draft in Part.objects.filter(status="draft"):
        assertNotContains(response, f'part-{draft.pk}"')


DRAFT_ADDRESSES = [page for page in PUBLIC_PAGES if page.draft_url]


@pytest.mark.parametrize("page", DRAFT_ADDRESSES, ids=[page.name for page in DRAFT_ADDRESSES])
def test_a_draft_items_own_address_is_not_found(client, story_with_drafts, page):
    response = client.get(page.draft_url(story_with_drafts), headers=page.headers)

    assert response.status_code == 404


@pages
def test_a_draft_story_has_no_public_page(client, page):
    draft = factories.story(title="TEST-DRAFT-STORY", status="draft")
    factories.statement(draft, quote="TEST-IN-DRAFT-STORY", **corrected())

    response = page.get(client, draft)

    if response.status_code == 200:
        assertNotContains(response, "TEST-DRAFT-STORY")
        assertNotContains(response, "TEST-IN-DRAFT-STORY")
    else:
        assert response.status_code in NO_PAGE


@pages
def test_unpublishing_takes_an_item_off_the_page(
    client, story, page, django_capture_on_commit_callbacks
):
    statement = factories.statement(story, quote="Test words as first published.")
    # Corrected after publication, so the correction log shows it too.
    statement.quote = "TEST-SOON-UNPUBLISHED"
    for name, value in corrected().items():
        setattr(statement, name, value)
    statement.save()
    if page.shows_statements:
        assertContains(page.get(client, story), "TEST-SOON-UNPUBLISHED")

    with django_capture_on_commit_callbacks(execute=True):  # the editor's unpublish commits
        services.unpublish(type(statement).objects.filter(pk=statement.pk), administrator())

    assertNotContains(page.get(client, story), "TEST-SOON-UNPUBLISHED")


@pages
def test_unpublishing_a_story_takes_it_off_the_page(
    client, story, page, django_capture_on_commit_callbacks
):
    story.title = "TEST-SOON-UNPUBLISHED-STORY"
    story.save()

    with django_capture_on_commit_callbacks(execute=True):
        services.unpublish(type(story).objects.filter(pk=story.pk), administrator())

    response = page.get(client, story)
    assert response.status_code in {200, *NO_PAGE}
    assertNotContains(response, "TEST-SOON-UNPUBLISHED-STORY", status_code=response.status_code)
