"""
The Hitachi story to date, checked mechanically against the rules its data was written by:
quotes and figures verbatim in the excerpts read, dates no more precise than the sources allow,
roles as they were on the day, disagreements kept, and enough of the story to read as running.
"""

import copy
import datetime
import json
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from stories.dates import PreciseDate, Precision
from stories.loading import data_file, read_story_data
from stories.models import (
    DataPoint,
    NegotiationEvent,
    Order,
    Part,
    Pledge,
    Role,
    Stakeholder,
    Statement,
    Story,
)
from stories.orders import order_book

pytestmark = pytest.mark.django_db

SLUG = "hitachi-newton-aycliffe"
SEPTEMBER_2024_ENDS = datetime.date(2024, 9, 30)


@pytest.fixture(scope="module")
def data():
    return read_story_data(data_file(SLUG))


@pytest.fixture
def hitachi(db):
    call_command("load_story", SLUG)
    return Story.objects.get(slug=SLUG)


def excerpts(data):
    return {source["key"]: source["excerpt"] for source in data["sources"]}


def when(item, field):
    end = item.get(f"{field}_end")
    return PreciseDate(
        datetime.date.fromisoformat(item[field]),
        item[f"{field}_precision"],
        datetime.date.fromisoformat(end) if end else None,
    )


def dated_items(data):
    """(kind, date, source key, item) for every statement, event, figure and order."""
    for item in data["statements"]:
        yield "statement", when(item, "said_on"), item["source"], item
    for item in data["events"]:
        yield "event", when(item, "happened_on"), item["source"], item
    for series in data["series"]:
        for item in series["points"]:
            yield "figure", when(item, "as_of"), item["source"], item
    for item in data["orders"]:
        yield "order", when(item, "announced_on"), item["source"], item
    for item in data["pledges"]:
        yield "pledge", when(item, "made_on"), item["source"], item
        for update in item["updates"]:
            yield "pledge status", when(update, "as_of"), update["source"], update


# Verbatim


def test_every_quote_is_verbatim_in_its_sources_excerpt(data):
    texts = excerpts(data)
    for statement in data["statements"]:
        for paragraph in statement["quote"]:
            assert paragraph in texts[statement["source"]], (statement["speaker"], paragraph)


def test_every_figures_orders_and_roles_words_are_verbatim_in_its_sources_excerpt(data):
    texts = excerpts(data)
    for series in data["series"]:
        for point in series["points"]:
            assert point["words"] in texts[point["source"]], point
    for order in data["orders"]:
        for words in order["words"]:
            assert words in texts[order["source"]], order["key"]
    for role in data["roles"]:
        assert role["words"] in texts[role["source"]], role


def test_every_pledges_words_and_quoted_evidence_are_verbatim_in_its_sources_excerpt(data):
    texts = excerpts(data)
    for pledge in data["pledges"]:
        for paragraph in pledge["words"]:
            assert paragraph in texts[pledge["source"]], pledge["key"]
        for update in pledge["updates"]:
            assert update["words"] in texts[update["source"]], (pledge["key"], update["as_of"])


def test_a_status_that_is_someones_own_account_is_their_claim_and_says_so(data):
    for pledge in data["pledges"]:
        for update in pledge["updates"]:
            if update["claimed_by"]:
                assert update["evidence"].endswith("own account."), update["evidence"]
            else:
                assert "own account" not in update["evidence"], update["evidence"]


def test_the_summary_is_dated_no_later_than_its_newest_source(data):
    newest = max(when(source, "published_on").last_day for source in data["sources"])
    as_of = datetime.date.fromisoformat(data["story"]["summary_as_of"])

    assert data["story"]["summary"] and as_of <= newest


def test_every_stakeholder_is_in_the_whos_who_once(data):
    listed = [part["stakeholder"] for part in data["parts"]]

    assert sorted(listed) == sorted(person["slug"] for person in data["stakeholders"])


