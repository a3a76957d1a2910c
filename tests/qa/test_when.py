"""Time phrases of a quoted sentence resolved against the article's publication date."""

from __future__ import annotations

import datetime as dt

import pytest

from qa.when import DateMention, resolve_dates

THURSDAY = dt.date(2026, 3, 12)  # the publication date most cases read against


def one(sentence: str, published: dt.date | None = THURSDAY) -> DateMention:
    found = resolve_dates(sentence, published)
    assert len(found) == 1, found
    return found[0]


def days(sentence: str, published: dt.date | None = THURSDAY) -> tuple[str, str, str]:
    m = one(sentence, published)
    assert m.date is not None and m.until is not None, m
    return m.date.isoformat(), m.until.isoformat(), m.precision


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # a past event: the latest such weekday, the publication day itself included
        ("The mayor resigned on Thursday after a week of protests.", "2026-03-12"),
        ("The mayor resigned on Tuesday after a week of protests.", "2026-03-10"),
        ("Crews reopened the bridge Friday night.", "2026-03-06"),
        ("The board met last Thursday to weigh the bid.", "2026-03-05"),
        ("The ferry was cancelled this past Sunday.", "2026-03-08"),
        # a coming one: the next such weekday
        ("The council will vote on Monday on the new budget.", "2026-03-16"),
        ("Talks are set to resume on Thursday afternoon.", "2026-03-12"),
        ("The union said it would decide Friday whether to strike.", "2026-03-13"),
        ("The old theatre is closing Sunday night after 90 years.", "2026-03-15"),
        ("Voters go to the polls next Tuesday.", "2026-03-17"),
        # an attribution is past, whatever the sentence goes on to say
        ("The minister told reporters Monday that prices will fall.", "2026-03-09"),
        ("Officials said Wednesday the road will reopen in May.", "2026-03-11"),
        # a weekday as a modifier is still a day
        ("She spoke at a Tuesday news conference in the capital.", "2026-03-10"),
    ],
)
def test_weekdays_follow_the_tense(sentence: str, expected: str) -> None:
    assert days(sentence) == (expected, expected, "day")


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("The flood peaked yesterday, the agency said.", ("2026-03-11", "2026-03-11", "day")),
        ("Results are expected tomorrow.", ("2026-03-13", "2026-03-13", "day")),
        ("The port announced today that it had reopened.", ("2026-03-12",) * 2 + ("day",)),
        ("Looters struck the market last night.", ("2026-03-11", "2026-03-11", "day")),
        ("Prices rose 4% last week.", ("2026-03-02", "2026-03-08", "week")),
        ("The committee met earlier this month.", ("2026-03-01", "2026-03-31", "month")),
        ("The plant closed last month.", ("2026-02-01", "2026-02-28", "month")),
        ("The law passed last year.", ("2025-01-01", "2025-12-31", "year")),
        ("Sales fell over the past year.", ("2025-03-12", "2026-03-12", "range")),
        ("The storm hit three days ago.", ("2026-03-09", "2026-03-09", "day")),
        ("The pier opened forty-three years ago.", ("1983-01-01", "1983-12-31", "year")),
        ("The fair runs this weekend at the harbour.", ("2026-03-14", "2026-03-15", "range")),
        ("The injury happened in May last year.", ("2025-05-01", "2025-05-31", "month")),
        (
            "The festival runs from June 10-20 in the old town.",
            ("2026-06-10", "2026-06-20", "range"),
        ),
    ],
)
def test_near_days_periods_and_counts(sentence: str, expected: tuple[str, str, str]) -> None:
    assert days(sentence) == expected


def test_a_day_without_its_year_is_the_nearest_that_fits_the_tense() -> None:
    assert days("The fire started on Feb. 27 near the ridge.")[0] == "2026-02-27"
    assert days("The fire started on Nov. 3 near the ridge.")[0] == "2025-11-03"
    assert days("The new line will open on April 2.")[0] == "2026-04-02"
    # far off in the past tense's direction: the nearest occurrence wins
    assert days("The fire started on June 1 near the ridge.")[0] == "2026-06-01"


