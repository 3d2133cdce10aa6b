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


def period(start, end):
    return PreciseDate(start, Precision.PERIOD, end)


def test_a_period_of_whole_months_is_shown_as_its_months():
    july_to_september = period(datetime.date(2024, 7, 1), datetime.date(2024, 9, 30))
    assert str(july_to_september) == "July–September 2024"
    assert july_to_september.machine_readable == "2024-07/2024-09"


def test_a_period_across_a_new_year_names_both_years():
    winter = period(datetime.date(2024, 12, 1), datetime.date(2025, 1, 31))
    assert str(winter) == "December 2024 – January 2025"


def test_a_period_of_whole_years_is_shown_as_its_years():
    years = period(datetime.date(2024, 1, 1), datetime.date(2025, 12, 31))
    assert str(years) == "2024–2025"
    assert years.machine_readable == "2024/2025"
    assert years.month_heading == "2024"


def test_a_period_of_days_is_shown_as_its_days():
    assert str(period(datetime.date(2024, 12, 5), datetime.date(2024, 12, 6))) == (
        "5–6 December 2024"
    )
    late_autumn = period(datetime.date(2024, 11, 30), datetime.date(2024, 12, 6))
    assert str(late_autumn) == "30 November – 6 December 2024"
    assert late_autumn.machine_readable == "2024-11-30/2024-12-06"


def test_a_period_sorts_by_its_first_day_and_is_headed_by_its_first_month():
    summer = period(datetime.date(2024, 7, 1), datetime.date(2024, 9, 30))
    august = PreciseDate(datetime.date(2024, 8, 1), Precision.MONTH)
    assert summer < august
    assert summer.month_heading == "July 2024"


def test_the_last_day_of_each_precision():
    assert PreciseDate(datetime.date(2024, 9, 23), Precision.WEEK).last_day == datetime.date(
        2024, 9, 29
    )
    assert PreciseDate(datetime.date(2024, 2, 1), Precision.MONTH).last_day == datetime.date(
        2024, 2, 29
    )
    assert PreciseDate(datetime.date(2024, 1, 1), Precision.YEAR).last_day == datetime.date(
        2024, 12, 31
    )
    summer = period(datetime.date(2024, 7, 1), datetime.date(2024, 9, 30))
    assert summer.last_day == datetime.date(2024, 9, 30)
