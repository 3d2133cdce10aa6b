"""
No draft leaks: every public URL, as a page and as a fragment, shows published items only.

PUBLIC_PAGES lists every public surface. A new surface (search, live polling, charts, feeds,
exports, embeds…) adds one entry: a name, a function from a story to the URL, the request
headers, and whether it shows the story's statements; every test below then covers it.
"""

from dataclasses import dataclass, field

import pytest
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from stories import services
from stories.models import Order, Role, Stakeholder
from tests import factories
from tests.editorial import administrator

pytestmark = pytest.mark.django_db


@dataclass
class PublicPage:
    name: str
    url: object  # story -> URL
    headers: dict = field(default_factory=dict)
    shows_statements: bool = True

    def get(self, client, story):
        return client.get(self.url(story), headers=self.headers)


PUBLIC_PAGES = [
    PublicPage("home", lambda story: "/", shows_statements=False),
    PublicPage("story page", lambda story: story.get_absolute_url()),
    PublicPage(
        "story timeline fragment",
        lambda story: story.get_absolute_url(),
        headers={"HX-Request": "true"},
    ),
    PublicPage("correction log", lambda story: f"/stories/{story.slug}/corrections/"),
    PublicPage(
        "live poll after a change",
        lambda story: f"/stories/{story.slug}/updates/?since=0",
        headers={"HX-Request": "true"},
        shows_statements=False,
    ),
    PublicPage("figure page", lambda story: figure_path(story), shows_statements=False),
    PublicPage(
        "figure fragment",
        lambda story: figure_path(story),
        headers={"HX-Request": "true"},
        shows_statements=False,
    ),
    PublicPage("figure CSV", lambda story: figure_path(story, ".csv"), shows_statements=False),
    PublicPage(
        "figure embed", lambda story: figure_path(story, embed=True), shows_statements=False
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
    PublicPage("API statements", lambda story: f"/api/stories/{story.slug}/statements/"),
    PublicPage("API timeline", lambda story: f"/api/stories/{story.slug}/timeline/"),
    PublicPage(
        "API events", lambda story: f"/api/stories/{story.slug}/events/", shows_statements=False
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
]


# Not found, or (for the live poll of a story no longer published) htmx's "stop polling".
NO_PAGE = {404, 286}


def figure_path(story, suffix="/", embed=False):
    """A figure URL of the story, giving it a series of synthetic test figures if it has none."""
    series = story.series.filter(kind="figures").first() or factories.series(
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
    """A published story holding one draft of every kind, each with text found nowhere else."""
    series = factories.series(story, name="Test series")
    factories.statement(story, quote="TEST-DRAFT-STATEMENT", status="draft", **corrected())
    factories.event(story, title="TEST-DRAFT-EVENT", status="draft")
    factories.point(series, value=123456, note="TEST-DRAFT-POINT", status="draft", **corrected())
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
    return story


@pages
def test_no_draft_item_appears_on_a_public_page(client, story_with_drafts, page):
    response = page.get(client, story_with_drafts)

    assert response.status_code == 200
    for marker in [
        "TEST-DRAFT-STATEMENT",
        "TEST-DRAFT-EVENT",
        "TEST-DRAFT-POINT",
        "123456",
        "TEST-DRAFT-ORDER",
        "TEST-DRAFT-ROLE",
    ]:
        assertNotContains(response, marker)
    assertNotContains(response, "TEST-DRAFT-STORY")
    for draft in Order.objects.filter(status="draft"):
        assertNotContains(response, f'order-{draft.pk}"')
    for draft in Role.objects.filter(status="draft"):
        assertNotContains(response, f'role-{draft.pk}"')


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