def test_the_tense_is_read_from_the_event_not_its_telling() -> None:
    # "officials said" dates the saying; "end" is the event, so the nearest Aug. 1 wins
    assert days("The tolls end as of Aug. 1, officials said.")[0] == "2026-08-01"
    # a clear past far back still wins over a nearer coming day
    assert days("The band cancelled its tour on Aug. 30 after the fire.")[0] == "2025-08-30"
    # a condition speaks of what is still to come
    assert days("If you are up early Saturday morning, look east for the comet.")[0] == (
        "2026-03-14"
    )
    # "exceed" and "the sceptered isle" hold no past tense: today is the present age
    assert not resolve_dates("Such heat would exceed the grid's limits today.", THURSDAY)
    assert days("Such heat exceeded the grid's limits today.")[0] == "2026-03-12"
    assert not resolve_dates("But today the sceptered isle is a quieter place.", THURSDAY)


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("The vote is on 6 September in the town hall.", ("2026-09-06", "2026-09-06", "day")),
        ("The shop closed about a dozen years ago.", ("2014-01-01", "2014-12-31", "year")),
        ("One year ago today, the bridge reopened.", ("2025-03-12", "2025-03-12", "day")),
        ("Fares were lower three or four years ago.", ("2022-01-01", "2023-12-31", "range")),
        (
            "A poll taken from Feb. 28 to March 2 found most opposed it.",
            ("2026-02-28", "2026-03-02", "range"),
        ),
        ("Friday night: Clear skies, with a low around 40.", ("2026-03-13",) * 2 + ("day",)),
        ("The series returns (Monday, 9 EDT) on the east coast.", ("2026-03-16",) * 2 + ("day",)),
        ("Figures released Wednesday show a rise in fares.", ("2026-03-11",) * 2 + ("day",)),
        ("The crew arrived Friday and will stay for two weeks.", ("2026-03-06",) * 2 + ("day",)),
        ("The launch won’t go ahead Tuesday as planned.", ("2026-03-17",) * 2 + ("day",)),
        ("She sat next to the mayor on Tuesday at the dinner.", ("2026-03-10",) * 2 + ("day",)),
        ("The comedian is coming to Harbor Town on Saturday.", ("2026-03-14",) * 2 + ("day",)),
        ("Turn to Channel 4 for live coverage on Saturday.", ("2026-03-14",) * 2 + ("day",)),
        (
            "Storms will hit the coast from Friday to Sunday, forecasters said.",
            ("2026-03-13", "2026-03-15", "range"),
        ),
        ("Before the win on Tuesday night, the fans celebrated.", ("2026-03-10",) * 2 + ("day",)),
        ("Gulls first nested there six to seven years ago.", ("2019-01-01", "2020-12-31", "range")),
        ("The team begins its title run today.", ("2026-03-12",) * 2 + ("day",)),
        ("Ms. Reyes spoke during the Q&A on Monday.", ("2026-03-09",) * 2 + ("day",)),
        ("See the winners of last year's show online.", ("2025-01-01", "2025-12-31", "year")),
        (
            "The hearing is set for Oct. 5 and 6 in Harbor Town.",
            ("2026-10-05", "2026-10-06", "range"),
        ),
        ("There is a 60 percent chance of rain Monday afternoon.", ("2026-03-16",) * 2 + ("day",)),
        ("The farewell will air on Friday's show.", ("2026-03-13",) * 2 + ("day",)),
        ("Nobody knew she was ill until late Saturday night.", ("2026-03-07",) * 2 + ("day",)),
        ("The harbour could be foggy on Tuesday morning.", ("2026-03-17",) * 2 + ("day",)),
        # plans and forecasts, in the words news uses for them
        (
            "Forecasters warned that more rain is expected on Monday.",
            ("2026-03-16",) * 2 + ("day",),
        ),
        (
            "The operator hopes to reconnect homes by Friday.",
            ("2026-03-13",) * 2 + ("day",),
        ),
        ("A further meeting is planned for Tuesday.", ("2026-03-17",) * 2 + ("day",)),
        # "today" where someone is, or what must happen at once, is the day
        ("We are here today to open the new bridge.", ("2026-03-12",) * 2 + ("day",)),
        ("The board must resign immediately today.", ("2026-03-12",) * 2 + ("day",)),
        ("The deadline passed Friday for the agency to reply.", ("2026-03-06",) * 2 + ("day",)),
        (
            "With snow expected in the hills on Sunday, crews are ready.",
            ("2026-03-15",) * 2 + ("day",),
        ),
        ("The custom began three hundred years ago.", ("1726-01-01", "1726-12-31", "year")),
        # a count whose year the sentence writes out, even after a bound
        (
            "The last eclipse here was more than 800 years ago in 1205.",
            ("1205-01-01", "1205-12-31", "year"),
        ),
        # a written weekday picks the year within half a year; a range of weekday-dates
        ("The fair is on Sunday, Sept. 13.", ("2026-09-13",) * 2 + ("day",)),
        ("The hearing is set for Wednesday, Feb. 3.", ("2026-02-03",) * 2 + ("day",)),
        (
            "The offer runs from Saturday, March 14, to Tuesday, March 17.",
            ("2026-03-14", "2026-03-17", "range"),
        ),
        (
            "Samples were collected between Feb. 2 and March 6.",
            ("2026-02-02", "2026-03-06", "range"),
        ),
        ("Over the last year, fares rose.", ("2025-03-12", "2026-03-12", "range")),
        ("The couple married this past weekend.", ("2026-03-07", "2026-03-08", "range")),
        ("Today is National Pie Day.", ("2026-03-12",) * 2 + ("day",)),
        ("How to watch the final today", ("2026-03-12",) * 2 + ("day",)),
        ("The navigation system may stop working Tuesday.", ("2026-03-17",) * 2 + ("day",)),
        # a year before, with no month to compare; a run of months of a named year
        ("Prices are higher than a year ago.", ("2025-01-01", "2025-12-31", "year")),
        (
            "Donors gave $2 million between January and June of last year.",
            ("2025-01-01", "2025-06-30", "range"),
        ),
        ("Forecasters expect some relief from Wednesday.", ("2026-03-18",) * 2 + ("day",)),
        ("The hearing was adjourned until Tuesday.", ("2026-03-17",) * 2 + ("day",)),
    ],
)
def test_news_wording_of_counts_ranges_forecasts_and_listings(
    sentence: str, expected: tuple[str, str, str]
) -> None:
    assert days(sentence) == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "The van sells coffee on Friday and Saturday evenings.",
        "She gives advice on today's digital lifestyle.",
        "The region today has a louder voice than ever before.",
        "The clinic is open from Monday to Friday.",
        'Fans dressed up as characters from "Wednesday," the streaming hit.',
        "He told the Harbor Sunday Review about the song.",
        "The holiday is marked on June 19 annually.",
        "The firm he founded in 1995 still operates today.",
        # a weekday counted within a month recurs; opening hours; a title in quotes
        "Thanksgiving is the fourth Thursday of November.",
        "The holiday is kept on the third Monday of February.",
        "Call the helpline from 9 a.m. to 5 p.m. Monday through Friday.",
        'She called games on "Monday Night Football" for a decade.',
        # the present age of a life or of a group of people
        "It took years of work to get to where she is today.",
        "Today's workers expect to retire later than their parents.",
        "On a typical Saturday morning, the market fills up by nine.",
        "Many residents remain shaken today.",
        # programmes and things named after a day
        "He spoke about it in a CBS Sunday Morning interview.",
        "The women's final is no Monday Night Football.",
        "She taught Sunday school for years.",
        "Thanksgiving falls on the fourth Thursday of Nov. each year.",
    ],
)
def test_more_habits_and_present_ages_are_not_dates(sentence: str) -> None:
    assert resolve_dates(sentence, THURSDAY) == ()


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Exports rose 4% in February from a year ago.", ("2025-02-01", "2025-02-28")),
        # November is not yet past in March 2026: the latest November is 2025's
        ("Exports fell in November compared with a year ago.", ("2024-11-01", "2024-11-30")),
    ],
)
def test_a_month_compared_with_a_year_ago_is_that_month_a_year_back(
    sentence: str, expected: tuple[str, str]
) -> None:
    [ago] = [m for m in resolve_dates(sentence, THURSDAY) if m.text == "a year ago"]
    assert (str(ago.date), str(ago.until), ago.precision) == (*expected, "month")


