"""
The newsroom's model of a running story: who said what, when, where it was reported,
what happened in the negotiations, and the figures that matter.
"""

from decimal import Decimal
from functools import cache, reduce
from operator import or_

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import URLValidator
from django.db import models, router, transaction
from django.db.models import FETCH_PEERS, Exists, F, OuterRef, Q, Window
from django.db.models.base import ModelState
from django.db.models.functions import Lag, Lead
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from simple_history.models import HistoricalRecords

from .dates import (
    FIXED_PRECISIONS,
    PreciseDate,
    Precision,
    end_field_name,
    precision_constraint,
    start_of_period,
)
from .money import money


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


@cache
def period_end_field(model, date_field):
    """The field of `model` holding the last day of a period for `date_field`, or None."""
    name = end_field_name(date_field)
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return name


class DatedWithPrecision(models.Model):
    """
    A row with dates known to a precision: `precise_dates` names (date field, precision field)
    pairs. A date whose model has a `<date field>_end` field may also be a period, known only to
    lie between its date and that end. clean() moves each date to the first day of its period,
    checks a period's end, and refuses dates in the future unless `may_be_in_the_future` says
    otherwise.
    """

    precise_dates = ()

    class Meta:
        abstract = True

    @property
    def may_be_in_the_future(self):
        return False

    @classmethod
    def period_end_field(cls, date_field):
        """The field holding the last day of a period for `date_field`, or None if it has none."""
        return period_end_field(cls, date_field)

    def precise(self, date_field, precision_field):
        """The PreciseDate stored in `date_field`, its precision and (for a period) its end."""
        end_field = self.period_end_field(date_field)
        end = getattr(self, end_field) if end_field else None
        return PreciseDate(getattr(self, date_field), getattr(self, precision_field), end)

    def validate_constraints(self, exclude=None):
        # A check on an empty date holds in the database (it is NULL), but Django's own run of
        # the check would ask PostgreSQL for EXTRACT(… FROM NULL), which it cannot type: leave
        # the checks of empty dates to the database.
        empty = {
            date_field for date_field, _ in self.precise_dates if getattr(self, date_field) is None
        }
        super().validate_constraints(exclude={*(exclude or ()), *empty})

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
        for date_field, precision_field in self.precise_dates:
            value = getattr(self, date_field)
            end_field = self.period_end_field(date_field)
            end = getattr(self, end_field) if end_field else None
            if getattr(self, precision_field) == Precision.PERIOD:
                if end_field is None:
                    errors[precision_field] = "This date cannot be a period."
                elif end is None:
                    errors[end_field] = "Give the last day the period may run to."
                elif value is not None and end <= value:
                    errors[end_field] = "The period must end after the day it starts."
            elif end is not None:
                errors[end_field] = (
                    "Only a period has an end: choose “Period” as the precision, "
                    "or leave the end empty."
                )
            for field, day in ((date_field, value), (end_field, end)):
                if day is not None and day > today and not self.may_be_in_the_future:
                    errors.setdefault(
                        field, f"This date is in the future; today is {today.day} {today:%B %Y}."
                    )
        if errors:
            raise ValidationError(errors)


class QuickLoad(models.Model):
    """
    A row pages read by the hundred (a chart's points and their sources, a timeline page's
    items and their speakers), built from the database without `Model.__init__`.

    Django's `from_db` hands each loaded value to `__init__`, which sets them one field at a
    time and sends `pre_init` and `post_init`: reading a chart's 500 points with their
    sources took 13 ms that way on our development machine, and 9 ms this way. Here the
    values go straight into the instance's `__dict__`, which is all `__init__` leaves there
    for a loaded row; fields the query did not load stay deferred, as Django's own loading
    leaves them. Nothing listens to `pre_init` or `post_init` for these models
    (tests/test_models.py checks both: a receiver added later would be skipped here).
    """

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db, field_names, values, *, fetch_mode=None):
        instance = cls.__new__(cls)
        instance.__dict__.update(zip(field_names, values, strict=True))
        instance._state = state = ModelState()
        state.adding = False
        state.db = db
        if fetch_mode is not None:
            state.fetch_mode = fetch_mode
        return instance


class ReaderVisible(QuickLoad):
    """
    A row readers see on the site: a change to one of its `public_fields` is a change readers
    see, which moves its stories' published version and is written to their change log
    (`Story.log_changes`), in the same transaction as the save.

    Saves and deletes through the ORM are logged (`save()` here, deletes by stories.signals);
    `QuerySet.update()` and `bulk_create()` are not, so editorial code never uses them.
    """

    public_fields = ()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using, savepoint=False):
            before = None
            if not self._state.adding and self.pk is not None:
                # The row as readers saw it, locked until this save commits.
                before = (
                    type(self)._base_manager.using(using).select_for_update().filter(pk=self.pk)
                ).first()
            self.before_save(before)
            super().save(*args, **kwargs)
            self.log_change(before, self, using)

    def before_save(self, before):
        """Set what a save derives from the row as it was (`before`; None for a new row)."""

    def public_state(self):
        """What readers see of this row, or None when they see nothing of it."""
        return tuple(getattr(self, name) for name in self.public_fields)

    @classmethod
    def log_change(cls, before, after, using):
        """Log what readers see differently from `before` to `after` (either may be None)."""
        raise NotImplementedError


class Publishable(ReaderVisible, Versioned, DatedWithPrecision):
    """Draft until an editor publishes; publishing stamps who and when."""

    change_subject = None  # this model's Change.Subject
    publisher = None  # who is publishing it, when a save publishes it (see before_save)

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

    def public_state(self):
        return super().public_state() if self.is_published else None

    @property
    def change_story_id(self):
        """The story whose version this row's changes move."""
        return self.story_id

    def change_summary(self):
        """How the change log names this row to readers: what it is, said plainly."""
        return str(self)

    @classmethod
    def log_change(cls, before, after, using):
        was = before.public_state() if before is not None else None
        now = after.public_state() if after is not None else None
        if was == now:
            return  # a draft edit, or nothing readers see: the version stays where it is
        if was is not None and now is not None and before.change_story_id == after.change_story_id:
            # A correction (the editor's form stamps corrected_at) carries its public note.
            corrected_at = getattr(after, "corrected_at", None)
            corrected = corrected_at is not None and corrected_at != before.corrected_at
            note = after.correction_note if corrected else ""
            after.log_as(Change.Action.CHANGED, using, note=note)
            return
        if was is not None:
            note = getattr(after, "withdrawal_note", "")
            before.log_as(Change.Action.WITHDRAWN, using, note=note)
        if now is not None:
            after.log_as(Change.Action.ADDED, using)

    def log_as(self, action, using, note=""):
        Story.log_changes(
            self.change_story_id,
            [
                Change(
                    action=action,
                    subject=self.change_subject,
                    object_id=self.pk,
                    summary=self.change_summary()[:300],
                    note=note[:300],
                )
            ],
            using=using,
        )

    def before_save(self, before):
        """
        Stamp who published the item (`publisher`, set by whoever saves it: an editor, or None
        for the story loader) and when, as it goes from draft to published; an item taken back
        to draft loses the stamp (its history keeps it). The first publication's time stays.
        """
        was_published = before is not None and before.is_published
        if self.is_published and not was_published:
            self.published_at = timezone.now()
            self.published_by = self.publisher
        elif not self.is_published:
            self.published_at = None
            self.published_by = None
        if before is not None and before.first_published_at is not None:
            self.first_published_at = before.first_published_at
        elif self.is_published:
            self.first_published_at = self.published_at

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


