"""
The newsroom's model of a running story: who said what, when, where it was reported,
what happened in the negotiations, and the figures that matter.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .dates import PreciseDate, Precision, precision_constraint, start_of_period


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class PublishedQuerySet(models.QuerySet):
    def published(self):
        """Rows readers may see."""
        return self.filter(status=Status.PUBLISHED)


class Versioned(models.Model):
    """
    A row with a version number, raised by one on every save of an existing row.

    Editing forms send back the version they were loaded with and refuse to save over a newer
    one (stories.forms.EditorialForm), so two editors never silently overwrite each other.
    """

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            self.version += 1
        super().save(*args, **kwargs)


class DatedWithPrecision(models.Model):
    """
    A row with dates known to a precision: `precise_dates` names (date field, precision field)
    pairs. clean() moves each date to the first day of its period and refuses dates in the future
    unless `may_be_in_the_future` says otherwise.
    """

    precise_dates = ()

    class Meta:
        abstract = True

    @property
    def may_be_in_the_future(self):
        return False

    def normalise_dates(self):
        for date_field, precision_field in self.precise_dates:
            value = getattr(self, date_field)
            if value is not None:
                setattr(self, date_field, start_of_period(value, getattr(self, precision_field)))

    def clean(self):
        super().clean()
        self.normalise_dates()
        today = timezone.localdate()
        errors = {}
        for date_field, _ in self.precise_dates:
            value = getattr(self, date_field)
            if value is not None and value > today and not self.may_be_in_the_future:
                errors[date_field] = (
                    f"This date is in the future; today is {today.day} {today:%B %Y}."
                )
        if errors:
            raise ValidationError(errors)


class Publishable(Versioned, DatedWithPrecision):
    """Draft until an editor publishes; publishing stamps who and when."""

    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT, db_index=True)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Kept when the item is unpublished: readers saw it, so only an administrator may delete it.
    first_published_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    @property
    def is_published(self):
        return self.status == Status.PUBLISHED

    def stamp_publication(self, user, was_published):
        """
        Record who published the item and when, as it goes from draft to published; an item
        taken back to draft loses the stamp (its history keeps it). The first publication's
        time stays for good.
        """
        if self.first_published_at is None and (self.is_published or was_published):
            self.first_published_at = self.published_at or timezone.now()
        if self.is_published and not was_published:
            self.published_at = timezone.now()
            self.published_by = user
        elif not self.is_published:
            self.published_at = None
            self.published_by = None

    @property
    def was_ever_published(self):
        """Whether readers have seen it: published now, or at some time before."""
        return self.is_published or self.first_published_at is not None


class Correctable(models.Model):
    """
    A published item whose reader-visible content (`corrected_fields`) changed after
    publication: it carries the date of the latest correction and a short public note.
    """

    corrected_fields = ()

    corrected_at = models.DateTimeField(null=True, blank=True, editable=False)
    correction_note = models.CharField(
        max_length=300,
        blank=True,
        help_text="Shown to readers. Required when you change a published item: "
        "say briefly what was wrong and what was corrected.",
    )

    class Meta:
        abstract = True

    @property
    def is_corrected(self):
        return self.corrected_at is not None

    def differs_for_readers(self, other):
        """Whether `other`, another copy of this row, shows readers something different."""
        return any(getattr(self, name) != getattr(other, name) for name in self.corrected_fields)


def http_url_validator():
    return URLValidator(schemes=["http", "https"], message="Enter an http:// or https:// address.")


def http_url_constraint(name):
    return models.CheckConstraint(
        condition=Q(url="") | Q(url__startswith="http://") | Q(url__startswith="https://"),
        name=name,
        violation_error_message="Only http:// and https:// addresses are allowed.",
    )


class Story(Publishable):
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    standfirst = models.TextField(help_text="One or two sentences that sum the story up.")
    started_on = models.DateField(help_text="When the story began, as precisely as known.")
    started_on_precision = models.CharField(max_length=5, choices=Precision, default=Precision.DAY)

    precise_dates = [("started_on", "started_on_precision")]

    objects = PublishedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "stories"
        ordering = ["-started_on", "title"]
        constraints = [
            precision_constraint(
                "started_on", "started_on_precision", "story_started_on_precision"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("story", args=[self.slug])

    @property
    def started(self):
        return PreciseDate(self.started_on, self.started_on_precision)


class Stakeholder(Versioned):
    """A person or an organisation with a part in one or more stories."""

    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        ORGANISATION = "organisation", "Organisation"

    kind = models.CharField(max_length=12, choices=Kind, default=Kind.PERSON)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    role = models.CharField(
        max_length=200, blank=True, help_text="Current role, e.g. “Transport Secretary”."
    )
    organisation = models.CharField(max_length=200, blank=True)
    party = models.CharField(max_length=100, blank=True)
    area = models.CharField(
        max_length=200, blank=True, help_text="Constituency, region or area they speak for."
    )
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Source(Versioned, DatedWithPrecision):
    """Where something was said or reported. One source backs many items."""

    publication = models.CharField(max_length=200)
    headline = models.CharField(max_length=300, blank=True)
    url = models.URLField("URL", max_length=500, blank=True, validators=[http_url_validator()])
    published_on = models.DateField()
    published_on_precision = models.CharField(
        max_length=5, choices=Precision, default=Precision.DAY
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    precise_dates = [("published_on", "published_on_precision")]

    history = HistoricalRecords()

    class Meta:
        ordering = ["-published_on", "publication"]
        constraints = [
            http_url_constraint("source_url_is_http"),
            models.UniqueConstraint(fields=["url"], condition=~Q(url=""), name="source_url_unique"),
            precision_constraint(
                "published_on", "published_on_precision", "source_published_on_precision"
            ),
        ]

    def __str__(self):
        title = f"{self.publication}: {self.headline}" if self.headline else self.publication
        return f"{title} ({self.published})"

    @property
    def published(self):
        return PreciseDate(self.published_on, self.published_on_precision)


class NegotiationEventQuerySet(PublishedQuerySet):
    def for_timeline(self, story):
        """A story's published events, newest first, with what the timeline shows of each."""
        return (
            self.published()
            .filter(story=story)
            .select_related("source")
            .prefetch_related("participants")
            .order_by("-happened_on", "-pk")
        )