def test_a_count_whose_month_and_year_are_written_after_is_that_month() -> None:
    found = resolve_dates("The school opened more than a year ago in June 2024.", THURSDAY)
    [ago] = [m for m in found if m.text == "a year ago"]
    assert (str(ago.date), str(ago.until), ago.precision) == ("2024-06-01", "2024-06-30", "month")


def test_two_days_joined_by_and_are_no_range_without_between() -> None:
    found = resolve_dates("The club met on Jan. 5 and Feb. 9.", THURSDAY)
    assert [(str(m.date), m.precision) for m in found] == [
        ("2026-01-05", "day"),
        ("2026-02-09", "day"),
    ]


def test_today_with_its_date_written_after_is_that_day() -> None:
    found = resolve_dates("The agency shut its offices today, March 12, after the storm.", THURSDAY)
    today = [m for m in found if m.text.lower() == "today"]
    assert today and today[0].date == THURSDAY


def test_a_month_day_wins_over_a_day_month_of_the_same_length() -> None:
    found = resolve_dates("Harbor 31, Valley 10 Oct. 15: Harbor 41, Ridge 17", THURSDAY)
    assert [(m.text, m.precision) for m in found] == [("Oct. 15", "day")]


def test_a_weekday_told_from_another_day_stays_unresolved() -> None:
    assert not one("On that Sunday in 2023 alone, crowds filled the pier.").resolved