class StoryQuerySet(PublishedQuerySet):
    def by_slug(self, slug):
        """The published story with this slug, or None."""
        return self.published().filter(slug=slug).first()

    def newest_first(self):
        """The published stories, the one that began last first: the home page's order."""
        return self.published().order_by("-started_on")


class Story(Publishable):
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    standfirst = models.TextField(help_text="One or two sentences that sum the story up.")
    started_on = models.DateField(help_text="When the story began, as precisely as known.")
    started_on_precision = models.CharField(
        max_length=5, choices=FIXED_PRECISIONS, default=Precision.DAY
    )
    summary = models.TextField(
        "the story so far",
        blank=True,
        help_text="Where the story stands, in a few sentences: readers see it first. "
        "Paragraphs on separate lines. Date it below whenever you change it.",
    )
    summary_as_of = models.DateField(
        "summary as of",
        null=True,
        blank=True,
        help_text="The day the summary is true to, shown as “as of 12 May 2025”.",
    )
    # The version readers see: it moves, in the same transaction, with every change they can see
    # (Story.log_changes) and with nothing else. Caches, ETags and the live poll derive from it.
    published_version = models.PositiveBigIntegerField(default=1, editable=False)
    published_version_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Who readers can filter the timeline by: everyone with a published statement in the
    # story, or a part in one of its published events. Kept by Story.log_changes with the
    # version, in the same transaction, so it is read as of the version it is read with.
    people = models.ManyToManyField("Stakeholder", related_name="+", editable=False, blank=True)

    precise_dates = [("started_on", "started_on_precision")]
    public_fields = [
        "title",
        "slug",
        "standfirst",
        "started_on",
        "started_on_precision",
        "summary",
        "summary_as_of",
    ]
    change_subject = "story"
    # Only Story.log_changes writes these; an ordinary save never writes back a version it read.
    version_fields = {"published_version", "published_version_at"}

    objects = StoryQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=sorted(version_fields))

    class Meta:
        verbose_name_plural = "stories"
        ordering = ["-started_on", "title"]
        constraints = [
            precision_constraint(
                "started_on", "started_on_precision", "story_started_on_precision"
            ),
            models.CheckConstraint(
                condition=Q(summary="") | Q(summary_as_of__isnull=False),
                name="story_summary_is_dated",
                violation_error_message="Give the date the summary is true to.",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in self.version_fields
            ]
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("story", args=[self.slug])

    def clean(self):
        errors = {}
        try:
            super().clean()
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if self.summary.strip() and self.summary_as_of is None:
            errors.setdefault("summary_as_of", []).append(
                "Give the date the summary is true to: readers see “as of” that day."
            )
        today = timezone.localdate()
        if self.summary_as_of is not None and self.summary_as_of > today:
            errors.setdefault("summary_as_of", []).append(
                f"This date is in the future; today is {today.day} {today:%B %Y}."
            )
        if errors:
            raise ValidationError(errors)

    @property
    def summary_paragraphs(self):
        return [line.strip() for line in self.summary.splitlines() if line.strip()]

    @property
    def summary_date(self):
        """The summary's date as a PreciseDate (a day), or None when there is no summary."""
        if not self.summary.strip() or self.summary_as_of is None:
            return None
        return PreciseDate(self.summary_as_of, Precision.DAY)

    def get_person_url(self, person):
        """A person's page within this story (people are shared; their pages are per story)."""
        return reverse("stakeholder", args=[self.slug, person.slug])

    def get_feed_url(self):
        return reverse("story-feed", args=[self.slug])

    def get_person_feed_url(self, person):
        return reverse("stakeholder-feed", args=[self.slug, person.slug])

    def get_export_url(self, name):
        """The CSV download of the story's `name`: statements, events or figures."""
        return reverse(f"export-{name}", args=[self.slug])

    def get_embed_url(self):
        """The story's timeline as a widget for other sites."""
        return reverse("embed-timeline", args=[self.slug])

    def get_pledges_url(self):
        """The story's pledge tracker."""
        return reverse("pledges", args=[self.slug])

    def get_whos_who_url(self):
        return reverse("whos-who", args=[self.slug])

    @property
    def started(self):
        return PreciseDate(self.started_on, self.started_on_precision)

    @property
    def change_story_id(self):
        return self.pk

    @classmethod
    def log_change(cls, before, after, using):
        super().log_change(before, after, using)
        if after is None:
            return
        # The saved instance knows the version its own save moved the story to.
        after.published_version, after.published_version_at = (
            cls.objects.using(using)
            .filter(pk=after.pk)
            .values_list(*sorted(cls.version_fields))
            .get()
        )
        # The slug is this story's now; its old one, if it changed, redirects here.
        FormerSlug.objects.using(using).filter(slug=after.slug).delete()
        if before is not None and before.slug != after.slug:
            FormerSlug.objects.using(using).update_or_create(
                slug=before.slug, defaults={"story": after}
            )

    @classmethod
    def log_changes(cls, story_id, changes, using=None):
        """
        Move a published story's version by one and log `changes` (unsaved Change rows) under
        the new version, inside the caller's transaction. A draft story has no readers, so
        nothing moves, except for the story's own publication, which readers do see.
        """
        using = using or router.db_for_write(cls)
        stories = cls.objects.using(using).filter(pk=story_id)
        if not any(change.subject == Change.Subject.STORY for change in changes):
            stories = stories.filter(status=Status.PUBLISHED)
        now = timezone.now()
        with transaction.atomic(using=using, savepoint=False):
            if not stories.update(
                published_version=F("published_version") + 1, published_version_at=now
            ):
                return None
            story = stories.only("published_version").get()
            version = story.published_version
            for change in changes:
                change.story_id, change.version, change.at = story_id, version, now
            Change.objects.using(using).bulk_create(changes)
            if any(change.subject in PEOPLE_SUBJECTS for change in changes):
                story.refresh_people()
        return version

    def refresh_people(self):
        """
        Work out again who has a published statement, or a part in a published event, in this
        story, and keep the answer in `people`. Story.log_changes calls it after each change
        that may alter it, once the story's row is locked: two editors' changes take turns,
        and the later one reads the earlier one's.
        """
        using = self._state.db
        # EXISTS rather than joins: joining both relations multiplies each person's statements
        # by their events before DISTINCT, which took seconds on a story of 100,000 statements.
        speaks = (
            Statement.objects.using(using).published().filter(story=self, speaker=OuterRef("pk"))
        )
        takes_part = (
            NegotiationEvent.objects.using(using)
            .published()
            .filter(story=self, participants=OuterRef("pk"))
        )
        found = Stakeholder.objects.using(using).filter(Exists(speaks) | Exists(takes_part))
        self.people.set(found.values_list("pk", flat=True))


class FormerSlug(models.Model):
    """A story's earlier address: it redirects to the story until another story takes it."""

    slug = models.SlugField(max_length=100, unique=True)
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="former_slugs")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.slug} → {self.story.slug}"


class ChangeQuerySet(models.QuerySet):
    def since(self, story, version):
        """What readers of `story` can see differently after `version`, oldest change first."""
        return self.filter(story=story, version__gt=version).order_by("version", "pk")

    def corrections(self, story):
        """Corrections with a public note and withdrawals of published items, newest first."""
        return self.filter(
            Q(action=Change.Action.WITHDRAWN) | (Q(action=Change.Action.CHANGED) & ~Q(note="")),
            story=story,
        ).order_by("-version", "-pk")


class Change(models.Model):
    """
    One line of a story's change log: what readers can see differently from one published
    version on. Only ever written by Story.log_changes, for items readers could or can see:
    a draft never appears here, by id or otherwise.
    """

    class Action(models.TextChoices):
        ADDED = "added", "Published"
        CHANGED = "changed", "Changed"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Subject(models.TextChoices):
        STORY = "story", "Story"
        STATEMENT = "statement", "Statement"
        EVENT = "event", "Event"
        SERIES = "series", "Figures"
        POINT = "point", "Figure"
        STAKEHOLDER = "stakeholder", "Person or organisation"
        SOURCE = "source", "Source"
        ORDER = "order", "Order"
        ROLE = "role", "Role"
        PLEDGE = "pledge", "Pledge"
        PLEDGE_UPDATE = "pledge_update", "Pledge status"
        PART = "part", "Who’s who"

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="changes")
    version = models.PositiveBigIntegerField(help_text="The story's published version it made.")
    action = models.CharField(max_length=10, choices=Action)
    subject = models.CharField(max_length=20, choices=Subject)
    object_id = models.PositiveBigIntegerField()
    summary = models.CharField(
        max_length=300, help_text="What the item was, as readers saw it, e.g. “Statement by …”."
    )
    note = models.CharField(max_length=300, blank=True, help_text="The public correction note.")
    at = models.DateTimeField(default=timezone.now)

    objects = ChangeQuerySet.as_manager()

    class Meta:
        ordering = ["story", "version", "pk"]
        indexes = [models.Index(fields=["story", "version"])]

    def __str__(self):
        return f"{self.story_id} v{self.version}: {self.get_action_display()} {self.summary}"


# Changes that may alter who has a part in a story's published content (Story.people).
PEOPLE_SUBJECTS = {Change.Subject.STORY, Change.Subject.STATEMENT, Change.Subject.EVENT}


class SharedRecord(ReaderVisible):
    """
    A record many stories cite (a person, a source): a change readers see moves the version of
    every published story whose published items cite it.
    """

    class Meta:
        abstract = True

    @classmethod
    def log_change(cls, before, after, using):
        if before is None or after is None or before.public_state() == after.public_state():
            # Nothing cites a new record yet; deletion is refused while anything does, but for
            # a part in an event, which stories.signals logs as the event's change.
            return
        for story_id in sorted(after.citing_story_ids()):
            Story.log_changes(
                story_id,
                [
                    Change(
                        action=Change.Action.CHANGED,
                        subject=cls.change_subject,
                        object_id=after.pk,
                        summary=str(after)[:300],
                    )
                ],
                using=using,
            )

    def citing_story_ids(self):
        raise NotImplementedError


class Stakeholder(SharedRecord, Versioned):
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

    public_fields = ["kind", "name", "slug", "role", "organisation", "party", "area", "description"]
    change_subject = "stakeholder"

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def citing_story_ids(self):
        return {
            *Statement.objects.published().filter(speaker=self).values_list("story_id", flat=True),
            *NegotiationEvent.objects.published()
            .filter(participants=self)
            .values_list("story_id", flat=True),
            *Pledge.objects.published().filter(pledger=self).values_list("story_id", flat=True),
            *PledgeUpdate.objects.published()
            .filter(claimed_by=self)
            .values_list("pledge__story_id", flat=True),
            *Part.objects.published().filter(stakeholder=self).values_list("story_id", flat=True),
        }


