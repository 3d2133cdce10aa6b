"""
Dates known only to a day, a week, a month or a year.

Reporting says "in March" or "this week". We store the first day of the period
together with its precision, and always show the period, never a made-up day.
"""

import datetime
from dataclasses import dataclass

from django.db import models
from django.db.models import Q


class Precision(models.TextChoices):
    DAY = "day", "Day"
    WEEK = "week", "Week"
    MONTH = "month", "Month"
    YEAR = "year", "Year"


def start_of_period(date, precision):
    """The first day of the period of `precision` that holds `date`."""
    if precision == Precision.WEEK:
        return date - datetime.timedelta(days=date.weekday())
    if precision == Precision.MONTH:
        return date.replace(day=1)
    if precision == Precision.YEAR:
        return date.replace(month=1, day=1)
    return date


def precision_constraint(date_field, precision_field, name):
    """A check that the stored date is the first day of its period (weeks start on Monday)."""
    return models.CheckConstraint(
        condition=Q(**{precision_field: Precision.DAY})
        | Q(**{precision_field: Precision.WEEK, f"{date_field}__iso_week_day": 1})
        | Q(**{precision_field: Precision.MONTH, f"{date_field}__day": 1})
        | Q(
            **{precision_field: Precision.YEAR, f"{date_field}__month": 1, f"{date_field}__day": 1}
        ),
        name=name,
        violation_error_message="The date must be the first day of its week, month or year.",
    )


@dataclass(frozen=True, order=True)
class PreciseDate:
    date: datetime.date
    precision: str

    def __str__(self):
        match self.precision:
            case Precision.YEAR:
                return f"{self.date.year}"
            case Precision.MONTH:
                return self.date.strftime("%B %Y")
            case Precision.WEEK:
                return f"week of {self.date.day} {self.date:%B %Y}"
            case _:
                return f"{self.date.day} {self.date:%B %Y}"

    @property
    def machine_readable(self):
        """The value for an HTML <time datetime="…">: 2024, 2024-03, 2024-W39 or 2024-09-27."""
        match self.precision:
            case Precision.YEAR:
                return f"{self.date.year:04d}"
            case Precision.MONTH:
                return f"{self.date:%Y-%m}"
            case Precision.WEEK:
                year, week, _ = self.date.isocalendar()
                return f"{year:04d}-W{week:02d}"
            case _:
                return self.date.isoformat()

    @property
    def month_heading(self):
        """The month this date belongs to on a timeline, or its year when only the year is known."""
        if self.precision == Precision.YEAR:
            return f"{self.date.year}"
        return self.date.strftime("%B %Y")
