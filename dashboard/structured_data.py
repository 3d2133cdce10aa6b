"""
schema.org JSON-LD for stories, statements, events, pledges and figure series.

Builders return plain dicts; the `json_ld` template tag (dashboard/templatetags/open_data.py)
serialises them into a script element that no stored text can break out of. Dates keep their
precision: a statement known only to the month says "2024-09", never "2024-09-01".
"""

from stories.models import NegotiationEvent, Pledge, Series, Stakeholder, Statement, Story

from .charts import Chart

CONTEXT = "https://schema.org"
PUBLISHER = {"@type": "Organization", "name": "Story dashboard"}


def absolute(request, path):
    return request.build_absolute_uri(path) if request is not None else path


def party(stakeholder, role=""):
    """A Person or an Organization, with the role they held when it mattered."""
    if stakeholder.kind == Stakeholder.Kind.ORGANISATION:
        data = {"@type": "Organization", "name": stakeholder.name}
    else:
        data = {"@type": "Person", "name": stakeholder.name}
        if role or stakeholder.role:
            data["jobTitle"] = role or stakeholder.role
        if stakeholder.organisation:
            data["affiliation"] = {"@type": "Organization", "name": stakeholder.organisation}
    return data


def source(source):
    data = {
        "@type": "CreativeWork",
        "publisher": {"@type": "Organization", "name": source.publication},
        "datePublished": source.published.machine_readable,
    }
    if source.headline:
        data["headline"] = source.headline
    if source.url:
        data["url"] = source.url
    return data


def story(story, request=None):
    data = {
        "@context": CONTEXT,
        "@type": "NewsArticle",
        "headline": story.title,
        "description": story.standfirst,
        "url": absolute(request, story.get_absolute_url()),
        "dateModified": story.updated_at.isoformat(),
        "publisher": PUBLISHER,
        "about": {
            "@type": "Event",
            "name": story.title,
            "startDate": story.started.machine_readable,
        },
    }
    if story.published_at:
        data["datePublished"] = story.published_at.isoformat()
    return data


def quotation(statement, request=None):
    """A statement as a Quotation; the statement must have its story, speaker and source loaded."""
    return {
        "@context": CONTEXT,
        "@type": "Quotation",
        "text": statement.quote,
        "creator": party(statement.speaker, statement.speaker_role),
        "dateCreated": statement.when.machine_readable,
        "url": absolute(request, statement.get_absolute_url()),
        "isBasedOn": source(statement.source),
        "isPartOf": {
            "@type": "NewsArticle",
            "url": absolute(request, statement.story.get_absolute_url()),
        },
    }


def event(event, request=None):
    data = {
        "@context": CONTEXT,
        "@type": "Event",
        "name": event.title,
        "startDate": event.when.machine_readable,
        "url": absolute(request, event.get_absolute_url()),
        "isBasedOn": source(event.source),
    }
    if event.description:
        data["description"] = event.description
    if event.place:
        data["location"] = {"@type": "Place", "name": event.place}
    participants = [party(person) for person in event.participants.all()]
    if participants:
        data["attendee"] = participants
    return data


def pledge(pledge, request=None):
    """
    A pledge as a schema.org Claim by the pledger, with each published status change as a
    Review rated by its status: by the newsroom, or, for someone's own claim, by them.
    """
    data = {
        "@context": CONTEXT,
        "@type": "Claim",
        "name": pledge.promise,
        "text": " ".join(pledge.paragraphs) or pledge.promise,
        "author": party(pledge.pledger, pledge.pledger_role),
        "dateCreated": pledge.when.machine_readable,
        "url": absolute(request, pledge.get_absolute_url()),
        "appearance": source(pledge.source),
        "isPartOf": {
            "@type": "NewsArticle",
            "url": absolute(request, pledge.story.get_absolute_url()),
        },
    }
    reviews = [status_review(update, request) for update in pledge.updates_shown]
    if reviews:
        data["review"] = reviews
    return data


def status_review(update, request=None):
    """A pledge's status change as a Review whose rating names the status."""
    return {
        "@type": "Review",
        "url": absolute(request, update.get_absolute_url()),
        "datePublished": update.when.machine_readable,
        "reviewRating": {"@type": "Rating", "alternateName": update.get_verdict_display()},
        "reviewBody": update.evidence,
        "author": party(update.claimed_by) if update.is_claim else PUBLISHER,
        "isBasedOn": source(update.source),
    }


def dataset(series, points=None, request=None):
    """A figure series as a Dataset; `points` are its published points, oldest first."""
    data = {
        "@context": CONTEXT,
        "@type": "Dataset",
        "name": f"{series.name} ({series.unit})",
        "description": series.description
        or f"{series.name}, in {series.unit}, for {series.story.title}.",
        "url": absolute(request, series.get_absolute_url()),
        "variableMeasured": {
            "@type": "PropertyValue",
            "name": series.name,
            "unitText": series.unit,
        },
        "creator": PUBLISHER,
        "isAccessibleForFree": True,
        "distribution": {
            "@type": "DataDownload",
            "encodingFormat": "text/csv",
            "contentUrl": absolute(request, series.story.get_export_url("figures")),
        },
    }
    if points:
        data["temporalCoverage"] = coverage(points[0].when, points[-1].when)
    return data


def coverage(first, last):
    """An ISO 8601 interval from the start of `first` to the end of `last`, at their precision."""
    start = first.period_machine_readable[0] if first.is_period else first.machine_readable
    end = last.period_machine_readable[1] if last.is_period else last.machine_readable
    return start if start == end else f"{start}/{end}"


def chart_dataset(chart, request=None):
    """
    A chart's series as a Dataset, with what its page shows: the figures' time span, and where
    sources disagree; for an order book, its orders (trains and value) and their CSV.
    """
    series = chart.series
    data = dataset(series, chart.points, request)
    if chart.is_order_book:
        data["variableMeasured"] = [
            {"@type": "PropertyValue", "name": "Trains on order", "unitText": series.unit},
            {"@type": "PropertyValue", "name": "Value of the orders", "unitCode": "GBP"},
        ]
        data["distribution"]["contentUrl"] = absolute(
            request, series.story.get_export_url("orders")
        )
        if chart.book:
            data["temporalCoverage"] = coverage(chart.book[0].when, chart.book[-1].when)
    elif chart.disagreements:
        dates = len(chart.disagreements)
        data["description"] += (
            f" Sources give different figures on {dates} date{'s' if dates > 1 else ''}; "
            "every figure is kept with its source, none averaged."
        )
    return data


def for_object(value, request=None):
    """The JSON-LD for a story, statement, event, pledge, series or chart; dicts and lists pass
    through."""
    build = BUILDERS.get(type(value))
    return build(value, request=request) if build else value


BUILDERS = {
    Statement: quotation,
    NegotiationEvent: event,
    Pledge: pledge,
    Series: dataset,
    Story: story,
    Chart: chart_dataset,
}
