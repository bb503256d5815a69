"""Migration operations that keep the big tables open for writing while they run.

PostgreSQL's plain CREATE INDEX holds a lock that blocks every write to the table until the
index is built (seconds to minutes on the appointments, the outbox or the audit log at a large
practice). ``AddIndexConcurrently`` builds it with CREATE INDEX CONCURRENTLY there (a migration
using it says ``atomic = False``), and is a plain AddIndex on SQLite. docs/production.md
("Writing a migration") has the rest of the pattern; coaching/tests/test_migrations_safe.py holds
every migration to it.
"""

from django.db import migrations


class AddIndexConcurrently(migrations.AddIndex):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.add_index(model, self.index, concurrently=True)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            index = from_state.models[app_label, self.model_name_lower].get_index_by_name(
                self.index.name
            )
            schema_editor.remove_index(model, index, concurrently=True)
