from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from coaching.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restores an archive of `manage.py backup` into the empty database of DATABASE_URL and "
        "an empty MEDIA_ROOT (--replace: drops what is there first). Every chunk, checksum and "
        "row count is checked before anything is kept: a damaged, cut-off or foreign archive "
        "restores nothing. --check reads and checks the archive and restores nothing. Stop the "
        "web processes and workers first."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument(
            "--replace", action="store_true", help="drop the tables and files already there"
        )
        parser.add_argument("--check", action="store_true", help="check only; restore nothing")

    def handle(self, *args, archive: str, replace: bool, check: bool, **options):
        try:
            done = restore(archive, replace=replace, check_only=check)
        except BackupError as error:
            raise CommandError(str(error)) from None
        except DatabaseError as error:
            raise CommandError(
                _("De database antwoordt niet (%(error)s). Er is niets teruggezet.")
                % {"error": type(error).__name__}
            ) from None
        head = done.head
        self.stdout.write(
            _(
                "Back-up van %(created)s (%(vendor)s %(server)s, Django %(django)s): %(size)s; "
                "blokken: %(chunks)s, alle controlecodes en controlesommen kloppen."
            )
            % {
                "created": head["created_at"],
                "vendor": head["database"]["vendor"],
                "server": head["database"]["server"],
                "django": head["versions"]["django"],
                "size": filesizeformat(done.archive_bytes),
                "chunks": done.chunks,
            }
        )
        self._report(done, verbosity=options["verbosity"])

    def _report(self, done, *, verbosity: int) -> None:
        write = self.stdout.write
        counts = {"tables": done.tables, "rows": done.rows, "files": done.files}
        if done.checked_only:
            write(
                _("Inhoud: tabellen %(tables)s, rijen %(rows)s, bestanden %(files)s.") % counts
                + " "
                + _("Niets teruggezet (--check).")
            )
        else:
            write(
                self.style.SUCCESS(
                    _(
                        "Teruggezet in %(seconds).1f s: tabellen %(tables)s, rijen %(rows)s "
                        "(elke tabel zoveel als het manifest zegt), bestanden %(files)s."
                    )
                    % {**counts, "seconds": done.seconds}
                )
            )
        if verbosity >= 2:
            for table, rows in done.head["tables"].items():
                write(f"  {table}: {rows}")
        if done.newer_here:
            write(
                _("Deze code heeft %(count)s nieuwere migraties: draai `manage.py migrate`.")
                % {"count": len(done.newer_here)}
            )
        if done.keys_missing:
            write(
                self.style.WARNING(
                    _(
                        "De teksten zijn versleuteld met een sleutel die niet in "
                        "PRAKTIJK_ENCRYPTION_KEYS staat (vingerafdruk %(keys)s): zet die "
                        "sleutel terug, anders zijn de dossiers niet te lezen."
                    )
                    % {"keys": ", ".join(done.keys_missing)}
                )
            )
        if not done.checked_only:
            write(
                _(
                    "Daarna: wis opnieuw wie na deze back-up gewist is (`manage.py "
                    "reapply_erasures --from-log LOG`), en start de webprocessen en workers."
                )
            )
