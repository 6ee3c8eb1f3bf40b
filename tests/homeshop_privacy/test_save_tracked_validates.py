"""Issue 9 §5: every tracked save checks its fields first (``save_tracked``), so a value
the column cannot hold is a readable refusal, never a database error (a 500)."""

import pytest

from accounts.models import Address
from homeshop_privacy.errors import DomainError
from homeshop_privacy.history import save_tracked
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_a_value_longer_than_its_column_is_a_domain_error_and_writes_nothing():
    customer = CustomerFactory()
    address = Address(customer=customer, city="Алматы", street="у" * 256)
    with pytest.raises(DomainError) as excinfo:
        save_tracked(address, actor=None, reason="test")
    assert "street" in excinfo.value.message_dict
    assert Address.objects.count() == 0
    assert Address.history.count() == 0