class NegotiationEvent(Publishable):
    class Kind(models.TextChoices):
        MEETING = "meeting", "Meeting"
        VISIT = "visit", "Visit"
        ANNOUNCEMENT = "announcement", "Announcement"
        PLEDGE = "pledge", "Pledge"
        REPORT = "report", "Report"
        CAMPAIGN = "campaign", "Campaign"
        NEGOTIATION = "negotiation", "Negotiation"
        DEADLINE = "deadline", "Deadline"
        MILESTONE = "milestone", "Milestone"
        OTHER = "other", "Other"

    story = models.ForeignKey(Story, on_delete=models.PROTECT, related_name="events")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=Kind)
    happened_on = models.DateField()
    happened_on_precision = models.CharField(max_length=5, choices=Precision, default=Precision.DAY)
    description = models.TextField(blank=True)
    participants = models.ManyToManyField(Stakeholder, blank=True, related_name="events")
    place = models.CharField(max_length=200, blank=True)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="events")

    precise_dates = [("happened_on", "happened_on_precision")]

    objects = NegotiationEventQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "negotiation event"
        ordering = ["-happened_on", "-pk"]
        constraints = [
            precision_constraint(
                "happened_on", "happened_on_precision", "event_happened_on_precision"
            ),
            models.CheckConstraint(
                condition=Q(title__regex=r"\S"),
                name="event_title_not_blank",
                violation_error_message="An event needs a title.",
            ),
        ]
        indexes = [models.Index(fields=["story", "status", "-happened_on"])]

    def __str__(self):
        return self.title

    @property
    def may_be_in_the_future(self):
        """A deadline can be announced before it falls; everything else has happened."""
        return self.kind == self.Kind.DEADLINE

    @property
    def when(self):
        return PreciseDate(self.happened_on, self.happened_on_precision)


class StatementQuerySet(PublishedQuerySet):
    def for_timeline(self, story):
        """A story's published statements, newest first, with speaker, source and event."""
        return (
            self.published()
            .filter(story=story)
            .select_related("speaker", "source", "event")
            .with_published_event()
            .order_by("-said_on", "-pk")
        )

    def with_published_event(self):
        """
        Each statement annotated with `published_event_id`: its event's id while that event is
        published, else None. Readers get this, never `event_id`, which would give away a
        draft event's existence.
        """
        return self.annotate(
            published_event_id=models.Case(
                models.When(event__status=Status.PUBLISHED, then=F("event_id"))
            )
        )

    def in_published_events(self, kinds):
        """Statements that belong to a published event of one of these kinds."""
        return self.filter(event__status=Status.PUBLISHED, event__kind__in=kinds)

    def corrected(self, story):
        """A story's published statements corrected after publication, newest correction first."""
        return (
            self.published()
            .filter(story=story, corrected_at__isnull=False)
            .select_related("speaker", "source")
            .order_by("-corrected_at", "-pk")
        )


