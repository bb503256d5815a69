"""Whose work a report shows: the practice's admin chooses (all coaches, or one); a coach sees
only their own, whatever the address asks (the coach field is not even read for them)."""

from coaching.models import Role, User
from coaching.roles import has_role


def sees_practice(user: User) -> bool:
    return has_role(user, Role.ADMIN)


def coach_of_report(user: User, cleaned: dict) -> User | None:
    """The coach whose figures the report holds; None: the whole practice (the admin only)."""
    if sees_practice(user):
        return cleaned.get("coach")
    return user