class Source(SharedRecord, Versioned, DatedWithPrecision):
    """Where something was said or reported. One source backs many items."""

    publication = models.CharField(max_length=200)
    headline = models.CharField(max_length=300, blank=True)
    url = models.URLField("URL", max_length=500, blank=True, validators=[http_url_validator()])
    published_on = models.DateField()
    published_on_precision = models.CharField(
        max_length=5, choices=FIXED_PRECISIONS, default=Precision.DAY
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    precise_dates = [("published_on", "published_on_precision")]
    public_fields = ["publication", "headline", "url", "published_on", "published_on_precision"]
    change_subject = "source"

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

    def citation(self):
        """How the source is cited: publication, headline, date and address."""
        parts = [self.publication]
        if self.headline:
            parts.append(f"“{self.headline}”")
        parts.append(str(self.published))
        cited = ", ".join(parts) + "."
        return f"{cited} {self.url}" if self.url else cited

    def citing_story_ids(self):
        return {
            *Statement.objects.published().filter(source=self).values_list("story_id", flat=True),
            *NegotiationEvent.objects.published()
            .filter(source=self)
            .values_list("story_id", flat=True),
            *DataPoint.objects.published()
            .filter(source=self)
            .values_list("series__story_id", flat=True),
            *Order.objects.published().filter(source=self).values_list("story_id", flat=True),
            *Pledge.objects.published().filter(source=self).values_list("story_id", flat=True),
            *PledgeUpdate.objects.published()
            .filter(source=self)
            .values_list("pledge__story_id", flat=True),
            *(
                story_id
                for role in Role.objects.published()
                .filter(source=self)
                .select_related("stakeholder")
                for story_id in role.stakeholder.citing_story_ids()
            ),
        }


class TimelineItem:
    """
    What statements and events share as items of a story's timeline, so every surface treats
    them alike without asking which is which: their kind (a Change.Subject value), their
    element id on a page, their date and their permalink.
    """

    timeline_kind = None
    timeline_rank = None  # on the same day statements (1) come before events (0)

    @property
    def dom_id(self):
        return f"{self.timeline_kind}-{self.pk}"

    def get_absolute_url(self):
        # The permalink views are named after the kinds ("statement", "event").
        return reverse(self.timeline_kind, args=[self.story.slug, self.pk])

    @property
    def moment(self):
        """How lists of moments name it: its key-moment line, else its headline."""
        return self.key_moment or self.headline

    def get_timeline_url(self):
        """Its place in the story's timeline: the page that starts with it, scrolled to it."""
        from .timeline import Cursor  # the timeline module reads these models

        return f"{self.story.get_absolute_url()}?before={Cursor.above(self)}#{self.dom_id}"


class KeyMomentsQuerySet(PublishedQuerySet):
    def key_moments(self, story):
        """A story's published items that editors marked as key moments, as the timeline
        reads them."""
        return self.for_timeline(story).exclude(key_moment="")


class NegotiationEventQuerySet(KeyMomentsQuerySet):
    def for_timeline(self, story):
        """
        A story's published events, newest first, with what the timeline shows of each. Each
        event's `story` is `story` itself, not read again with every row.
        """
        return (
            (self & story.events.all())
            .published()
            .select_related("source")
            .prefetch_related("participants")
            .order_by("-happened_on", "-pk")
        )


class NegotiationEvent(TimelineItem, Correctable, Publishable):
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
    happened_on_precision = models.CharField(max_length=6, choices=Precision, default=Precision.DAY)
    happened_on_end = models.DateField(
        "happened by",
        null=True,
        blank=True,
        help_text="For a period only: the last day it may have been.",
    )
    description = models.TextField(blank=True)
    participants = models.ManyToManyField(Stakeholder, blank=True, related_name="events")
    place = models.CharField(max_length=200, blank=True)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="events")
    key_moment = models.CharField(
        max_length=200,
        blank=True,
        help_text="To list it among the story’s key moments, name it here in a line, e.g. "
        "“FirstGroup orders 14 trains”. Leave empty otherwise.",
    )

    precise_dates = [("happened_on", "happened_on_precision")]
    corrected_fields = [
        "title",
        "kind",
        "happened_on",
        "happened_on_precision",
        "happened_on_end",
        "description",
        "place",
        "source_id",
    ]
    public_fields = [
        *corrected_fields,
        "story_id",
        "key_moment",
        "correction_note",
        "corrected_at",
    ]
    change_subject = timeline_kind = "event"
    timeline_rank = 0

    objects = NegotiationEventQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "negotiation event"
        ordering = ["-happened_on", "-pk"]
        constraints = [
            precision_constraint(
                "happened_on",
                "happened_on_precision",
                "event_happened_on_precision",
                end_field="happened_on_end",
            ),
            models.CheckConstraint(
                condition=Q(title__regex=r"\S"),
                name="event_title_not_blank",
                violation_error_message="An event needs a title.",
            ),
        ]
        indexes = [
            models.Index(fields=["story", "status", "-happened_on"]),
            models.Index(
                fields=["story", "-happened_on"],
                condition=~Q(key_moment=""),
                name="event_key_moments",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def headline(self):
        """One line naming it in a list: its title."""
        return self.title

    @property
    def may_be_in_the_future(self):
        """A deadline can be announced before it falls; everything else has happened."""
        return self.kind == self.Kind.DEADLINE

    def change_summary(self):
        return f"Event: {self.title}, {self.when}"

    def citation(self, permalink):
        """A ready-to-copy citation: what happened, when and where, its source, and `permalink`."""
        place = f", {self.place}" if self.place else ""
        return (
            f"{self.title} ({self.get_kind_display().lower()}, {self.when}{place}).\n"
            f"Source: {self.source.citation()}\n"
            f"Story dashboard, {self.story.title}: {permalink}"
        )

    @property
    def teaser(self):
        """One line for a link to it: what kind of event, when, and its description's start."""
        about = f": {Truncator(self.description).words(40)}" if self.description else ""
        return f"{self.get_kind_display()}, {self.when}{about}"

    @property
    def when(self):
        return self.precise("happened_on", "happened_on_precision")


class StatementQuerySet(KeyMomentsQuerySet):
    def for_timeline(self, story):
        """
        A story's published statements, newest first, with speaker, source and event. Each
        statement's `story` is `story` itself, not read again with every row.
        """
        return (
            (self & story.statements.all())
            .published()
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

    def roles_given(self, story, speaker):
        """
        Each role `speaker`'s published statements in `story` give them, oldest first, with the
        first and last time they spoke so: [{"role", "first", "last"}] (PreciseDates). The
        database returns only the statements where a role starts or ends, however many there are.
        """
        order = [F("said_on").asc(), F("pk").asc()]
        boundaries = (
            self.published()
            .filter(story=story, speaker=speaker)
            .annotate(
                role_before=Window(Lag("speaker_role"), order_by=order),
                role_after=Window(Lead("speaker_role"), order_by=order),
            )
            .filter(
                Q(role_before__isnull=True)
                | Q(role_after__isnull=True)
                | ~Q(role_before=F("speaker_role"))
                | ~Q(role_after=F("speaker_role"))
            )
            .order_by(*order)
            .only("speaker_role", "said_on", "said_on_precision", "said_on_end")
        )
        roles = []
        for statement in boundaries:
            if statement.role_before is None or statement.role_before != statement.speaker_role:
                role = statement.speaker_role or "No role given by the source"
                roles.append({"role": role, "first": statement.when})
            roles[-1]["last"] = statement.when
        return roles

    def corrected(self, story):
        """A story's published statements corrected after publication, newest correction first."""
        return (
            self.published()
            .filter(story=story, corrected_at__isnull=False)
            .select_related("speaker", "source")
            .order_by("-corrected_at", "-pk")
        )


class Statement(TimelineItem, Correctable, Publishable):
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
    said_on_precision = models.CharField(max_length=6, choices=Precision, default=Precision.DAY)
    said_on_end = models.DateField(
        "said by",
        null=True,
        blank=True,
        help_text="For a period only: the last day it may have been.",
    )
    method = models.CharField("how it was said", max_length=16, choices=Method)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="statements")
    event = models.ForeignKey(
        NegotiationEvent,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="statements",
    )
    key_moment = models.CharField(
        max_length=200,
        blank=True,
        help_text="To list it among the story’s key moments, name it here in a line, e.g. "
        "“FirstGroup orders 14 trains”. Leave empty otherwise.",
    )

    precise_dates = [("said_on", "said_on_precision")]
    corrected_fields = [
        "quote",
        "context",
        "speaker_id",
        "speaker_role",
        "said_on",
        "said_on_precision",
        "said_on_end",
        "method",
        "source_id",
    ]
    public_fields = [
        *corrected_fields,
        "story_id",
        "event_id",
        "key_moment",
        "correction_note",
        "corrected_at",
    ]
    change_subject = timeline_kind = "statement"
    timeline_rank = 1

    objects = StatementQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-said_on", "-pk"]
        constraints = [
            precision_constraint(
                "said_on",
                "said_on_precision",
                "statement_said_on_precision",
                end_field="said_on_end",
            ),
            models.CheckConstraint(
                condition=Q(quote__regex=r"\S"),
                name="statement_quote_not_blank",
                violation_error_message="A statement needs a quote.",
            ),
        ]
        indexes = [
            models.Index(fields=["story", "status", "-said_on"]),
            # The first screen's key moments: a handful among a story's statements.
            models.Index(
                fields=["story", "-said_on"],
                condition=~Q(key_moment=""),
                name="statement_key_moments",
            ),
            # A person's statements in a story, newest first (their page reads the first few
            # of hundreds), and who speaks in a story (Story.refresh_people), one look-up per
            # person.
            models.Index(
                fields=["speaker", "story", "-said_on", "-id"],
                condition=Q(status="published"),
                name="statement_speaker_timeline",
            ),
        ]

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
        return self.precise("said_on", "said_on_precision")

    def get_embed_url(self):
        return reverse("embed-statement", args=[self.story.slug, self.pk])

    def citation(self, permalink):
        """A ready-to-copy citation: who said what, when and how, its source, and `permalink`."""
        speaker = self.speaker.name
        if self.speaker_role:
            speaker += f" ({self.speaker_role})"
        how = ""
        if self.method not in (self.Method.UNSPECIFIED, self.Method.OTHER):
            how = f", {self.get_method_display().lower()}"
        return (
            f"{speaker}, {self.when}{how}: “{' '.join(self.paragraphs)}”\n"
            f"Source: {self.source.citation()}\n"
            f"Story dashboard, {self.story.title}: {permalink}"
        )

    @property
    def headline(self):
        """One line naming it in a list: who said it and the quote's first words."""
        quote = Truncator(" ".join(self.paragraphs)).words(16)
        return f"{self.speaker.name}: “{quote}”"

    @property
    def teaser(self):
        """One line for a link to it: the quote's first words, who said it, when."""
        role = f", {self.speaker_role}" if self.speaker_role else ""
        quote = Truncator(" ".join(self.paragraphs)).words(40)
        return f"“{quote}” {self.speaker.name}{role}, {self.when}."

    def change_summary(self):
        role = f", {self.speaker_role}" if self.speaker_role else ""
        return f"Statement by {self.speaker.name}{role}, {self.when}"

    @property
    def paragraphs(self):
        return [line.strip() for line in self.quote.splitlines() if line.strip()]


class Qualifier(models.TextChoices):
    EXACT = "exact", "Exact"
    APPROXIMATE = "approximate", "Approximate"
    AT_LEAST = "at_least", "At least"
    AT_MOST = "at_most", "At most"
    ESTIMATE = "estimate", "Estimate"

    @property
    def words(self):
        """How it reads before a number: "about ", "at least "…; nothing for an exact one."""
        return QUALIFIER_WORDS[self]


QUALIFIER_WORDS = {
    Qualifier.EXACT: "",
    Qualifier.APPROXIMATE: "about ",
    Qualifier.AT_LEAST: "at least ",
    Qualifier.AT_MOST: "at most ",
    Qualifier.ESTIMATE: "an estimated ",
}


class Series(Publishable):
    """
    A named run of figures for a story, e.g. the workforce in jobs. Draft until published. An
    order-book series has no figures of its own: it is drawn from the story's orders.
    """

    class Kind(models.TextChoices):
        FIGURES = "figures", "Figures entered for this series"
        ORDER_BOOK = "order_book", "Order book, built from the story's orders"

    story = models.ForeignKey(Story, on_delete=models.PROTECT, related_name="series")
    kind = models.CharField(max_length=10, choices=Kind, default=Kind.FIGURES)
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100)
    unit = models.CharField(max_length=50, help_text="Plural, e.g. “jobs” or “trains”.")
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    public_fields = ["story_id", "kind", "name", "slug", "unit", "description", "position"]
    change_subject = "series"

    objects = PublishedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "series"
        ordering = ["story", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["story", "slug"], name="series_slug_unique_per_story"),
            models.UniqueConstraint(
                fields=["story"],
                condition=Q(kind="order_book"),
                name="one_order_book_per_story",
                violation_error_message="This story already has an order book.",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.unit})"

    def get_absolute_url(self):
        return reverse("figure", args=[self.story.slug, self.slug])

    @property
    def dom_id(self):
        """The id of its chart block on a page."""
        return f"chart-{self.slug}"

    def get_csv_url(self):
        return reverse("figure-csv", args=[self.story.slug, self.slug])

    def get_table_url(self):
        """The data behind its chart, with every source."""
        return reverse("figure-table", args=[self.story.slug, self.slug])

    def get_embed_url(self):
        return reverse("figure-embed", args=[self.story.slug, self.slug])

    def change_summary(self):
        return f"Figures: {self.name}"

    @property
    def is_order_book(self):
        return self.kind == self.Kind.ORDER_BOOK