def test_an_event_named_by_its_day_is_that_day_not_this_year() -> None:
    published = dt.date(2022, 11, 15)
    m = one("Pence refused to leave the Capitol on January 6, he wrote.", published)
    assert m.date == dt.date(2021, 1, 6)
    m = one("The panel investigating the Jan. 6 attack met again.", published)
    assert m.date == dt.date(2021, 1, 6)
    # the same day without the event is read as any other
    m = one("The new rules take effect on Jan. 6.", published)
    assert m.date == dt.date(2023, 1, 6)


def test_full_dates_are_listed_but_not_relative() -> None:
    m = one("The treaty was signed on July 25, 2022, in Geneva.")
    assert (m.date, m.relative, m.text) == (dt.date(2022, 7, 25), False, "July 25, 2022")
    m = one("Turnout was low in March 2024.")
    assert (m.date, m.until, m.precision) == (dt.date(2024, 3, 1), dt.date(2024, 3, 31), "month")


@pytest.mark.parametrize(
    "sentence",
    [
        "The story first ran in USA TODAY in 2019.",
        "She appeared on NBC's Today show to talk about it.",
        "Super Tuesday decides most of the delegates.",
        "Shops open Monday through Friday from nine.",
        "The market is held every Sunday by the river.",
        "Valentine's Day falls on a Tuesday.",
        "Children today read fewer books than ever.",
        "Today's world moves faster than ever.",
        "Black Friday sales started early.",
        "The January 6 committee met behind closed doors.",
        "Lawyers followed the Jan. 6 hearings closely.",
        "The service will stream Saturday night Valley League games this winter.",
        "The fares people are paying today were unthinkable back then.",
    ],
)
def test_names_and_habits_are_not_dates(sentence: str) -> None:
    assert [m for m in resolve_dates(sentence, THURSDAY) if m.relative] == []


@pytest.mark.parametrize(
    "sentence",
    [
        "The ship sank two days after the storm.",
        "The next day, the talks collapsed.",
        "A few days ago, the mayor changed her mind.",
        "The wall was built 4,500 years ago.",
    ],
)
def test_phrases_that_count_from_another_date_stay_unresolved(sentence: str) -> None:
    found = resolve_dates(sentence, THURSDAY)
    assert all(not m.resolved for m in found)


def test_no_publication_date_leaves_relative_phrases_unresolved() -> None:
    found = resolve_dates("The mayor resigned on Thursday, not on July 25, 2022.", None)
    assert [(m.text, m.resolved) for m in found] == [
        ("on Thursday", False),
        ("July 25, 2022", True),
    ]
    assert found[0].label == "unresolved"


def test_offsets_point_at_the_phrase_and_the_quote_is_untouched() -> None:
    sentence = "Rescuers reached the village on Sunday morning, two days late."
    m = one(sentence)
    assert sentence[m.start : m.end] == m.text == "on Sunday morning"
    assert m.as_dict() == {
        "start": m.start,
        "end": m.end,
        "text": "on Sunday morning",
        "date": "2026-03-08",
        "until": "2026-03-08",
        "precision": "day",
        "resolved": True,
        "relative": True,
        "coming": False,
        "alternative": None,
        "label": "Sun 8 Mar 2026",
    }