def test_the_pledges_the_reporting_names_stand_as_the_sources_show(hitachi):
    pledges = {pledge.pledger.slug: pledge for pledge in Pledge.objects.for_story(hitachi)}

    strickland = pledges["alan-strickland"]
    assert strickland.standing.verdict == "in_progress"
    assert strickland.latest_claim.claimed_by.slug == "alan-strickland"
    assert strickland.latest_claim.verdict == "kept"
    campaign = pledges["the-northern-echo"]
    assert (campaign.kind, campaign.standing.verdict) == ("ask", "unclear")
    assert "West Coast Main Line" in campaign.promise
    starmer = pledges["keir-starmer"]
    assert starmer.standing.verdict == "unclear"
    assert starmer.latest_claim.claimed_by.slug == "uk-government"
    # A claim is never the status: every "kept" in the story is someone's own account.
    for pledge in pledges.values():
        assert all(update.is_claim for update in pledge.updates_shown if update.verdict == "kept")


def test_the_whos_who_lists_everyone_with_a_page(client, hitachi):
    assert Part.objects.published().filter(story=hitachi).count() == Stakeholder.objects.count()
    for part in Part.objects.filter(story=hitachi).select_related("stakeholder")[:5]:
        assert client.get(hitachi.get_person_url(part.stakeholder)).status_code == 200


def test_each_figures_words_give_its_number(data):
    for series in data["series"]:
        for point in series["points"]:
            number = int(Decimal(point["value"]))
            assert re.search(rf"\b{number:,}\b|\b{number}\b", point["words"]), point


def test_each_orders_words_give_its_trains_or_cars(data):
    numbers = {1: "one", 3: "three", 5: "five", 8: "eight", 9: "nine", 13: "13", 14: "14"}
    for order in data["orders"]:
        said = " ".join(order["words"])
        counts = [n for n in (order["trains"], order["cars"]) if n is not None]
        for count in counts:
            assert str(count) in said or numbers.get(count, "?") in said, order["key"]


def test_the_stored_quotes_are_the_ones_in_the_data(hitachi, data):
    stored = set(Statement.objects.values_list("quote", flat=True))

    assert stored == {"\n\n".join(item["quote"]) for item in data["statements"]}


def test_excerpts_are_short_extracts_not_whole_articles(data):
    for source in data["sources"]:
        assert 0 < len(source["excerpt"]) <= 4500, source["key"]
        assert source["publication"] and source["url"].startswith("http"), source["key"]


def test_a_quote_not_in_its_excerpt_is_refused_and_nothing_is_written(tmp_path, data):
    broken = copy.deepcopy(data)
    broken["statements"][-1]["quote"][0] += " And a sentence nobody said."
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken), encoding="utf-8")

    with pytest.raises(CommandError, match="not verbatim in the excerpt"):
        call_command("load_story", str(path))

    assert not Story.objects.exists()


@pytest.mark.parametrize("part", ["words", "evidence"])
def test_a_pledge_or_status_whose_words_are_not_in_the_excerpt_is_refused(tmp_path, data, part):
    broken = copy.deepcopy(data)
    pledge = broken["pledges"][0]
    if part == "words":
        pledge["words"][0] += " And a promise nobody made."
    else:
        pledge["updates"][0]["words"] += " and words nobody wrote"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken), encoding="utf-8")

    with pytest.raises(CommandError, match="not verbatim in the excerpt"):
        call_command("load_story", str(path))

    assert not Story.objects.exists()


# The story to date


def test_at_least_25_dated_items_after_september_2024_each_with_a_source(data):
    sources = {source["key"] for source in data["sources"]}
    later = [
        (kind, date, source)
        for kind, date, source, _ in dated_items(data)
        if date.date > SEPTEMBER_2024_ENDS
    ]

    assert len(later) >= 25
    assert all(source in sources for _, _, source in later)
    kinds = {"statement", "event", "figure", "order", "pledge", "pledge status"}
    assert {kind for kind, _, _ in later} == kinds


