"""Free slots against a minute-by-minute reference, on random schedules and across DST."""

import random
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from sessions.models import (
    Appointment,
    AvailabilityException,
    BookingRules,
    CalendarFeed,
    ExternalBusy,
    WorkingHours,
)
from sessions.slots import free_slots

AMS = ZoneInfo("Europe/Amsterdam")
MINUTE = timedelta(minutes=1)


def reference_slots(coach, duration, first, days, mode, now):
    """The obvious, slow way: look at every minute."""
    rules = BookingRules.for_coach(coach)
    blocks = list(WorkingHours.objects.filter(coach=coach))
    exceptions = list(AvailabilityException.objects.filter(coach=coach))
    busy = [
        (a.start - rules.buffer, a.end + rules.buffer)
        for a in Appointment.objects.filter(coach=coach).active()
    ] + [
        (b.starts_at - rules.buffer, b.ends_at + rules.buffer)
        for b in ExternalBusy.objects.filter(coach=coach)
    ]

    def fits(modes):
        return mode is None or not modes or mode in modes

    def working(moment: datetime) -> bool:
        local = moment.astimezone(AMS)
        day, wall = local.date(), local.time()
        for e in exceptions:
            if (e.date == day and e.kind == "blocked") and (
                e.start_time is None or e.start_time <= wall < e.end_time
            ):
                return False
        if any(
            b.weekday == day.weekday() and b.start_time <= wall < b.end_time and fits(b.modes)
            for b in blocks
        ):
            return True
        return any(
            e.date == day
            and e.kind == "extra"
            and e.start_time <= wall < e.end_time
            and fits(e.modes)
            for e in exceptions
        )

    def free(moment):
        return working(moment) and not any(s <= moment < e for s, e in busy)

    earliest, latest = now + rules.min_notice, now + rules.max_ahead
    step = int(rules.step.total_seconds() // 60)
    result = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        # Every real moment of the local day (23, 24 or 25 hours), on the step grid of the
        # local clock: the repeated autumn hour counts twice, the skipped spring hour not.
        moment = datetime.combine(day, time(0), tzinfo=AMS).astimezone(UTC)
        end_of_day = datetime.combine(day + timedelta(days=1), time(0), tzinfo=AMS)
        while moment < end_of_day:
            local = moment.astimezone(AMS)
            if (local.hour * 60 + local.minute) % step == 0:
                start = moment
                if start >= earliest and start + duration <= latest:
                    minutes = int(duration.total_seconds() // 60)
                    if all(free(start + i * MINUTE) for i in range(minutes)):
                        result.append(start)
            moment += MINUTE
    return result


def random_schedule(coach, rng: random.Random, first: date, days: int):
    WorkingHours.objects.filter(coach=coach).delete()
    AvailabilityException.objects.filter(coach=coach).delete()
    Appointment.objects.filter(coach=coach).delete()
    for weekday in range(7):
        # Night hours run through the DST changes. A block does not start or end inside the
        # hour that is skipped or repeated (02:00-03:00): such a wall time is not one moment.
        hour = rng.choice([0, 1, 7, 8, 9, 10])
        for _ in range(rng.randint(0, 3)):
            end = min(hour + rng.randint(1, 4), 23)
            if end == 2:
                end = 3
            if end <= hour:
                break
            WorkingHours.objects.create(
                coach=coach,
                weekday=weekday,
                start_time=time(hour, rng.choice([0, 30])),
                end_time=time(end, rng.choice([0, 15])),
                modes=rng.choice([[], ["video"], ["practice", "video"]]),
            )
            hour = end + rng.randint(0, 2)
            if hour == 2:
                hour = 3
            if hour >= 22:
                break
    for _ in range(rng.randint(0, 4)):
        day = first + timedelta(days=rng.randrange(days))
        kind = rng.choice(["blocked", "extra"])
        if kind == "blocked" and rng.random() < 0.5:
            AvailabilityException.objects.create(coach=coach, date=day, kind=kind)
        else:
            hour = rng.randint(8, 18)
            AvailabilityException.objects.create(
                coach=coach,
                date=day,
                kind=kind,
                start_time=time(hour, 0),
                end_time=time(hour + rng.randint(1, 3), rng.choice([0, 45])),
            )
    for _ in range(rng.randint(0, 12)):
        start = datetime.combine(
            first + timedelta(days=rng.randrange(days)),
            time(rng.randint(8, 19), rng.choice([0, 10, 20, 30, 40, 50])),
            tzinfo=AMS,
        )
        end = start + timedelta(minutes=rng.choice([30, 45, 60, 90]))
        status = rng.choice(["booked", "booked", "completed", "cancelled"])
        taken = Appointment.objects.filter(coach=coach).active().overlapping(start, end).exists()
        if status != "cancelled" and taken:
            continue  # a coach has no overlapping appointments (the database holds that)
        Appointment.objects.create(
            coach=coach, kind="session", mode="practice", start=start, end=end, status=status
        )
    # The coach's own calendar: busy times that may overlap each other and the appointments,
    # and run past midnight (sessions.feeds).
    CalendarFeed.objects.filter(coach=coach).delete()
    feed = CalendarFeed.objects.create(coach=coach, url="https://calendar.example/agenda.ics")
    for _ in range(rng.randint(0, 10)):
        start = datetime.combine(
            first + timedelta(days=rng.randrange(days)),
            time(rng.randint(0, 23), rng.choice([0, 5, 30])),
            tzinfo=AMS,
        )
        ExternalBusy.objects.create(
            feed=feed,
            coach=coach,
            starts_at=start,
            ends_at=start + timedelta(minutes=rng.choice([15, 60, 150, 24 * 60])),
        )
    BookingRules.objects.update_or_create(
        coach=coach,
        defaults={
            "buffer_minutes": rng.choice([0, 10, 15]),
            "slot_step_minutes": rng.choice([15, 30]),
            "min_notice_hours": rng.choice([0, 24]),
            "max_days_ahead": rng.choice([10, 90]),
        },
    )


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(12))
def test_slots_match_the_minute_by_minute_reference(coach_a, seed):
    rng = random.Random(seed)
    # Around the autumn DST change (25 October 2026) for half the seeds, spring for the rest.
    first = date(2026, 10, 20) if seed % 2 else date(2026, 3, 24)
    days = 10
    random_schedule(coach_a, rng, first, days)
    now = datetime.combine(first - timedelta(days=1), time(12, 7), tzinfo=AMS)
    duration = timedelta(minutes=rng.choice([30, 45, 60, 90]))
    mode = rng.choice([None, "video", "practice"])
    fast = free_slots(coach=coach_a, duration=duration, first=first, days=days, mode=mode, now=now)
    slow = reference_slots(coach_a, duration, first, days, mode, now)
    assert fast == slow


@pytest.mark.django_db
def test_nine_oclock_stays_nine_oclock_across_dst(coach_a):
    for weekday in range(7):
        WorkingHours.objects.create(
            coach=coach_a, weekday=weekday, start_time=time(9), end_time=time(10)
        )
    BookingRules.objects.create(coach=coach_a, min_notice_hours=0, buffer_minutes=0)
    now = datetime(2026, 10, 23, 12, tzinfo=AMS)
    slots = free_slots(
        coach=coach_a, duration=timedelta(hours=1), first=date(2026, 10, 24), days=3, now=now
    )
    local = [s.astimezone(AMS) for s in slots]
    assert [(s.day, s.hour, s.minute) for s in local] == [(24, 9, 0), (25, 9, 0), (26, 9, 0)]
    # in UTC the hour moves: 7:00 in summer time, 8:00 in winter time
    assert [s.hour for s in slots] == [7, 8, 8]


@pytest.mark.django_db
def test_ninety_days_in_four_queries_and_fast(coach_a, django_assert_num_queries):
    rng = random.Random(99)
    first = date(2026, 12, 1)
    random_schedule(coach_a, rng, first, 90)
    BookingRules.objects.filter(coach=coach_a).update(max_days_ahead=120, min_notice_hours=0)
    now = datetime(2026, 11, 30, 8, tzinfo=AMS)
    # Rules, working hours, exceptions, the appointments with the own calendars' busy times.
    with django_assert_num_queries(4):
        slots = free_slots(
            coach=coach_a, duration=timedelta(hours=1), first=first, days=90, now=now
        )
    started = clock.perf_counter()
    for _ in range(5):
        free_slots(coach=coach_a, duration=timedelta(hours=1), first=first, days=90, now=now)
    per_call = (clock.perf_counter() - started) / 5
    print(f"\n90 days: {len(slots)} slots in {per_call * 1000:.1f} ms per call")
    assert slots
    assert per_call < 0.25  # intervals: milliseconds (the minute-by-minute reference takes ~0.3 s)