def test_labels_say_the_precision() -> None:
    assert one("Prices rose 4% last week.").label == "week of 2 Mar 2026"
    assert one("The plant closed last month.").label == "Feb 2026"
    assert one("The law passed last year.").label == "2025"
    assert one("The fair runs this weekend.").label == "14 Mar 2026 to 15 Mar 2026"


def test_impossible_days_are_left_unresolved() -> None:
    found = resolve_dates("The vote was moved to Feb. 30 by mistake.", THURSDAY)
    assert all(not m.resolved for m in found)


def test_a_lower_bound_names_no_day() -> None:
    found = resolve_dates("The war began more than a year ago.", THURSDAY)
    assert [m.resolved for m in found] == [False]
    assert days("The war began about a year ago.") == ("2025-01-01", "2025-12-31", "year")


def test_a_day_still_to_come_is_marked_so() -> None:
    assert one("The council will vote on Monday on the budget.").coming
    assert not one("The council voted on Monday on the budget.").coming


def test_a_weekday_without_a_tense_also_offers_the_other_reading() -> None:
    m = one("The team has the day off Monday.")
    assert (m.date, m.alternative) == (dt.date(2026, 3, 9), dt.date(2026, 3, 16))
    assert m.described() == "Mon 9 Mar 2026 (or Mon 16 Mar 2026, if still to come)"
    assert m.as_dict()["alternative"] == "2026-03-16" and m.label == "Mon 9 Mar 2026"
    # a tense, a modifier or the publication day itself leaves no doubt to show
    for sentence in (
        "The mayor resigned on Monday.",
        "The council will vote on Monday.",
        "The board meets next Monday.",
        "The team plays Thursday.",
    ):
        m = one(sentence)
        assert m.alternative is None and m.described() == m.label, sentence


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # a number after "to" or "and" that is no day of the range
        ("He was sentenced on Feb. 3 to 20 years in prison.", ("2026-02-03",) * 2 + ("day",)),
        ("Polls are open on Nov. 3 to 8 p.m. in the county.", ("2026-11-03",) * 2 + ("day",)),
        ("The hearing on March 3 and 4 other cases was delayed.", ("2026-03-03",) * 2 + ("day",)),
        # a written year holds for the whole range
        (
            "The festival ran Oct. 5 and 6, 2024, in the park.",
            ("2024-10-05", "2024-10-06", "range"),
        ),
        # ordinary storms, drone attacks and hearings are not the famous days
        ("A winter storm dumped snow on the region on Jan. 6.", ("2026-01-06",) * 2 + ("day",)),
        ("Drone attacks on Oct. 7 killed five people.", ("2025-10-07",) * 2 + ("day",)),
        ("A judge set an April 4 hearing on the motion.", ("2026-04-04",) * 2 + ("day",)),
        # words that only look like a tense
        ("The bank cut its growth forecast on Tuesday.", ("2026-03-10",) * 2 + ("day",)),
        ("Officials are checking if anyone saw the car Sunday.", ("2026-03-08",) * 2 + ("day",)),
        ("Police cancelled Friday classes after the threat.", ("2026-03-06",) * 2 + ("day",)),
        ("Polls released Monday show the mayor ahead.", ("2026-03-09",) * 2 + ("day",)),
        # a run of days in the past ends before the paper came out
        (
            "Storms battered the coast from Wednesday to Friday.",
            ("2026-03-04", "2026-03-06", "range"),
        ),
        ("Rain is forecast Friday through Sunday.", ("2026-03-13", "2026-03-15", "range")),
        # a modal after a past event, or with "have", speaks of no coming day
        ("Monday's crash could cost the airline millions.", ("2026-03-09",) * 2 + ("day",)),
        ("Police say the blaze on Monday could have been arson.", ("2026-03-09",) * 2 + ("day",)),
        ("Theresa May visits the plant on Tuesday.", ("2026-03-10",) * 2 + ("day",)),
        # a past wish or start is past
        (
            "The protesters who wanted to march on Sunday were turned away.",
            ("2026-03-08",) * 2 + ("day",),
        ),
        ("The starting pitcher on Sunday gave up three runs.", ("2026-03-08",) * 2 + ("day",)),
    ],
)
def test_rules_do_not_misfire_on_ordinary_news(
    sentence: str, expected: tuple[str, str, str]
) -> None:
    found = [m for m in resolve_dates(sentence, THURSDAY) if m.relative or m.precision == "range"]
    assert len(found) == 1, found
    m = found[0]
    assert (str(m.date), str(m.until), m.precision) == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "Police are investigating today's workplace shooting in Ohio.",
        "Floods were common here in the past, but today the water rose three feet.",
        "Trump Signs Bill Tuesday Amid Protests",
        '"Monday was the hardest day," the coach said.',
    ],
)
def test_a_day_is_still_read_where_a_name_rule_nearly_applies(sentence: str) -> None:
    assert [m for m in resolve_dates(sentence, THURSDAY) if m.resolved]