class Statement(Correctable, Publishable):
    class Method(models.TextChoices):
        INTERVIEW = "interview", "Interview"
        SPEECH = "speech", "Speech"
        PRESS_RELEASE = "press_release", "Press release"
        SPOKESPERSON = "spokesperson", "Spokesperson’s statement"
        PARLIAMENT = "parliament", "In Parliament"
        SOCIAL_MEDIA = "social_media", "Social media"
        LETTER = "letter", "Letter"
        UNSPECIFIED = "unspecified", "Not stated by the source"
        OTHER = "other", "Other"

    story = models.ForeignKey(Story, on_delete=models.PROTECT, related_name="statements")
    speaker = models.ForeignKey(Stakeholder, on_delete=models.PROTECT, related_name="statements")
    speaker_role = models.CharField(
        "speaker's role at the time",
        max_length=200,
        blank=True,
        help_text="Their role when they said it, which may differ from their role today.",
    )
    quote = models.TextField(help_text="Verbatim, as published. Paragraphs on separate lines.")
    context = models.TextField(
        blank=True, help_text="How the source reports it around the quote, if needed."
    )
    said_on = models.DateField()
    said_on_precision = models.CharField(max_length=5, choices=Precision, default=Precision.DAY)
    method = models.CharField("how it was said", max_length=16, choices=Method)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="statements")
    event = models.ForeignKey(
        NegotiationEvent,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="statements",
    )

    precise_dates = [("said_on", "said_on_precision")]
    corrected_fields = [
        "quote",
        "context",
        "speaker_id",
        "speaker_role",
        "said_on",
        "said_on_precision",
        "method",
        "source_id",
    ]

    objects = StatementQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-said_on", "-pk"]
        constraints = [
            precision_constraint("said_on", "said_on_precision", "statement_said_on_precision"),
            models.CheckConstraint(
                condition=Q(quote__regex=r"\S"),
                name="statement_quote_not_blank",
                violation_error_message="A statement needs a quote.",
            ),
        ]
        indexes = [models.Index(fields=["story", "status", "-said_on"])]

    def __str__(self):
        speaker = self.speaker if self.speaker_id else "(no speaker)"
        return f"{speaker}: {self.quote[:60]}"

    def clean(self):
        errors = {}
        try:
            super().clean()
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if not self.quote.strip():
            errors.setdefault("quote", []).append("Enter the quote: it cannot be empty.")
        if self.speaker_id is None:
            errors.setdefault("speaker", []).append("Choose who said it.")
        if errors:
            raise ValidationError(errors)

    @property
    def when(self):
        return PreciseDate(self.said_on, self.said_on_precision)

    @property
    def paragraphs(self):
        return [line.strip() for line in self.quote.splitlines() if line.strip()]


class Qualifier(models.TextChoices):
    EXACT = "exact", "Exact"
    APPROXIMATE = "approximate", "Approximate"
    AT_LEAST = "at_least", "At least"
    AT_MOST = "at_most", "At most"
    ESTIMATE = "estimate", "Estimate"


class Series(Versioned):
    """A named run of figures for a story, e.g. the workforce in jobs."""

    story = models.ForeignKey(Story, on_delete=models.PROTECT, related_name="series")
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100)
    unit = models.CharField(max_length=50, help_text="Plural, e.g. “jobs” or “trains”.")
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "series"
        ordering = ["story", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["story", "slug"], name="series_slug_unique_per_story"),
        ]

    def __str__(self):
        return f"{self.name} ({self.unit})"


class DataPointQuerySet(PublishedQuerySet):
    def latest_per_series(self):
        """The newest published point of each series, one row per series, in one query."""
        newest = (
            self.model.objects.published()
            .filter(series=OuterRef("series"))
            .order_by("-as_of")
            .values("as_of")[:1]
        )
        return self.published().filter(as_of=Subquery(newest)).select_related("series", "source")

    def corrected(self, story):
        """A story's published figures corrected after publication, newest correction first."""
        return (
            self.published()
            .filter(series__story=story, corrected_at__isnull=False)
            .select_related("series", "source")
            .order_by("-corrected_at", "-pk")
        )


class DataPoint(Correctable, Publishable):
    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="points")
    as_of = models.DateField()
    as_of_precision = models.CharField(max_length=5, choices=Precision, default=Precision.DAY)
    value = models.DecimalField(max_digits=12, decimal_places=2)
    low = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Lowest plausible value, for approximate figures.",
    )
    high = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Highest plausible value, for approximate figures.",
    )
    qualifier = models.CharField(max_length=12, choices=Qualifier, default=Qualifier.EXACT)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="data_points")
    note = models.TextField(blank=True)

    precise_dates = [("as_of", "as_of_precision")]
    corrected_fields = ["as_of", "as_of_precision", "value", "low", "high", "qualifier"]

    objects = DataPointQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "data point"
        ordering = ["series", "as_of"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "as_of"], name="one_point_per_series_per_date"
            ),
            models.CheckConstraint(
                condition=Q(low__isnull=True) | Q(low__lte=F("value")),
                name="point_low_not_above_value",
                violation_error_message="The low end of the range cannot be above the value.",
            ),
            models.CheckConstraint(
                condition=Q(high__isnull=True) | Q(high__gte=F("value")),
                name="point_high_not_below_value",
                violation_error_message="The high end of the range cannot be below the value.",
            ),
            precision_constraint("as_of", "as_of_precision", "point_as_of_precision"),
        ]

    def __str__(self):
        return f"{self.series.name}: {self.value} {self.series.unit} ({self.when})"

    def clean(self):
        errors = {}
        try:
            super().clean()
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if self.value is not None:
            if self.low is not None and self.low > self.value:
                errors.setdefault("low", []).append(
                    "The low end of the range cannot be above the value."
                )
            if self.high is not None and self.high < self.value:
                errors.setdefault("high", []).append(
                    "The high end of the range cannot be below the value."
                )
        if errors:
            raise ValidationError(errors)

    @property
    def when(self):
        return PreciseDate(self.as_of, self.as_of_precision)
