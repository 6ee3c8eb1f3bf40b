"""The bench's data generator keeps up with the schema.

``bench_data.generate`` writes every table in plain SQL, so a new NOT NULL column without a
database default breaks it silently until someone runs ``make bench`` at scale. This runs
it at its smallest size on the test database and checks each table got its rows.
"""

import pytest
from django.db import connection

from homeshop_privacy import bench_data

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_generator_fills_every_table_on_the_current_schema():
    sizes = bench_data.generate(scale=0.00001, log=lambda *_: None)
    counted = {}
    with connection.cursor() as cursor:
        for step, table in bench_data.STEP_TABLES.items():
            cursor.execute(f"SELECT count(*) FROM {table}")
            counted[step] = cursor.fetchone()[0]
    assert sizes["customers"] == 10
    assert counted["customers"] == sizes["customers"]
    assert counted["orders"] == sizes["orders"]
    assert counted["claims"] == sizes["claims"]
    assert all(counted[step] > 0 for step in bench_data.STEP_TABLES), counted
