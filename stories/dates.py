"""
Dates known only to a day, a week, a month, a year, or to lie somewhere in a period.

Reporting says "in March", "this week" or "a few weeks after the July delegation". We store
the first day of the period together with its precision, and always show the period, never a
made-up day. A date known only to lie between two dates ("July–September 2024") has the
precision `period` and keeps its last possible day in a second field (`<date field>_end`);
it sorts by its first day, as every other date does.
"""

import calendar
import datetime
from dataclasses import dataclass
from functools import lru_cache

from django.db import models
from django.db.models import F, Q


class Precision(models.TextChoices):
    DAY = "day", "Day"
    WEEK = "week", "Week"
    MONTH = "month", "Month"
    YEAR = "year", "Year"
    PERIOD = "period", "Period (between two dates)"


# The choices of a date that cannot be a period (a source's publication date, say).
FIXED_PRECISIONS = [choice for choice in Precision.choices if choice[0] != Precision.PERIOD]


def end_field_name(date_field):
    """The field that holds the last day of a period-precise `date_field`."""
    return f"{date_field}_end"


def start_of_period(date, precision):
    """The first day of the period of `precision` that holds `date` (a period starts as given)."""
    if precision == Precision.WEEK:
        return date - datetime.timedelta(days=date.weekday())
    if precision == Precision.MONTH:
        return date.replace(day=1)
    if precision == Precision.YEAR:
        return date.replace(month=1, day=1)
    return date


def precision_constraint(date_field, precision_field, name, end_field=None):
    """
    A check that the stored date is the first day of its period (weeks start on Monday). With
    `end_field`, a date may also be a period: it then has an end after its start, and no other
    precision has an end. Without it, the database refuses a period.
    """
    aligned = (
        Q(**{precision_field: Precision.DAY})
        | Q(**{precision_field: Precision.WEEK, f"{date_field}__iso_week_day": 1})
        | Q(**{precision_field: Precision.MONTH, f"{date_field}__day": 1})
        | Q(**{precision_field: Precision.YEAR, f"{date_field}__month": 1, f"{date_field}__day": 1})
    )
    if end_field is None:
        condition = aligned
        message = "The date must be the first day of its week, month or year."
    else:
        # An end of NULL would make "end > date" unknown, which a CHECK lets through: say
        # "not null" explicitly.
        condition = (aligned & Q(**{f"{end_field}__isnull": True})) | Q(
            **{
                precision_field: Precision.PERIOD,
                f"{end_field}__isnull": False,
                f"{end_field}__gt": F(date_field),
            }
        )
        message = (
            "The date must be the first day of its week, month or year; a period needs an end "
            "after its start, and only a period has an end."
        )
    return models.CheckConstraint(condition=condition, name=name, violation_error_message=message)


def last_day_of_month(date):
    return date.replace(day=calendar.monthrange(date.year, date.month)[1])


def is_whole_months(start, end):
    return start.day == 1 and end == last_day_of_month(end)


@dataclass(frozen=True, order=True)
class PreciseDate:
    date: datetime.date
    precision: str
    end: datetime.date | None = None  # the last possible day of a period, and only of one

    def __str__(self):
        return date_text(self)

    @property
    def is_period(self):
        """A period with its end known (an unsaved one without an end shows as its first day)."""
        return self.precision == Precision.PERIOD and self.end is not None

    @property
    def last_day(self):
        """The last day the date may stand for."""
        match self.precision:
            case Precision.WEEK:
                return self.date + datetime.timedelta(days=6)
            case Precision.MONTH:
                return last_day_of_month(self.date)
            case Precision.YEAR:
                return self.date.replace(month=12, day=31)
            case Precision.PERIOD if self.is_period:
                return self.end
            case _:
                return self.date

    @property
    def period_texts(self):
        """A period's two ends as readers see them: ("July", "August 2024")."""
        start, end = self.date, self.end
        if is_whole_months(start, end):
            if start.month == 1 and end.month == 12:
                return f"{start.year}", f"{end.year}"
            if start.year == end.year:
                return f"{start:%B}", f"{end:%B %Y}"
            return f"{start:%B %Y}", f"{end:%B %Y}"
        if (start.year, start.month) == (end.year, end.month):
            return f"{start.day}", f"{end.day} {end:%B %Y}"
        if start.year == end.year:
            return f"{start.day} {start:%B}", f"{end.day} {end:%B %Y}"
        return f"{start.day} {start:%B %Y}", f"{end.day} {end:%B %Y}"

    @property
    def period_machine_readable(self):
        """A period's two ends at their granularity: ("2024-07", "2024-08") or days."""
        start, end = self.date, self.end
        if is_whole_months(start, end):
            if start.month == 1 and end.month == 12:
                return f"{start.year:04d}", f"{end.year:04d}"
            return f"{start:%Y-%m}", f"{end:%Y-%m}"
        return start.isoformat(), end.isoformat()

    @property
    def machine_readable(self):
        """
        2024, 2024-03, 2024-W39 or 2024-09-27, as HTML's <time datetime="…"> takes them; a
        period is an ISO 8601 interval of its two ends, 2024-07/2024-09 or
        2024-11-30/2024-12-06 (HTML has no interval: templates mark up each end on its own).
        """
        match self.precision:
            case Precision.YEAR:
                return f"{self.date.year:04d}"
            case Precision.MONTH:
                return f"{self.date:%Y-%m}"
            case Precision.WEEK:
                year, week, _ = self.date.isocalendar()
                return f"{year:04d}-W{week:02d}"
            case Precision.PERIOD if self.is_period:
                return "/".join(self.period_machine_readable)
            case _:
                return self.date.isoformat()

    @property
    def month_heading(self):
        """The month this date belongs to on a timeline, or its year when only the year is known."""
        whole_years = self.is_period and self.period_texts[0].isdigit()
        if self.precision == Precision.YEAR or whole_years:
            return f"{self.date.year}"
        return self.date.strftime("%B %Y")


@lru_cache(maxsize=4096)
def date_text(when):
    """
    A PreciseDate as readers read it: "2024", "March 2024", "week of 2 September 2024",
    "July–August 2024", "27 September 2024". Kept per date: a chart of hundreds of figures
    and every page of a timeline ask for the same few hundred dates again and again.
    """
    match when.precision:
        case Precision.YEAR:
            return f"{when.date.year}"
        case Precision.MONTH:
            return when.date.strftime("%B %Y")
        case Precision.WEEK:
            return f"week of {when.date.day} {when.date:%B %Y}"
        case Precision.PERIOD if when.is_period:
            first, last = when.period_texts
            # "July–August 2024", "5–6 December 2024"; spaced when a side has spaces.
            dash = " – " if " " in first else "–"
            return f"{first}{dash}{last}"
        case _:
            return f"{when.date.day} {when.date:%B %Y}"
