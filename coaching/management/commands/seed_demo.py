"""Demo data for the embedded mode: two coaches, clients in every phase of a traject (an adult
coachee and a child with a parent among them, with portal accounts), and an admin.

Idempotent: running it again changes nothing and creates no duplicates.
"""

from datetime import date, timedelta

from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from coaching.models import Client, CoachProfile, Consent, Guardian, Organisation, Role, User

DEMO_PASSWORD = "praktijk-demo"

# email, first name, last name, role, staff
DEMO_ACCOUNTS = [
    ("coach@praktijk.example", "Anna", "de Vries", Role.COACH, False),
    ("coach2@praktijk.example", "Bram", "Jansen", Role.COACH, False),
    ("coachee@praktijk.example", "Eva", "Bakker", Role.CLIENT, False),
    ("ouder@praktijk.example", "Marco", "Visser", Role.CLIENT, False),
    ("beheer@praktijk.example", "Sanne", "Smit", Role.ADMIN, True),
]


def years_ago(years: int, days: int = 40) -> date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) - timedelta(days=days)


class Command(BaseCommand):
    help = "Create or refresh the demo accounts and data (never in production)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only list what it would do.")

    def handle(self, *args, dry_run: bool = False, **options):
        if settings.PRODUCTION:
            raise CommandError("seed_demo refuses to run in production mode.")
        if dry_run:
            for email, first, last, role, _staff in DEMO_ACCOUNTS:
                self.stdout.write(f"would ensure {role.label}: {first} {last} <{email}>")
            return
        with transaction.atomic():
            users = {
                email: self._account(email, first, last, role, staff)
                for email, first, last, role, staff in DEMO_ACCOUNTS
            }
            self._clients(users)
        self.stdout.write(self.style.SUCCESS(f"Demo accounts (password for all: {DEMO_PASSWORD}):"))
        for email, first, last, role, _staff in DEMO_ACCOUNTS:
            self.stdout.write(f"  {role.label:<18} {email:<28} {first} {last}")

    def _account(self, email: str, first: str, last: str, role: Role, staff: bool) -> User:
        user, created = User.objects.get_or_create(
            email=email,
            defaults={
                "first_name": first,
                "last_name": last,
                "role": role,
                "is_staff": staff,
                "is_superuser": staff,
            },
        )
        if created or not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        if role == Role.COACH:
            CoachProfile.objects.get_or_create(user=user)
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        return user

    def _client(self, coach: User, first: str, last: str, born: date, **extra) -> Client:
        client, _ = Client.objects.get_or_create(
            coach=coach,
            first_name=first,
            last_name=last,
            defaults={"date_of_birth": born, **extra},
        )
        return client

    def _clients(self, users: dict[str, User]) -> None:
        anna = users["coach@praktijk.example"]
        bram = users["coach2@praktijk.example"]
        hospital, _ = Organisation.objects.get_or_create(
            name="Ziekenhuis Oost", defaults={"contact_person": "P. de Wit"}
        )
        eva = self._client(
            anna,
            "Eva",
            "Bakker",
            date(1988, 4, 12),
            account=users["coachee@praktijk.example"],
            organisation=hospital,
            email="",
            phone="06 12345678",
            city="Utrecht",
        )
        lotte = self._client(anna, "Lotte", "Visser", years_ago(10))
        marco = users["ouder@praktijk.example"]
        guardian, _ = Guardian.objects.get_or_create(
            client=lotte,
            account=marco,
            defaults={
                "first_name": "Marco",
                "last_name": "Visser",
                "relation": Guardian.Relation.FATHER,
                "email": marco.email,
            },
        )
        school = lotte.third_parties.get_or_create(
            name="Basisschool De Linde", defaults={"kind": "school", "contact_person": "juf Ans"}
        )[0]
        if not Consent.objects.filter(third_party=school).exists():
            Consent.objects.create(
                client=lotte,
                third_party=school,
                given_by_guardian=guardian,
                recorded_by=anna,
                purpose="Overleg met de leerkracht en een kort verslag over het traject",
                given_on=timezone.localdate() - timedelta(days=40),
            )
        mila = self._client(anna, "Mila", "de Jong", years_ago(14))
        Guardian.objects.get_or_create(
            client=mila,
            first_name="Sandra",
            last_name="de Jong",
            defaults={"relation": Guardian.Relation.MOTHER, "email": "sandra@example.org"},
        )
        # The other apps add their part (trajects, later groups and appointments) through a
        # `seed_demo(demo)` method on their AppConfig: coaching does not import them.
        demo = {
            "anna": anna,
            "bram": bram,
            "eva": eva,
            "lotte": lotte,
            "school": school,
            "mila": mila,
            "others": {
                "aanmelding": self._client(anna, "Daan", "Mulder", date(1979, 2, 3)),
                "kennismaking": self._client(anna, "Fatima", "El Amrani", date(1992, 8, 21)),
                "bedenktijd": self._client(anna, "Joris", "Peters", date(1985, 11, 9)),
                "afgerond": self._client(anna, "Kees", "Smit", date(1970, 6, 30)),
                "gestopt": self._client(anna, "Ruben", "Bos", date(1996, 1, 17)),
                "email": self._client(bram, "Sophie", "Vermeulen", date(1990, 3, 14)),
            },
        }
        for config in apps.get_app_configs():
            if hasattr(config, "seed_demo"):
                config.seed_demo(demo)