def test_the_story_runs_to_2026(hitachi):
    latest = NegotiationEvent.objects.published().filter(story=hitachi).latest("happened_on")

    assert latest.happened_on.year == 2026


# Dates at their true precision


def test_nothing_is_dated_after_the_source_that_reports_it(data):
    published = {source["key"]: when(source, "published_on") for source in data["sources"]}
    for kind, date, source, item in dated_items(data):
        if kind == "event" and item["kind"] == "deadline":
            continue  # a deadline may be reported before it falls
        assert date.date <= published[source].last_day, (kind, str(date), source)


def test_a_day_from_a_source_without_one_says_where_it_comes_from(data):
    """A source known only to the month or year cannot give a day unless the data says how."""
    published = {source["key"]: when(source, "published_on") for source in data["sources"]}
    for kind, date, source, item in dated_items(data):
        vague = published[source].precision in (Precision.MONTH, Precision.YEAR)
        if date.precision == Precision.DAY and vague:
            assert item.get("date_note") or published_note(data, source), (kind, str(date))


def published_note(data, key):
    return next(source.get("date_note") for source in data["sources"] if source["key"] == key)


def test_dates_are_stored_as_the_first_day_of_their_period(data):
    for kind, date, _, _ in dated_items(data):
        if date.precision == Precision.MONTH:
            assert date.date.day == 1, (kind, str(date))
        if date.precision == Precision.WEEK:
            assert date.date.weekday() == 0, (kind, str(date))
        if date.precision == Precision.YEAR:
            assert (date.date.month, date.date.day) == (1, 1), (kind, str(date))


def test_items_known_only_to_a_period_are_shown_as_that_period_everywhere(client, hitachi):
    periods = list(Statement.objects.filter(said_on_precision=Precision.PERIOD)) + list(
        NegotiationEvent.objects.filter(happened_on_precision=Precision.PERIOD)
    )
    statements_csv = client.get(f"/stories/{SLUG}/export/statements.csv").content.decode()
    events_csv = client.get(f"/stories/{SLUG}/export/events.csv").content.decode()
    timeline = client.get(f"/api/stories/{SLUG}/timeline/", {"limit": 100}).json()["items"]
    api_dates = {(item["type"], item["id"]): item["date"] for item in timeline}

    assert len(periods) >= 3
    for item in periods:
        text = str(item.when)
        assert "–" in text
        kind = "statement" if isinstance(item, Statement) else "event"
        page = client.get(f"/stories/{SLUG}/{kind}s/{item.pk}/")
        first, last = item.when.period_texts
        assert first in page.content.decode() and last in page.content.decode()
        exported = statements_csv if isinstance(item, Statement) else events_csv
        assert text in exported and item.when.machine_readable in exported
        assert api_dates[(kind, item.pk)]["text"] == text
        assert api_dates[(kind, item.pk)]["precision"] == "period"


def test_the_mps_meeting_with_haigh_is_a_period_not_a_year(hitachi):
    meeting = NegotiationEvent.objects.get(title="MPs meet the Transport Secretary, Louise Haigh")

    # After the delegation of July, before the article of the week of 23 September.
    assert str(meeting.when) == "1 July – 29 September 2024"


# Roles at the time


def test_every_statement_gives_a_role_its_speaker_held_that_day(hitachi):
    checked = 0
    for statement in Statement.objects.select_related("speaker"):
        roles = Role.objects.published().filter(stakeholder=statement.speaker)
        if roles:
            held = [role.title for role in roles if role.held_at(statement.when)]
            assert statement.speaker_role in held, (statement.speaker.name, str(statement.when))
            checked += 1

    assert checked >= 40