class DataPointQuerySet(PublishedQuerySet):
    def published(self):
        """Published figures of published series: the ones readers may see."""
        return self.filter(status=Status.PUBLISHED, series__status=Status.PUBLISHED)

    def for_chart(self):
        """
        Published figures, oldest first, each with its source, read with only what readers
        see of them (their `public_fields`): hundreds of points' publication stamps and
        versions cost more to read than anything a chart does with them. Should a chart read
        another field, it is read once for all the points (FETCH_PEERS), never once a point.
        Read through a series, `series.points.for_chart()`, each point's `series` is that
        series, not read again.
        """
        return (
            self.published()
            .select_related("source")
            .only(
                *DataPoint.public_fields,
                *(f"source__{name}" for name in Source.public_fields),
            )
            .fetch_mode(FETCH_PEERS)
            .order_by("as_of", "pk")
        )

    def on_dates(self, dates):
        """
        The published points of each series on one date, `dates` being {series pk: date}: one
        row per series, or several when more than one source gave a figure for that date. Each
        is a look-up in the (series, as_of) index, however long the series.
        """
        if not dates:
            return self.none()
        return (
            self.published()
            .filter(reduce(or_, (Q(series=pk, as_of=date) for pk, date in dates.items())))
            .select_related("source")
            .order_by("series", "as_of", "pk")
        )

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
    as_of_precision = models.CharField(max_length=6, choices=Precision, default=Precision.DAY)
    as_of_end = models.DateField(
        "as of no later than",
        null=True,
        blank=True,
        help_text="For a period only: the last day it may have been.",
    )
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
    corrected_fields = [
        "as_of",
        "as_of_precision",
        "as_of_end",
        "value",
        "low",
        "high",
        "qualifier",
    ]
    public_fields = [
        *corrected_fields,
        "series_id",
        "source_id",
        "note",
        "correction_note",
        "corrected_at",
    ]
    change_subject = "point"

    objects = DataPointQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "data point"
        # Several sources may give a figure for the same date, and all are kept: the 700 and
        # the 750 workers reported on one day are both facts about the reporting.
        ordering = ["series", "as_of", "pk"]
        indexes = [models.Index(fields=["series", "as_of"], name="point_series_as_of")]
        constraints = [
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
            precision_constraint(
                "as_of", "as_of_precision", "point_as_of_precision", end_field="as_of_end"
            ),
        ]

    def __str__(self):
        return f"{self.series.name}: {self.value} {self.series.unit} ({self.when})"

    def change_summary(self):
        value = Decimal(self.value).normalize()
        return f"{self.series.name}: {value:,f} {self.series.unit}, {self.when}"

    def public_state(self):
        """Readers see a published figure only once its series is published too."""
        return super().public_state() if self.series.is_published else None

    @property
    def change_story_id(self):
        return self.series.story_id

    def clean(self):
        errors = {}
        try:
            super().clean()
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if self.series_id is not None and self.series.is_order_book:
            errors.setdefault("series", []).append(
                "An order book is drawn from the story's orders: add an order instead."
            )
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
    def qualifier_words(self):
        """How its qualifier reads before its value: "about ", "at least "…"""
        return Qualifier(self.qualifier).words

    @property
    def when(self):
        return self.precise("as_of", "as_of_precision")


class FiguresOnDate:
    """
    A series' published figures for one date, as the reporting gives them: one, or several
    from different sources, which may differ. Never averaged: readers see each with its source.
    """

    def __init__(self, when, points):
        self.when = when
        self.points = list(points)
        # Read for every date by the chart, its summary and its table: worked out once.
        self.values = sorted({point.value for point in self.points})  # distinct, lowest first
        self.differs = len(self.values) > 1  # whether the sources give different numbers

    def __repr__(self):
        return f"<FiguresOnDate {self.when}: {[point.value for point in self.points]}>"

    @property
    def low(self):
        return self.values[0]

    @property
    def high(self):
        return self.values[-1]

    @property
    def sources(self):
        """The distinct sources, in the order of the points."""
        return list({point.source_id: point.source for point in self.points}.values())


def figures_by_date(points):
    """Points (oldest first) grouped by their date at its precision, oldest date first."""
    groups = {}
    for point in points:
        groups.setdefault(point.when, []).append(point)
    return [FiguresOnDate(when, group) for when, group in groups.items()]


class OrderQuerySet(PublishedQuerySet):
    def for_story(self, story):
        """
        A story's published orders and their developments, oldest first, with their sources;
        a development of an order that is still a draft is left out with it.
        """
        return (
            self.published()
            .filter(story=story)
            .filter(Q(changes__isnull=True) | Q(changes__status=Status.PUBLISHED))
            .select_related("source", "changes")
            .order_by("announced_on", "pk")
        )


