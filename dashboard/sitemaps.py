"""
The sitemap: published stories, their statements, events, people, pledges, pledge trackers,
who's who and figures.
"""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, Q

from stories.models import (
    NegotiationEvent,
    Part,
    Pledge,
    PledgeUpdate,
    Series,
    Stakeholder,
    Statement,
    Status,
    Story,
)


class StorySitemap(Sitemap):
    changefreq = "daily"
    priority = 1.0

    def items(self):
        return Story.objects.published().order_by("pk")

    def location(self, story):
        return story.get_absolute_url()

    def lastmod(self, story):
        return story.updated_at


class StatementSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return (
            Statement.objects.published()
            .filter(story__status=Status.PUBLISHED)
            .select_related("story")
            .order_by("pk")
        )

    def location(self, statement):
        return statement.get_absolute_url()

    def lastmod(self, statement):
        return statement.updated_at


class EventSitemap(StatementSitemap):
    def items(self):
        return (
            NegotiationEvent.objects.published()
            .filter(story__status=Status.PUBLISHED)
            .select_related("story")
            .order_by("pk")
        )

    def location(self, event):
        return event.get_absolute_url()


class StakeholderSitemap(Sitemap):
    """One page per person per story they have a published part in."""

    changefreq = "weekly"

    def items(self):
        spoke = Statement.objects.published().filter(story__status=Status.PUBLISHED)
        attended = NegotiationEvent.objects.published().filter(story__status=Status.PUBLISHED)
        pledged = Pledge.objects.published().filter(story__status=Status.PUBLISHED)
        claimed = PledgeUpdate.objects.published().filter(
            pledge__story__status=Status.PUBLISHED, claimed_by__isnull=False
        )
        listed = Part.objects.published().filter(story__status=Status.PUBLISHED)
        pairs = {
            *spoke.values_list("story_id", "speaker_id"),
            *attended.values_list("story_id", "participants").exclude(participants=None),
            *pledged.values_list("story_id", "pledger_id"),
            *claimed.values_list("pledge__story_id", "claimed_by_id"),
            *listed.values_list("story_id", "stakeholder_id"),
        }
        stories = Story.objects.in_bulk({story_id for story_id, _ in pairs})
        people = Stakeholder.objects.in_bulk({person_id for _, person_id in pairs})
        return sorted(
            ((stories[story_id], people[person_id]) for story_id, person_id in pairs),
            key=lambda pair: (pair[0].pk, pair[1].pk),
        )

    def location(self, pair):
        story, person = pair
        return story.get_person_url(person)


class PledgeSitemap(StatementSitemap):
    def items(self):
        return (
            Pledge.objects.published()
            .filter(story__status=Status.PUBLISHED)
            .select_related("story")
            .order_by("pk")
        )

    def location(self, pledge):
        return pledge.get_absolute_url()


class StoryPartsSitemap(Sitemap):
    """Each published story's pledge tracker and who's who."""

    changefreq = "daily"

    def items(self):
        stories = Story.objects.published().order_by("pk")
        return [(story, page) for story in stories for page in ("pledges", "whos-who")]

    def location(self, item):
        story, page = item
        return story.get_pledges_url() if page == "pledges" else story.get_whos_who_url()


class FigureSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return (
            Series.objects.published()
            .filter(story__status=Status.PUBLISHED)
            .filter(Q(points__status=Status.PUBLISHED))
            .annotate(last_point=Max("points__updated_at"))
            .select_related("story")
            .order_by("pk")
        )

    def location(self, series):
        return series.get_absolute_url()

    def lastmod(self, series):
        return series.last_point


sitemaps = {
    "stories": StorySitemap,
    "statements": StatementSitemap,
    "events": EventSitemap,
    "people": StakeholderSitemap,
    "pledges": PledgeSitemap,
    "story-parts": StoryPartsSitemap,
    "figures": FigureSitemap,
}