def test_odd_publication_dates_and_long_sentences_never_raise() -> None:
    for published in (dt.date(9999, 12, 31), dt.date(1, 1, 1)):
        for sentence in ("The team has the day off Monday.", "It happened 3 years ago today."):
            for m in resolve_dates(sentence, published):
                assert m.date is None or m.until is None or m.date <= m.until
    long = "today " * 300 + "from Monday to Friday " * 100
    assert resolve_dates(long, THURSDAY)  # and in reasonable time (timed in the benchmark)


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # a deadline still ahead; "than expected" is no plan
        ("Congress faced a deadline Friday to avert a shutdown.", [("2026-03-13", "day")]),
        ("Stocks rose less than expected in trading on Tuesday.", [("2026-03-10", "day")]),
        # what stays closed today is closed on that day
        ("Banks remain closed today for the holiday.", [("2026-03-12", "day")]),
        (
            "Schools will remain closed today and tomorrow.",
            [("2026-03-12", "day"), ("2026-03-13", "day")],
        ),
        # a written weekday moves a date by half a year at most (Feb. 3, 2027 is a Wednesday)
        (
            "The company announced on Wednesday, Feb. 3 that it would cut jobs.",
            [("2026-02-03", "day")],
        ),
        # a number after "in" that is no year of the count
        ("He wrote it three years ago in 1500 words.", [("2023-01-01", "year")]),
        ("Three days ago in 2019 the law passed.", [("2026-03-09", "day")]),
        ("The city was founded 3,500 years ago in 1500 B.C.", [("None", "")]),
        # a month elsewhere is not the month compared
        (
            "The shop, which opened in June, is busier than a year ago.",
            [("2025-06-01", "month"), ("2025-01-01", "year")],
        ),
        (
            "He joined the firm less than a year ago, in October.",
            [("2025-01-01", "year"), ("2025-10-01", "month")],
        ),
        (
            "Sales should rise 5% in December from a year ago.",
            [("2026-12-01", "month"), ("2025-12-01", "month")],
        ),
        # no part of a bigger number is read as the count
        ("The town was founded two hundred fifty years ago.", []),
        # hours of a week's early voting are days, not a habit
        (
            "Early voting runs 8 a.m. to 5 p.m. Thursday to Saturday this week.",
            [("2026-03-12", "range"), ("2026-03-09", "week")],
        ),
        ("Today's students will march at noon.", [("2026-03-12", "day")]),
        ('"Thursday President Trump signed the order," she said.', [("2026-03-12", "day")]),
        ("Snow fell between December and February of last year.", [("2024-12-01", "range")]),
        # a second review: comparisons with the month first or "less than"; deadlines met
        (
            "In August, retail sales rose 5% from a year ago.",
            [("2025-08-01", "month"), ("2024-08-01", "month")],
        ),
        (
            "Home sales in August were 10% less than a year ago.",
            [("2025-08-01", "month"), ("2024-08-01", "month")],
        ),
        ("The show premiered less than a year ago.", [("2025-01-01", "year")]),
        ("The team met the deadline Friday.", [("2026-03-06", "day")]),
        ("The board voted to hold the meeting on Monday, Sept. 14.", [("2026-09-14", "day")]),
        ("Today's consumers are expected to spend more than ever.", []),
        (
            "Starting next week, the office will be open Monday through Friday.",
            [("2026-03-16", "week")],
        ),
        ("The store remains temporarily closed today.", [("2026-03-12", "day")]),
        ("It began two thousand five hundred years ago.", []),
    ],
)
def test_what_a_review_found_misread(sentence: str, expected: list[tuple[str, str]]) -> None:
    found = resolve_dates(sentence, THURSDAY)
    assert [(str(m.date), m.precision) for m in found] == expected
