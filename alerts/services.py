"""Following and unfollowing: writes that span a follower and what it follows."""

from django.db import transaction
from django.utils import timezone

from stories.models import Story

from . import mail
from .models import Follow, Follower


@transaction.atomic
def sign_up(email, story, stakeholder=None):
    """
    Ask to follow `story` (or `stakeholder` within it) at `email`, and return the email to send
    to that address: a confirmation link, or, when it already follows this, a note saying so.
    Nothing else is sent before the address confirms. Whichever it is, the reader who asked is
    told the same thing, so the page never says who follows what.
    """
    follower, _ = Follower.objects.get_or_create(email__iexact=email, defaults={"email": email})
    follow, created = Follow.objects.select_for_update().get_or_create(
        follower=follower, story=story, stakeholder=stakeholder
    )
    if follow.is_confirmed:
        return mail.already_following(follow)
    if not created:
        follow.requested_at = timezone.now()  # asked again: the clock for expiry starts again
        follow.save(update_fields=["requested_at"])
    return mail.confirmation(follow)


@transaction.atomic
def confirm(follow):
    """Start the emails: the first digest lists what changes after this moment."""
    follow = Follow.objects.select_for_update().get(pk=follow.pk)
    if follow.is_confirmed:
        return follow
    follow.confirmed_at = timezone.now()
    follow.sent_version = (
        Story.objects.filter(pk=follow.story_id).values_list("published_version", flat=True).get()
    )
    follow.save(update_fields=["confirmed_at", "sent_version"])
    return follow


@transaction.atomic
def unfollow(follow):
    """Stop following one thing. An address left following nothing is deleted: there is no
    reason left to keep it. Returns whether the address was deleted."""
    follower = follow.follower
    follow.delete()
    if not follower.follows.exists():
        follower.delete()
        return True
    return False


def forget(follower):
    """Unsubscribe: delete the address and everything it follows or asked to follow."""
    Follower.objects.with_address(follower.email).delete()


@transaction.atomic
def remove_expired(now=None):
    """Delete sign-ups nobody confirmed in time, and the addresses left following nothing."""
    expired, _ = Follow.objects.expired(now).delete()
    Follower.objects.filter(follows__isnull=True).delete()
    return expired
