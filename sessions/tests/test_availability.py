import pytest

from sessions.models import AvailabilityException, BookingRules, WorkingHours


@pytest.mark.django_db
class TestAvailabilityPage:
    def test_add_and_remove_working_hours(self, client, coach_a):
        client.force_login(coach_a)
        response = client.post(
            "/coach/beschikbaarheid/",
            {
                "action": "add_hours",
                "hours-weekday": "0",
                "hours-start_time": "09:00",
                "hours-end_time": "12:00",
                "hours-modes": ["video"],
            },
        )
        assert response.status_code == 302
        block = WorkingHours.objects.get(coach=coach_a)
        assert block.modes == ["video"]
        client.post("/coach/beschikbaarheid/", {"action": "delete_hours", "id": block.pk})
        assert not WorkingHours.objects.exists()

    @pytest.mark.parametrize("odd", ["²", "١", "9" * 30, "-1", "\x00"])
    def test_an_odd_id_deletes_nothing(self, client, coach_a, odd):
        """Found by the fuzzer (coaching/tests/test_fuzz.py): "²".isdigit() is true, but
        no number to int(): deleting with it was a server error."""
        block = WorkingHours.objects.create(
            coach=coach_a, weekday=0, start_time="09:00", end_time="12:00"
        )
        client.force_login(coach_a)
        for action in ("delete_hours", "delete_exception"):
            response = client.post("/coach/beschikbaarheid/", {"action": action, "id": odd})
            assert response.status_code == 302
        assert WorkingHours.objects.get() == block

    def test_end_before_start_is_explained(self, client, coach_a):
        client.force_login(coach_a)
        response = client.post(
            "/coach/beschikbaarheid/",
            {
                "action": "add_hours",
                "hours-weekday": "0",
                "hours-start_time": "12:00",
                "hours-end_time": "09:00",
            },
        )
        assert "Het eind moet na het begin liggen." in response.content.decode()
        assert not WorkingHours.objects.exists()

    def test_a_day_off_and_extra_hours(self, client, coach_a):
        client.force_login(coach_a)
        client.post(
            "/coach/beschikbaarheid/",
            {
                "action": "add_exception",
                "exception-date": "2026-12-24",
                "exception-kind": "blocked",
                "exception-note": "Kerst",
            },
        )
        response = client.post(
            "/coach/beschikbaarheid/",
            {"action": "add_exception", "exception-date": "2026-12-27", "exception-kind": "extra"},
        )
        assert "Extra uren hebben een begin en een eind." in response.content.decode()
        assert list(AvailabilityException.objects.values_list("kind", flat=True)) == ["blocked"]

    def test_rules_override_the_practice_defaults(self, client, coach_a):
        client.force_login(coach_a)
        client.post("/coach/beschikbaarheid/", {"action": "rules", "rules-buffer_minutes": "30"})
        rules = BookingRules.for_coach(coach_a)
        assert rules.buffer.total_seconds() == 30 * 60
        assert rules.min_notice.total_seconds() == 24 * 3600  # the practice's default

    def test_another_coachs_hours_cannot_be_deleted(self, client, coach_a, coach_b):
        block = WorkingHours.objects.create(
            coach=coach_b, weekday=1, start_time="09:00", end_time="10:00"
        )
        client.force_login(coach_a)
        client.post("/coach/beschikbaarheid/", {"action": "delete_hours", "id": block.pk})
        assert WorkingHours.objects.filter(pk=block.pk).exists()
