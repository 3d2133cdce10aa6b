"""
Login lockout: django-axes' database handler with a second, higher limit for an address.

django-axes counts failures per lockout parameter and compares the largest count with one
limit. The site wants two: AXES_FAILURE_LIMIT for one user name from one address (axes'
`AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]`), so guessing at an account stops
early without locking its editor out everywhere else, and LOGIN_ADDRESS_FAILURE_LIMIT for
everything from one address, so trying many accounts from there stops too. A good login
clears only that user's failures from that address (axes' AXES_RESET_ON_SUCCESS, applied
to the same parameters), never the address's count of guesses at other accounts.
"""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


class LockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None):
        """Failures for this user name from this address; the whole limit once the address
        itself has reached LOGIN_ADDRESS_FAILURE_LIMIT, so every account is locked there."""
        failures = super().get_failures(request, credentials)
        if self.address_failures(request) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(failures, get_failure_limit(request, credentials))
        return failures

    def address_failures(self, request):
        """Failed logins from the request's address within the cool-off time, for any name."""
        attempts = AccessAttempt.objects.filter(
            ip_address=request.axes_ip_address,
            attempt_time__gte=get_cool_off_threshold(request),
        )
        return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
