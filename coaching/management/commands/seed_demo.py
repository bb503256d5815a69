"""Demo data for the embedded mode: two coaches, clients in every phase of a traject (an adult
coachee and a child with a parent among them, with portal accounts), and an admin.

Idempotent: running it again changes nothing and creates no duplicates.
"""

from datetime import date, timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from coaching.models import (
    Client,
    CoachProfile,
    Consent,
    Guardian,
    Organisation,
    Role,
    Tariff,
    User,
    tariff_add,
)

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
            # The tariffs first: the apps' demos price what they deliver (billing's invoice).
            self._tariffs()
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

    def _tariffs(self) -> None:
        """Example prices (a practice sets its own in the admin), and one price change ahead."""
        if Tariff.objects.exists():
            return
        since = date(2024, 1, 1)
        rows = [
            ("kennismaking", "appointment", "Kennismakingsgesprek", "Introductory conversation",
             "Ongeveer 30 minuten: telefonisch, via video, in de praktijk of per e-mail.",
             "About 30 minutes: by phone, video, at the practice or by e-mail.", {}, "0"),
            ("intake", "appointment", "Intakegesprek", "Intake conversation",
             "60 tot 90 minuten; de hulpvraag en de geschiedenis komen in het dossier.",
             "60 to 90 minutes; the question and the history go into the file.", {}, "95"),
            ("session", "appointment", "Coachingsessie van 45 minuten", "Coaching session of 45 minutes",  # noqa: E501
             "", "", {"duration_minutes": 45}, "65"),
            ("session", "appointment", "Coachingsessie van 60 minuten", "Coaching session of 60 minutes",  # noqa: E501
             "", "", {"duration_minutes": 60}, "80"),
            ("session", "appointment", "Coachingsessie van 90 minuten", "Coaching session of 90 minutes",  # noqa: E501
             "", "", {"duration_minutes": 90}, "115"),
            ("email", "month", "E-mailcoaching", "E-mail coaching",
             "Per maand waarin je schrijft; antwoord binnen 24 uur.",
             "Per month in which you write; an answer within 24 hours.", {}, "85"),
            ("third_party", "hour", "Contact met een derde partij", "Contact with a third party",
             "Bijvoorbeeld met school, alleen met je toestemming.",
             "For example with a school, only with your consent.", {}, "80"),
            ("observation", "hour", "Observatie", "Observation",
             "Thuis, op school of op het kinderdagverblijf.", "At home, at school or at day care.",
             {}, "80"),
            ("backstage", "participant", "Backstage-groep, per deelnemer", "Backstage group, per participant",  # noqa: E501
             "Acht bijeenkomsten van 2,5 uur in een gemengde groep.",
             "Eight meetings of 2.5 hours in a mixed group.",
             {"min_participants": 4, "max_participants": 10, "meetings": 8}, "1150"),
            ("backstage", "group", "Backstage-groep in-company, 4 tot 6 deelnemers",
             "In-company Backstage group, 4 to 6 participants", "Acht bijeenkomsten van 2,5 uur.",
             "Eight meetings of 2.5 hours.",
             {"min_participants": 4, "max_participants": 6, "meetings": 8}, "5600"),
            ("backstage", "group", "Backstage-groep in-company, 7 tot 10 deelnemers",
             "In-company Backstage group, 7 to 10 participants", "Acht bijeenkomsten van 2,5 uur.",
             "Eight meetings of 2.5 hours.",
             {"min_participants": 7, "max_participants": 10, "meetings": 8}, "7900"),
            ("late_cancel", "appointment", "Afspraak te laat afgezegd", "Appointment cancelled late",  # noqa: E501
             "Minder dan 24 uur van tevoren afgezegd.", "Cancelled less than 24 hours before.", {}, "80"),  # noqa: E501
            ("no_show", "appointment", "Niet verschenen", "Did not attend", "", "", {}, "80"),
        ]  # fmt: skip
        for order, (component, unit, name, name_en, text, text_en, extra, price) in enumerate(rows):
            Tariff.objects.create(
                component=component,
                unit=unit,
                name=name,
                name_en=name_en,
                description=text,
                description_en=text_en,
                price=Decimal(price),
                vat=Tariff.Vat.HIGH,
                valid_from=since,
                order=order,
                **extra,
            )
        # A price change ahead, as the tariffs page announces it.
        hour = Tariff.objects.get(component="session", duration_minutes=60)
        tariff_add(
            tariff=Tariff(
                **{
                    field.name: getattr(hour, field.name)
                    for field in Tariff._meta.fields
                    if field.name not in {"id", "valid_from", "price"}
                },
                valid_from=date(timezone.localdate().year + 1, 1, 1),
                price=Decimal("85"),
            )
        )

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
                "has_parental_authority": True,
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
            defaults={
                "relation": Guardian.Relation.MOTHER,
                "has_parental_authority": True,
                "email": "sandra@example.org",
            },
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
