from datetime import date

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from coaching.models import Client, CoachProfile, Guardian, Role, User

TEST_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@praktijk.test")
    first_name = factory.Faker("first_name", locale="nl_NL")
    last_name = factory.Faker("last_name", locale="nl_NL")
    role = Role.CLIENT

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or TEST_PASSWORD)
        if create:
            self.save(update_fields=["password"])

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, primary=True, verified=True)


class CoachFactory(UserFactory):
    role = Role.COACH
    profile = factory.RelatedFactory(
        "coaching.tests.factories.CoachProfileFactory", factory_related_name="user"
    )


class CoachProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CoachProfile

    user = factory.SubFactory(CoachFactory, profile=None)


class AdminFactory(UserFactory):
    role = Role.ADMIN
    is_staff = True
    is_superuser = True


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    coach = factory.SubFactory(CoachFactory)
    first_name = factory.Faker("first_name", locale="nl_NL")
    last_name = factory.Faker("last_name", locale="nl_NL")
    date_of_birth = date(1985, 6, 1)


class GuardianFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Guardian

    client = factory.SubFactory(ClientFactory, date_of_birth=date(2016, 3, 1))
    first_name = factory.Faker("first_name", locale="nl_NL")
    last_name = factory.Faker("last_name", locale="nl_NL")
    relation = Guardian.Relation.MOTHER
    has_parental_authority = True
    account = factory.SubFactory(UserFactory)


def give_totp(user: User) -> str:
    """Set up an authenticator app for the user, as the MFA setup page would; returns the secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret
