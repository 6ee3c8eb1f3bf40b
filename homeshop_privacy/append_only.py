"""Legal records that are written once (STYLE: a filing is append-only).

Consent events, disclosures, voids, breach notices: saving over an existing row,
deleting one, and queryset ``update``/``delete``/``bulk_update`` all raise
``ImmutableRecordError``. A correction is a new row. The apps' migrations add a
PostgreSQL trigger so that raw SQL is refused too.
"""

from django.db import models


class ImmutableRecordError(TypeError):
    """An attempt to change or delete a row of an append-only legal record (a bug, not input)."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableRecordError(f"{self.model.__name__} rows are never updated.")

    def delete(self):
        raise ImmutableRecordError(f"{self.model.__name__} rows are never deleted.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise ImmutableRecordError(f"{self.model.__name__} rows are never updated.")

    update.queryset_only = True
    delete.queryset_only = True


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableRecordError(
                f"{type(self).__name__} {self.pk} is append-only: a wrong entry is corrected "
                "by a new entry, never edited."
            )
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecordError(
            f"{type(self).__name__} {self.pk} is append-only: delete refused."
        )
