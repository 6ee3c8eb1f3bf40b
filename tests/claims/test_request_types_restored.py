"""Issue 11: the data-subject request types seeded by migration 0009 are reference data:
a flush (as between transactional tests) empties the table, ``post_migrate`` puts them
back from ``claims.reference_data``, and an officer's edits are never overwritten."""

import importlib

import pytest
from django.core.management import call_command

from claims import reference_data
from claims.models import ClaimCategory, TermUnit

CODES = {code for code, *_rest in reference_data.TYPES}


def test_the_reference_data_is_what_the_migration_seeded():
    seeded = importlib.import_module("claims.migrations.0009_seed_data_subject_request_types")
    assert [tuple(row) for row in reference_data.TYPES] == [tuple(row) for row in seeded.TYPES]


@pytest.mark.django_db(transaction=True)
def test_a_flush_brings_the_request_types_back():
    call_command("flush", interactive=False, verbosity=0)
    restored = ClaimCategory.objects.filter(code__in=CODES)
    assert set(restored.values_list("code", flat=True)) == CODES
    rectification = restored.get(code="dsr-rectification")
    assert (rectification.term_days, rectification.term_unit) == (1, TermUnit.WORKING)
    assert rectification.needs_identity_check
    assert rectification.name_kk and rectification.name_en


@pytest.mark.django_db
def test_an_officers_edit_is_kept_and_a_missing_type_is_created():
    access = ClaimCategory.objects.get(code="dsr-access")
    access.term_days, access.name_en = 10, "Access (edited by an officer)"
    access.save()
    ClaimCategory.objects.filter(code="dsr-destruction").delete()

    assert reference_data.request_types_ensure() == 1

    access.refresh_from_db()
    assert (access.term_days, access.name_en) == (10, "Access (edited by an officer)")
    assert ClaimCategory.objects.filter(code="dsr-destruction", term_days=1).exists()
    assert reference_data.request_types_ensure() == 0
