"""The report's figures kept per month (a section's sums for one coach, or the practice), and the
marks that database triggers leave when a write touches what a month's figures count.

A report reads its months from here; a month that is missing, touched since, or past the moment
its figures change by the clock alone (an answer deadline passing) is counted again from the
data, with the same aggregate, and stored. So the page reads a few hundred small rows instead of
aggregating a year of appointments, and still shows what the data says now."""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

# MonthFigures.coach for the whole practice's figures (the admin's report without a filter).
PRACTICE = 0


class MonthFigures(models.Model):
    # A coach's id, or PRACTICE. Not a foreign key: the practice is no user, and the figures are
    # sums without any person's data (a deleted coach's rows are never asked for again).
    coach = models.BigIntegerField(_("coach"))
    month = models.DateField(_("maand"))
    section = models.CharField(_("onderdeel"), max_length=40)
    # What counted them: the section's columns and code (reports.stored.version). A release that
    # changes either counts the months again instead of showing what the old code counted.
    version = models.CharField(_("versie"), max_length=16)
    # The section's summed figures of the month (before the derived ones are computed from them).
    figures = models.JSONField(_("cijfers"), encoder=DjangoJSONEncoder)
    # The data's "now" they were counted at, and the moment they change by the clock alone
    # (a message's deadline, an invoice's due date, a card's last day); null: never.
    counted_at = models.DateTimeField(_("geteld op"))
    fresh_until = models.DateTimeField(_("geldig tot"), null=True, blank=True)

    class Meta:
        verbose_name = _("maandcijfers")
        verbose_name_plural = _("maandcijfers")
        constraints = [
            models.UniqueConstraint(
                fields=["coach", "section", "month"], name="reports_monthfigures_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.section} {self.month:%Y-%m} ({self.coach})"


class Touched(models.Model):
    """Written only by the database's triggers (reports/triggers.py), read and emptied by the
    report (reports/stored.py)."""

    # The coach whose figures the write changed; null: unknown, every coach's.
    coach = models.BigIntegerField(_("coach"), null=True)
    # The UTC day of the moment (or the date) the write touched; null: every month.
    day = models.DateField(_("dag"), null=True)
    # The table written (reports.triggers.SOURCES' keys): which sections it feeds.
    source = models.CharField(_("bron"), max_length=40)

    class Meta:
        verbose_name = _("gewijzigde gegevens")
        verbose_name_plural = _("gewijzigde gegevens")

    def __str__(self) -> str:
        return f"{self.source} {self.day} ({self.coach})"
