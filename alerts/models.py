"""
Readers who follow a story, or a person in a story, by email.

What is kept, and nothing more: the address, what it follows, when each follow was asked for
and confirmed, and up to which published version of the story its digests have gone out (so a
run never sends an item twice or skips one). No name, no client address, no history of opens
or clicks. Unsubscribing deletes the address and everything attached to it; a follower with
nothing left to follow is deleted too, and so is a sign-up nobody confirmed in time.
"""

import datetime

from django.conf import settings
from django.core import signing
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Lower
from django.utils import timezone

from stories.models import Stakeholder, Status, Story


class FollowerQuerySet(models.QuerySet):
    def with_address(self, email):
        """The follower with this address, whatever its case."""
        return self.filter(email__iexact=email)

    def due(self):
        """Followers with a confirmed follow of a published story that moved since their last
        digest, in the order digests go out. (EXISTS, not a join: it can be locked FOR UPDATE.)"""
        moved = Follow.objects.confirmed().filter(
            follower=OuterRef("pk"),
            story__status=Status.PUBLISHED,
            sent_version__lt=F("story__published_version"),
        )
        return self.filter(Exists(moved)).order_by("pk")


class Follower(models.Model):
    """An email address that follows something (or has asked to, and not yet confirmed)."""

    email = models.EmailField(max_length=254)
    created_at = models.DateTimeField(auto_now_add=True)
    last_sent_at = models.DateTimeField(
        null=True, blank=True, help_text="When the last digest went to this address."
    )

    objects = FollowerQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="follower_email_unique_any_case"),
        ]

    def __str__(self):
        return self.email

    def token(self):
        """The secret in every email's manage and unsubscribe links: the follower's id, signed."""
        return signing.dumps(self.pk, salt=FOLLOWER_SALT)

    @classmethod
    def from_token(cls, token):
        """The follower a link names; raises signing.BadSignature or cls.DoesNotExist."""
        return cls.objects.get(pk=signing.loads(token, salt=FOLLOWER_SALT))


FOLLOWER_SALT = "alerts.follower"
CONFIRM_SALT = "alerts.confirm"


class FollowQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(confirmed_at__isnull=False)

    def expired(self, now=None):
        """Sign-ups nobody confirmed within FOLLOW_CONFIRM_HOURS."""
        now = now or timezone.now()
        limit = now - datetime.timedelta(hours=settings.FOLLOW_CONFIRM_HOURS)
        return self.filter(confirmed_at__isnull=True, requested_at__lt=limit)

    def of(self, story, stakeholder=None):
        return self.filter(story=story, stakeholder=stakeholder)


class Follow(models.Model):
    """
    What one address follows: a story (everything published in it) or a person within a story
    (their statements and the events they take part in). Pending until the address confirms.
    """

    follower = models.ForeignKey(Follower, on_delete=models.CASCADE, related_name="follows")
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="follows")
    stakeholder = models.ForeignKey(
        Stakeholder, on_delete=models.CASCADE, null=True, blank=True, related_name="follows"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    sent_version = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        help_text="The story's published version this follower's digests have covered: the "
        "change log after it is still to send. Set on confirmation.",
    )

    objects = FollowQuerySet.as_manager()

    class Meta:
        constraints = [
            # One follow of a story, and one of each person in it, per address.
            models.UniqueConstraint(
                fields=["follower", "story"],
                condition=Q(stakeholder__isnull=True),
                name="follow_story_once",
            ),
            models.UniqueConstraint(
                fields=["follower", "story", "stakeholder"],
                condition=Q(stakeholder__isnull=False),
                name="follow_person_once",
            ),
            models.CheckConstraint(
                condition=Q(confirmed_at__isnull=True) | Q(sent_version__isnull=False),
                name="confirmed_follow_has_a_sent_version",
            ),
        ]
        indexes = [models.Index(fields=["story", "stakeholder"])]

    def __str__(self):
        return self.subject

    @property
    def subject(self):
        """What is followed, as the reader would say it."""
        if self.stakeholder_id:
            return f"{self.stakeholder.name} in “{self.story.title}”"
        return f"“{self.story.title}”"

    @property
    def is_confirmed(self):
        return self.confirmed_at is not None

    def confirmation_token(self):
        return signing.dumps(self.pk, salt=CONFIRM_SALT)

    @classmethod
    def from_confirmation_token(cls, token):
        """
        The pending follow a confirmation link names. Raises signing.SignatureExpired when the
        link is older than FOLLOW_CONFIRM_HOURS, signing.BadSignature when it was not made
        here, and cls.DoesNotExist when its sign-up is gone.
        """
        pk = signing.loads(token, salt=CONFIRM_SALT, max_age=settings.FOLLOW_CONFIRM_HOURS * 3600)
        return cls.objects.select_related("follower", "story", "stakeholder").get(pk=pk)