class Order(Correctable, Publishable):
    """
    An order for trains as one source reports one development of it. A new order (or option)
    is a row of its own; what happens to it later (an option taken up, reduced or lapsed, an
    update, or another source's account with other numbers) is a further row, with its own
    date and source, that names the order it changes. An order's history is its first row and
    the rows that change it: nothing is overwritten, and sources that disagree are all kept.
    """

    class Commitment(models.TextChoices):
        FIRM = "firm", "Firm order"
        OPTION = "option", "Option"
        CONDITIONAL = "conditional", "Conditional on an approval"

    class Development(models.TextChoices):
        NEW = "new", "New order"
        ACCOUNT = "account", "Another source’s account"
        UPDATE = "update", "Update"
        EXERCISED = "exercised", "Option taken up"
        REDUCED = "reduced", "Reduced"
        LAPSED = "lapsed", "Lapsed or cancelled"

    # In a story's feed beside statements and events: after them on the same day.
    timeline_kind = "order"
    timeline_rank = -1

    story = models.ForeignKey(Story, on_delete=models.PROTECT, related_name="orders")
    development = models.CharField(max_length=10, choices=Development, default=Development.NEW)
    changes = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="developments",
        verbose_name="order it changes",
        help_text="The order this development is about. Empty for a new order.",
    )
    customer = models.CharField(max_length=200, help_text="Who ordered, as the source says.")
    trains = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Trains (units) as the source gives them, if it does."
    )
    cars = models.PositiveSmallIntegerField(
        "cars", null=True, blank=True, help_text="Cars (carriages) in all, if the source says."
    )
    value = models.DecimalField(
        "value in pounds",
        max_digits=14,
        decimal_places=0,
        null=True,
        blank=True,
        help_text="As the source gives it, e.g. 500000000 for “c.£500m”.",
    )
    value_qualifier = models.CharField(max_length=12, choices=Qualifier, default=Qualifier.EXACT)
    commitment = models.CharField(max_length=12, choices=Commitment)
    condition = models.CharField(
        max_length=300, blank=True, help_text="What an option or condition depends on."
    )
    delivery = models.CharField(
        "delivery period", max_length=200, blank=True, help_text="As the source gives it."
    )
    announced_on = models.DateField()
    announced_on_precision = models.CharField(
        max_length=6, choices=Precision, default=Precision.DAY
    )
    announced_on_end = models.DateField(
        "announced by",
        null=True,
        blank=True,
        help_text="For a period only: the last day it may have been announced.",
    )
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="orders")
    note = models.TextField(blank=True, help_text="Shown to readers, e.g. where sources differ.")

    precise_dates = [("announced_on", "announced_on_precision")]
    corrected_fields = [
        "development",
        "changes_id",
        "customer",
        "trains",
        "cars",
        "value",
        "value_qualifier",
        "commitment",
        "condition",
        "delivery",
        "announced_on",
        "announced_on_precision",
        "announced_on_end",
        "source_id",
        "note",
    ]
    public_fields = [*corrected_fields, "story_id", "correction_note", "corrected_at"]
    change_subject = "order"

    objects = OrderQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["story", "announced_on", "pk"]
        constraints = [
            precision_constraint(
                "announced_on",
                "announced_on_precision",
                "order_announced_on_precision",
                end_field="announced_on_end",
            ),
            models.CheckConstraint(
                condition=Q(development="new", changes__isnull=True)
                | (~Q(development="new") & Q(changes__isnull=False)),
                name="order_development_names_its_order",
                violation_error_message="A new order changes no other order; a development "
                "names the order it changes.",
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__gte=0),
                name="order_value_not_negative",
                violation_error_message="A value cannot be below zero.",
            ),
            models.CheckConstraint(
                condition=Q(customer__regex=r"\S"),
                name="order_customer_not_blank",
                violation_error_message="Say who ordered.",
            ),
        ]
        indexes = [models.Index(fields=["story", "status", "announced_on"])]

    def __str__(self):
        return self.change_summary()

    def url_in(self, book):
        """Its row in the story's order-book chart (`book`, that series), or the story's page
        when the story has none."""
        if book is None:
            return self.story.get_absolute_url()
        return f"{book.get_absolute_url()}#order-{self.pk}"

    def change_summary(self):
        trains = f"{self.trains} trains" if self.trains is not None else "trains"
        what = self.get_development_display()
        return f"{what}: {self.customer}, {trains}, {self.get_commitment_display().lower()}"

    @property
    def when(self):
        return self.precise("announced_on", "announced_on_precision")

    def public_state(self):
        """Readers see a development only once the order it changes is published too."""
        if self.changes_id is not None and not self.changes.is_published:
            return None
        return super().public_state()

    @property
    def is_new(self):
        return self.development == self.Development.NEW

    @property
    def value_text(self):
        """'about £500m', '£460m', or '' when the source gives no value."""
        if self.value is None:
            return ""
        about = self.value_qualifier != Qualifier.EXACT
        words = {Qualifier.APPROXIMATE: "about ", Qualifier.AT_LEAST: "at least "}
        words |= {Qualifier.AT_MOST: "at most ", Qualifier.ESTIMATE: "an estimated "}
        return f"{words[self.value_qualifier] if about else ''}{money(self.value)}"

    @property
    def order(self):
        """The order this row is about: itself when new, else the one it changes."""
        return self if self.is_new else self.changes

    def clean(self):
        errors = {}
        try:
            super().clean()
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if self.is_new and self.changes_id is not None:
            errors.setdefault("changes", []).append(
                "A new order changes no other order: leave this empty, or choose what happened."
            )
        if not self.is_new:
            if self.changes_id is None:
                errors.setdefault("changes", []).append(
                    "Choose the order this development changes."
                )
            elif self.changes.development != self.Development.NEW:
                errors.setdefault("changes", []).append(
                    "Choose the order itself (its first row), not another development of it."
                )
            elif self.story_id is not None and self.changes.story_id != self.story_id:
                errors.setdefault("changes", []).append("That order belongs to another story.")
        if errors:
            raise ValidationError(errors)


class RoleQuerySet(PublishedQuerySet):
    def of(self, stakeholder):
        """A stakeholder's published roles, earliest first (undated starts first), with sources."""
        return (
            self.published()
            .filter(stakeholder=stakeholder)
            .select_related("source")
            .order_by(F("started_on").asc(nulls_first=True), "pk")
        )

    def held_at(self, stakeholder, when):
        """The published roles `stakeholder` may have held at `when` (a PreciseDate)."""
        return [role for role in self.of(stakeholder) if role.held_at(when)]


