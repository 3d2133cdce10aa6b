import datetime

from stories.dates import PreciseDate, Precision, start_of_period


def test_day_precise_date_shows_the_day():
    assert str(PreciseDate(datetime.date(2024, 9, 27), Precision.DAY)) == "27 September 2024"


def test_month_precise_date_is_shown_without_a_day():
    assert str(PreciseDate(datetime.date(2024, 3, 1), Precision.MONTH)) == "March 2024"


def test_year_precise_date_is_shown_as_the_year_alone():
    assert str(PreciseDate(datetime.date(2015, 1, 1), Precision.YEAR)) == "2015"


def test_week_precise_date_names_the_week():
    assert (
        str(PreciseDate(datetime.date(2024, 9, 23), Precision.WEEK)) == "week of 23 September 2024"
    )


def test_machine_readable_values_follow_the_html_time_formats():
    assert PreciseDate(datetime.date(2024, 9, 27), Precision.DAY).machine_readable == "2024-09-27"
    assert PreciseDate(datetime.date(2024, 9, 23), Precision.WEEK).machine_readable == "2024-W39"
    assert PreciseDate(datetime.date(2024, 3, 1), Precision.MONTH).machine_readable == "2024-03"
    assert PreciseDate(datetime.date(2015, 1, 1), Precision.YEAR).machine_readable == "2015"


def test_start_of_period_moves_a_date_to_the_first_day_of_its_period():
    friday = datetime.date(2024, 9, 27)
    assert start_of_period(friday, Precision.DAY) == friday
    assert start_of_period(friday, Precision.WEEK) == datetime.date(2024, 9, 23)
    assert start_of_period(friday, Precision.MONTH) == datetime.date(2024, 9, 1)
    assert start_of_period(friday, Precision.YEAR) == datetime.date(2024, 1, 1)
