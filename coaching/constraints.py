"""A foreign key over two columns, as a model constraint, for a copy of a column that the
database keeps equal to its source (a traject's coach is its client's coach).

Django has no composite foreign keys. As a constraint in `Meta.constraints` the key is part of
the model's state: PostgreSQL gets it with ALTER TABLE, and SQLite (which can only declare a
foreign key in CREATE TABLE) gets it in every rebuild of the table that Django makes to alter
it, so a later migration cannot lose it."""

from django.core.exceptions import ValidationError
from django.db.models import BaseConstraint
from django.db.utils import DEFAULT_DB_ALIAS


class CompositeForeignKey(BaseConstraint):
    """FOREIGN KEY (fields) REFERENCES target (to_fields) ON UPDATE CASCADE, checked at commit
    like Django's own foreign keys. The first field is a foreign key: the target is its model,
    and the target's `to_fields` need a unique constraint together.

    ON UPDATE CASCADE: a change of the referenced row's column is carried over to the rows that
    copy it, by the database, in the same statement; any other difference is refused."""

    def __init__(self, *, fields, to_fields, name: str, **kwargs):
        super().__init__(name=name, **kwargs)
        self.fields = tuple(fields)
        self.to_fields = tuple(to_fields)
        if len(self.fields) != len(self.to_fields) or len(self.fields) < 2:
            raise ValueError("CompositeForeignKey needs two or more fields, as many on each side.")

    def _target(self, model):
        # Through the foreign key's field, not by name: in a migration, and in the copy of a
        # model that SQLite's rebuild of a table makes, the target is the one of that state.
        return model._meta.get_field(self.fields[0]).remote_field.model

    def _sql(self, model, schema_editor) -> dict:
        target = self._target(model)
        quote = schema_editor.quote_name
        columns = (model._meta.get_field(name).column for name in self.fields)
        to_columns = (target._meta.get_field(name).column for name in self.to_fields)
        return {
            "name": quote(self.name),
            "table": quote(model._meta.db_table),
            "columns": ", ".join(quote(column) for column in columns),
            "to_table": quote(target._meta.db_table),
            "to_columns": ", ".join(quote(column) for column in to_columns),
        }

    def constraint_sql(self, model, schema_editor) -> str:
        return (
            "CONSTRAINT {name} FOREIGN KEY ({columns}) REFERENCES {to_table} ({to_columns}) "
            "ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED"
        ).format(**self._sql(model, schema_editor))

    def create_sql(self, model, schema_editor) -> str:
        sql = self._sql(model, schema_editor)
        return f"ALTER TABLE {sql['table']} ADD {self.constraint_sql(model, schema_editor)}"

    def remove_sql(self, model, schema_editor) -> str:
        sql = self._sql(model, schema_editor)
        return "ALTER TABLE {table} DROP CONSTRAINT {name}".format(**sql)

    def validate(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS) -> None:
        """Model validation (a form's full_clean): the referenced row must have these values.
        Skipped while a value is not set yet (the model's save() fills in the copy)."""
        if exclude and set(self.fields) & set(exclude):
            return
        values = [getattr(instance, model._meta.get_field(name).attname) for name in self.fields]
        if any(value is None for value in values):
            return
        target = self._target(model)
        lookup = {
            target._meta.get_field(name).attname: value
            for name, value in zip(self.to_fields, values, strict=True)
        }
        if not target._default_manager.using(using).filter(**lookup).exists():
            raise ValidationError(
                self.get_violation_error_message(), code=self.violation_error_code
            )

    def deconstruct(self):
        path, args, kwargs = super().deconstruct()
        kwargs.update(fields=self.fields, to_fields=self.to_fields)
        return path, args, kwargs

    def __eq__(self, other):
        if isinstance(other, CompositeForeignKey):
            return self.deconstruct() == other.deconstruct()
        return super().__eq__(other)

    def __repr__(self) -> str:
        return (
            f"<{self.__class__.__name__}: fields={self.fields!r} to_fields={self.to_fields!r} "
            f"name={self.name!r}>"
        )