class Role(Publishable):
    """
    A role a person or organisation held (Transport Secretary, MP for a constituency), from and
    until when as far as a source says, and that source. Like the stakeholder, a role is shared
    by every story they appear in: publishing or changing one moves each of those stories'
    versions. A statement keeps the speaker's role at the time in its own words; a speaker's
    roles let editors, and the loader's checks, see what role they held on the day.
    """

    stakeholder = models.ForeignKey(Stakeholder, on_delete=models.CASCADE, related_name="roles")
    title = models.CharField(max_length=200, help_text="E.g. “Transport Secretary”.")
    organisation = models.CharField(max_length=200, blank=True)
    started_on = models.DateField("from", null=True, blank=True, help_text="Empty if not known.")
    started_on_precision = models.CharField(
        max_length=5, choices=FIXED_PRECISIONS, default=Precision.DAY
    )
    ended_on = models.DateField(
        "until", null=True, blank=True, help_text="Empty while they hold it, or if not known."
    )
    ended_on_precision = models.CharField(
        max_length=5, choices=FIXED_PRECISIONS, default=Precision.DAY
    )
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="roles")
    note = models.TextField(blank=True, help_text="Shown to readers.")

    precise_dates = [
        ("started_on", "started_on_precision"),
        ("ended_on", "ended_on_precision"),
    ]
    public_fields = [
        "stakeholder_id",
        "title",
        "organisation",
        "started_on",
        "started_on_precision",
        "ended_on",
        "ended_on_precision",
        "source_id",
        "note",
    ]
    change_subject = "role"

    objects = RoleQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["stakeholder", "started_on", "pk"]
        constraints = [
            precision_constraint("started_on", "started_on_precision", "role_started_on_precision"),
            precision_constraint("ended_on", "ended_on_precision", "role_ended_on_precision"),
            models.CheckConstraint(
                condition=Q(started_on__isnull=True)
                | Q(ended_on__isnull=True)
                | Q(ended_on__gte=F("started_on")),
                name="role_ends_after_it_starts",
                violation_error_message="A role cannot end before it starts.",
            ),
            models.CheckConstraint(
                condition=Q(title__regex=r"\S"),
                name="role_title_not_blank",
                violation_error_message="A role needs a title.",
            ),
        ]

    def __str__(self):
        return self.change_summary()

    def change_summary(self):
        return f"{self.stakeholder.name}: {self.title} ({self.dates})"

    @property
    def started(self):
        return self.precise("started_on", "started_on_precision") if self.started_on else None

    @property
    def ended(self):
        return self.precise("ended_on", "ended_on_precision") if self.ended_on else None

    @property
    def dates(self):
        """'from July 2024 until 29 November 2024', 'until …', 'from …', or 'dates not given'."""
        parts = []
        if self.started:
            parts.append(f"from {self.started}")
        if self.ended:
            parts.append(f"until {self.ended}")
        return " ".join(parts) or "dates not given"

    def held_at(self, when):
        """
        Whether they may have held the role at `when` (a PreciseDate): the role had started by
        the last day `when` may stand for, and had not ended before its first. An imprecise date
        is only refused when it cannot overlap the role at all.
        """
        if self.started is not None and self.started.date > when.last_day:
            return False
        return self.ended is None or self.ended.last_day >= when.date

    def clean(self):
        errors = {}
        try:
            super().clean()
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if self.started_on and self.ended_on and self.ended_on < self.started_on:
            errors.setdefault("ended_on", []).append("A role cannot end before it starts.")
        if errors:
            raise ValidationError(errors)

    @property
    def change_story_id(self):
        return None  # shared: see log_change

    @classmethod
    def log_change(cls, before, after, using):
        """A role is seen in every story that cites its holder: log the change in each."""
        was = before.public_state() if before is not None else None
        now = after.public_state() if after is not None else None
        if was == now:
            return
        if was is None:
            action, note = Change.Action.ADDED, ""
        elif now is None:
            action, note = Change.Action.WITHDRAWN, getattr(after, "withdrawal_note", "")
        else:
            action, note = Change.Action.CHANGED, ""
        row = after if after is not None else before
        stories = set()
        for each in (before, after):
            if each is not None:
                stories |= each.stakeholder.citing_story_ids()
        for story_id in sorted(stories):
            Story.log_changes(
                story_id,
                [
                    Change(
                        action=action,
                        subject=cls.change_subject,
                        object_id=row.pk,
                        summary=row.change_summary()[:300],
                        note=note[:300],
                    )
                ],
                using=using,
            )


class Verdict(models.TextChoices):
    """Where a pledge stands, as a source shows it."""

    KEPT = "kept", "Kept"
    IN_PROGRESS = "in_progress", "In progress"
    BROKEN = "broken", "Broken"
    UNCLEAR = "unclear", "Unclear"


class PledgeQuerySet(PublishedQuerySet):
    def for_story(self, story):
        """
        A story's published pledges, oldest first, with who made them, their source and their
        published status changes (`shown_updates`, oldest first, each with its source).
        """
        return (
            self.published()
            .filter(story=story)
            .select_related("story", "pledger", "source")
            .prefetch_related(
                models.Prefetch(
                    "updates",
                    queryset=PledgeUpdate.objects.published().for_pledge_page(),
                    to_attr="shown_updates",
                )
            )
            .order_by("made_on", "pk")
        )


class Pledge(Correctable, Publishable):
    """
    A promise a stakeholder made in a story (to protect the factory, to keep jobs, to deliver
    orders), or an ask a campaign made of others: who, when, their words where the source has
    them, what was promised and the source. Where it stands is told by its status changes
    (PledgeUpdate), each dated and sourced; nothing about it is ever overwritten.
    """

    class Kind(models.TextChoices):
        PROMISE = "promise", "Promise"
        ASK = "ask", "Ask"

    # In a story's feed beside statements, events and orders: after them on the same day.
    timeline_kind = change_subject = "pledge"
    timeline_rank = -2

    story = models.ForeignKey(Story, on_delete=models.PROTECT, related_name="pledges")
    kind = models.CharField(
        max_length=8,
        choices=Kind,
        default=Kind.PROMISE,
        help_text="A promise they made, or an ask (a demand a campaign made of others).",
    )
    pledger = models.ForeignKey(
        Stakeholder, on_delete=models.PROTECT, related_name="pledges", verbose_name="who made it"
    )
    pledger_role = models.CharField(
        "their role at the time",
        max_length=200,
        blank=True,
        help_text="Their role when they made it, which may differ from their role today.",
    )
    promise = models.CharField(
        "what was promised",
        max_length=300,
        help_text="In a line, in the newsroom’s words: “To protect the factory and its jobs”.",
    )
    words = models.TextField(
        "their words",
        blank=True,
        help_text="Verbatim, as the source has them; empty when the source only reports it. "
        "Paragraphs on separate lines.",
    )
    context = models.TextField(
        blank=True, help_text="How the source reports it, or what readers need to know."
    )
    made_on = models.DateField("made on")
    made_on_precision = models.CharField(max_length=6, choices=Precision, default=Precision.DAY)
    made_on_end = models.DateField(
        "made by",
        null=True,
        blank=True,
        help_text="For a period only: the last day it may have been made.",
    )
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="pledges")

    precise_dates = [("made_on", "made_on_precision")]
    corrected_fields = [
        "kind",
        "pledger_id",
        "pledger_role",
        "promise",
        "words",
        "context",
        "made_on",
        "made_on_precision",
        "made_on_end",
        "source_id",
    ]
    public_fields = [*corrected_fields, "story_id", "correction_note", "corrected_at"]

    objects = PledgeQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["story", "made_on", "pk"]
        constraints = [
            precision_constraint(
                "made_on", "made_on_precision", "pledge_made_on_precision", end_field="made_on_end"
            ),
            models.CheckConstraint(
                condition=Q(promise__regex=r"\S"),
                name="pledge_promise_not_blank",
                violation_error_message="Say what was promised.",
            ),
        ]
        indexes = [models.Index(fields=["story", "status", "made_on"])]

    def __str__(self):
        return self.change_summary()

    def get_absolute_url(self):
        return reverse("pledge", args=[self.story.slug, self.pk])

    def change_summary(self):
        who = self.pledger.name if self.pledger_id else "(nobody)"
        return f"{self.get_kind_display()} by {who}: {self.promise}"

    @property
    def dom_id(self):
        return f"pledge-{self.pk}"

    @property
    def when(self):
        return self.precise("made_on", "made_on_precision")

    @property
    def paragraphs(self):
        return [line.strip() for line in self.words.splitlines() if line.strip()]

    @property
    def made_by(self):
        """“Alan Strickland, MP for …”: who made it, with their role at the time."""
        role = f", {self.pledger_role}" if self.pledger_role else ""
        return f"{self.pledger.name}{role}"

    @property
    def teaser(self):
        """One line for a link to it: who, what and when, and where it stands."""
        status = self.status_text
        return f"{self.made_by}, {self.when}: {self.promise}. {status}."

    def citation(self, permalink):
        """A ready-to-copy citation: who promised what and when, its source, and `permalink`."""
        words = f" “{' '.join(self.paragraphs)}”" if self.words else ""
        return (
            f"{self.made_by}, {self.when}: {self.promise}.{words}\n"
            f"Source: {self.source.citation()}\n"
            f"Story dashboard, {self.story.title}: {permalink}"
        )

    @property
    def updates_shown(self):
        """Its published status changes, oldest first (prefetched by PledgeQuerySet.for_story)."""
        try:
            return self.shown_updates
        except AttributeError:
            self.shown_updates = list(
                PledgeUpdate.objects.published().filter(pledge=self).for_pledge_page()
            )
            return self.shown_updates

    @property
    def standing(self):
        """
        The newsroom's latest status of the pledge: its latest status change that is not
        someone's own claim, or None while it has none. A claim never stands as the status.
        """
        assessed = [update for update in self.updates_shown if not update.is_claim]
        return assessed[-1] if assessed else None

    @property
    def latest_claim(self):
        """The latest claim someone made about it in their own account, if any."""
        claims = [update for update in self.updates_shown if update.is_claim]
        return claims[-1] if claims else None

    @property
    def status_text(self):
        """“Status: in progress (as of October 2025)”, or that none is given yet."""
        standing = self.standing
        if standing is None:
            return "No status yet"
        return f"Status: {standing.get_verdict_display().lower()} (as of {standing.when})"