def test_haigh_was_transport_secretary_until_her_resignation_and_alexander_after(hitachi):
    haigh = Role.objects.get(stakeholder__slug="louise-haigh", title="Transport Secretary")
    alexander = Role.objects.get(stakeholder__slug="heidi-alexander", title="Transport Secretary")
    day = lambda *args: PreciseDate(datetime.date(*args), Precision.DAY)  # noqa: E731

    assert haigh.held_at(day(2024, 10, 17)) and not haigh.held_at(day(2024, 12, 2))
    assert alexander.held_at(day(2025, 4, 3)) and not alexander.held_at(day(2024, 11, 28))
    said_as_secretary = Statement.objects.filter(
        speaker__slug="heidi-alexander", speaker_role="Transport Secretary"
    )
    assert said_as_secretary.exists()
    assert all(s.said_on >= datetime.date(2024, 11, 29) for s in said_as_secretary)


def move(data, speaker, role, said_on):
    broken = copy.deepcopy(data)
    statement = next(
        item
        for item in broken["statements"]
        if item["speaker"] == speaker and item["speaker_role"] == role
    )
    statement.update(said_on=said_on, said_on_precision="day")
    statement.pop("said_on_end", None)
    return broken


@pytest.mark.parametrize(
    "speaker, role, said_on",
    [
        ("louise-haigh", "Transport Secretary", "2024-12-02"),  # after she resigned
        ("heidi-alexander", "Transport Secretary", "2024-11-01"),  # before her appointment
    ],
)
def test_a_statement_in_a_role_not_held_that_day_is_caught(tmp_path, data, speaker, role, said_on):
    path = tmp_path / "wrong-role.json"
    path.write_text(json.dumps(move(data, speaker, role, said_on)), encoding="utf-8")

    with pytest.raises(CommandError, match="recorded roles then were"):
        call_command("load_story", str(path))

    assert not Statement.objects.exists()


# Disagreements kept


def test_both_700_and_750_workers_are_kept_on_the_same_day_with_their_sources(hitachi):
    on_deal_day = DataPoint.objects.filter(
        series__slug="workforce", as_of=datetime.date(2024, 12, 6)
    ).select_related("source")

    assert {(point.value, point.source.publication) for point in on_deal_day} == {
        (750, "ITV News (Tyne Tees)"),
        (700, "The Independent (PA)"),
        (700, "LBC (PA)"),
        (750, "Local Democracy Reporting Service (copy at durhamhits.co.uk)"),
    }


def test_every_figure_in_the_data_is_stored_none_averaged_or_dropped(hitachi, data):
    for series in data["series"]:
        stored = sorted(
            (point.as_of.isoformat(), point.value)
            for point in DataPoint.objects.filter(series__slug=series["slug"])
        )
        given = sorted((point["as_of"], Decimal(point["value"])) for point in series["points"])
        assert stored == given


def test_the_options_disagreeing_values_are_both_kept_and_said_to_differ(hitachi):
    option = Order.objects.get(development="new", commitment="option")
    values = sorted(account.value for account in option.developments.filter(development="account"))
    book = order_book(Order.objects.for_story(hitachi))

    assert values == [460_000_000, 460_000_000, 500_000_000, 500_000_000]
    assert "sources differ" in option.note
    assert book[-1].value_range("option") == (460_000_000, 500_000_000)


def test_the_order_book_holds_23_firm_trains_and_13_on_option(hitachi):
    book = order_book(Order.objects.for_story(hitachi))

    assert (book[-1].trains("firm"), book[-1].trains("option")) == (23, 13)
    assert str(book[-1].when) == "28 October 2025"


def test_the_disagreements_are_said_where_readers_see_them(client, hitachi):
    workforce = client.get(f"/stories/{SLUG}/figures/workforce/").content.decode()
    mcdonald = client.get(f"/stories/{SLUG}/people/chris-mcdonald/").content.decode()
    starmer = Statement.objects.get(
        speaker__slug="keir-starmer", said_on_precision=Precision.PERIOD
    )

    assert "Sources differ on this date" in workforce
    assert "sources differ on" in workforce
    assert "Stockton South" in mcdonald and "Stockton North" in mcdonald
    assert "the sources differ on its date" in starmer.context


# Loading


def test_loading_the_story_twice_changes_nothing(hitachi, capsys):
    capsys.readouterr()

    call_command("load_story", SLUG)

    assert "already up to date" in capsys.readouterr().out
