from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from coaching.backup import BackupError, make_backup, prune


class Command(BaseCommand):
    help = (
        "Writes one encrypted archive of the practice into DIR: the database (PostgreSQL: "
        "pg_dump; SQLite: its online backup), the uploaded files and a manifest. Encrypted with "
        "the first key of PRAKTIJK_BACKUP_KEYS; keep that key somewhere else than the archives. "
        "--keep N deletes all but the N newest archives in DIR."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "directory", nargs="?", help="where the archive goes (default PRAKTIJK_BACKUP_DIR)"
        )
        parser.add_argument("--keep", type=int, default=0, help="keep only the N newest archives")

    def handle(self, *args, directory=None, keep: int = 0, **options):
        directory = directory or settings.PRAKTIJK_BACKUP_DIR
        if not directory:
            raise CommandError(_("Geef een map, of zet PRAKTIJK_BACKUP_DIR."))
        try:
            made = make_backup(directory)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            _(
                "Back-up geschreven: %(path)s (%(size)s in %(seconds).1f s; tabellen %(tables)s, "
                "rijen %(rows)s, bestanden %(files)s)."
            )
            % {
                "path": made.path,
                "size": filesizeformat(made.size),
                "seconds": made.seconds,
                "tables": made.tables,
                "rows": made.rows,
                "files": made.files,
            }
        )
        for path in prune(directory, keep) if keep else []:
            self.stdout.write(_("Oude back-up verwijderd: %(path)s") % {"path": path})