class PledgeUpdateQuerySet(PublishedQuerySet):
    def published(self):
        """Published status changes of published pledges: the ones readers may see."""
        return self.filter(status=Status.PUBLISHED, pledge__status=Status.PUBLISHED)

    def for_pledge_page(self):
        """Oldest first, with their sources and whose claim they are."""
        return self.select_related("source", "claimed_by").order_by("as_of", "pk")


class PledgeUpdate(Correctable, Publishable):
    """
    A change in where a pledge stands, as one source shows it, dated and sourced: kept, in
    progress, broken or unclear, with the evidence. When the source is someone's own account
    (the pledger saying they kept it), it is their claim, and says so: `claimed_by`.
    """

    timeline_kind = change_subject = "pledge_update"
    timeline_rank = -3

    pledge = models.ForeignKey(Pledge, on_delete=models.PROTECT, related_name="updates")
    verdict = models.CharField("status", max_length=12, choices=Verdict)
    claimed_by = models.ForeignKey(
        Stakeholder,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pledge_claims",
        verbose_name="whose claim",
        help_text="When the source is someone’s own account (“Strickland says he kept it”), "
        "who makes the claim. Empty when it is the newsroom’s reading of the source.",
    )
    as_of = models.DateField("as of")
    as_of_precision = models.CharField(max_length=6, choices=Precision, default=Precision.DAY)
    as_of_end = models.DateField(
        "as of no later than",
        null=True,
        blank=True,
        help_text="For a period only: the last day it may have been.",
    )
    evidence = models.TextField(
        help_text="What the source shows, in the newsroom’s words, saying whose account it is."
    )
    words = models.TextField(
        "words from the source",
        blank=True,
        help_text="Verbatim, where the evidence quotes the source.",
    )
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="pledge_updates")

    precise_dates = [("as_of", "as_of_precision")]
    corrected_fields = [
        "verdict",
        "claimed_by_id",
        "as_of",
        "as_of_precision",
        "as_of_end",
        "evidence",
        "words",
        "source_id",
    ]
    public_fields = [*corrected_fields, "pledge_id", "correction_note", "corrected_at"]

    objects = PledgeUpdateQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "pledge status change"
        ordering = ["pledge", "as_of", "pk"]
        constraints = [
            precision_constraint(
                "as_of", "as_of_precision", "pledge_update_as_of_precision", end_field="as_of_end"
            ),
            models.CheckConstraint(
                condition=Q(evidence__regex=r"\S"),
                name="pledge_update_evidence_not_blank",
                violation_error_message="Give the evidence for the status.",
            ),
        ]

    def __str__(self):
        return self.change_summary()

    def get_absolute_url(self):
        """Its line in its pledge's history."""
        return f"{self.pledge.get_absolute_url()}#{self.dom_id}"

    def change_summary(self):
        who = self.pledge.pledger.name if self.pledge_id else "(no pledge)"
        verdict = self.get_verdict_display().lower()
        claim = f", says {self.claimed_by.name}" if self.claimed_by_id else ""
        return f"Pledge by {who} {verdict}{claim}, {self.when}"

    @property
    def is_claim(self):
        return self.claimed_by_id is not None

    @property
    def verdict_text(self):
        """“In progress”, or for a claim “Kept, says Alan Strickland”."""
        verdict = self.get_verdict_display()
        return f"{verdict}, says {self.claimed_by.name}" if self.is_claim else verdict

    @property
    def dom_id(self):
        return f"pledge-update-{self.pk}"

    @property
    def story(self):
        return self.pledge.story

    @property
    def when(self):
        return self.precise("as_of", "as_of_precision")

    @property
    def change_story_id(self):
        return self.pledge.story_id

    def public_state(self):
        """Readers see a status change only once its pledge is published too."""
        return super().public_state() if self.pledge.is_published else None


class PartQuerySet(PublishedQuerySet):
    def whos_who(self, story):
        """The story's published who's who, by group, then position, with each stakeholder."""
        group_order = models.Case(
            *[
                models.When(group=value, then=index)
                for index, value in enumerate(Part.Group.values)
            ],
            output_field=models.IntegerField(),
        )
        return (
            self.published()
            .filter(story=story)
            .select_related("stakeholder")
            .order_by(group_order, "position", "stakeholder__name")
        )


class Part(Publishable):
    """
    A stakeholder's part in one story: the group the story's who's who lists them under, and a
    line on what they did in it. Stakeholders are shared across stories; their parts are not.
    """

    class Group(models.TextChoices):
        GOVERNMENT = "government", "Government"
        COMPANY = "company", "The company"
        UNIONS = "unions", "Unions"
        PARLIAMENT = "parliament", "Parliament"
        LOCAL = "local", "Local leaders"
        CAMPAIGN = "campaign", "Campaign"
        CUSTOMERS = "customers", "Customers"
        OTHERS = "others", "Regulators, industry and others"

    story = models.ForeignKey(Story, on_delete=models.PROTECT, related_name="parts")
    stakeholder = models.ForeignKey(Stakeholder, on_delete=models.PROTECT, related_name="parts")
    group = models.CharField(max_length=12, choices=Group)
    part = models.CharField(
        "their part in this story",
        max_length=300,
        help_text="One line: “Pledged in July 2024 to protect the factory; joined the Prime "
        "Minister when the FirstGroup order was announced.”",
    )
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Order within the group: lower first."
    )

    public_fields = ["story_id", "stakeholder_id", "group", "part", "position"]
    change_subject = "part"

    objects = PartQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "who’s who entry"
        verbose_name_plural = "who’s who"
        ordering = ["story", "group", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["story", "stakeholder"],
                name="one_part_per_stakeholder_per_story",
                violation_error_message="This person or organisation is already in this "
                "story’s who’s who.",
            ),
            models.CheckConstraint(
                condition=Q(part__regex=r"\S"),
                name="part_not_blank",
                violation_error_message="Say what their part in the story is.",
            ),
        ]

    def __str__(self):
        return self.change_summary()

    def get_absolute_url(self):
        """Their page in the story, which gives their part."""
        return self.story.get_person_url(self.stakeholder)

    def change_summary(self):
        who = self.stakeholder.name if self.stakeholder_id else "(nobody)"
        return f"Who’s who: {who} ({self.get_group_display()})"

    @property
    def dom_id(self):
        return f"part-{self.pk}"
