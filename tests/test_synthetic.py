import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from stories.models import DataPoint, NegotiationEvent, Stakeholder, Statement, Story

pytestmark = pytest.mark.django_db


def generate(slug="synthetic-test", **counts):
    sizes = {"stakeholders": 5, "statements": 40, "events": 6, "series": 2, "points": 7}
    call_command("generate_story", slug, *[f"--{k}={v}" for k, v in {**sizes, **counts}.items()])
    return Story.objects.get(slug=slug)


def test_generates_a_story_of_the_asked_size_marked_synthetic():
    story = generate()

    assert story.title.startswith("[Synthetic]")
    assert story.statements.count() == 40
    assert story.events.count() == 6
    assert DataPoint.objects.filter(series__story=story).count() == 14
    assert all(
        q.startswith("Synthetic quote:") for q in story.statements.values_list("quote", flat=True)
    )
    assert Stakeholder.objects.filter(name__startswith="Synthetic Person").count() == 5


def test_generating_again_replaces_the_synthetic_story_without_duplicates():
    generate()
    generate(statements=10)

    assert Statement.objects.count() == 10
    assert Stakeholder.objects.count() == 5


def test_refuses_a_slug_that_is_not_marked_synthetic():
    with pytest.raises(CommandError, match="synthetic-"):
        call_command("generate_story", "hitachi-newton-aycliffe", "--statements=1")


def test_never_touches_a_real_story():
    call_command("load_story", "hitachi-newton-aycliffe")
    real = Story.objects.get(slug="hitachi-newton-aycliffe")
    before = (
        real.statements.count(),
        real.events.count(),
        NegotiationEvent.objects.filter(story=real).count(),
    )

    generate()

    assert (
        real.statements.count(),
        real.events.count(),
        NegotiationEvent.objects.filter(story=real).count(),
    ) == before
    assert not real.statements.filter(quote__startswith="Synthetic").exists()
