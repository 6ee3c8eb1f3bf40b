import pytest
from django.core.exceptions import ValidationError

from disclosures.validators import bin_check_digit, is_valid_bin, validate_bin


@pytest.mark.parametrize(
    "value",
    [
        "971240001315",  # JSC Kaspi Bank
        "000140002217",  # JSC Kazpost
    ],
)
def test_real_bins_pass(value):
    assert is_valid_bin(value)


@pytest.mark.parametrize(
    "value",
    [
        "971240001316",  # check digit off by one
        "000140002210",
        "97124000131",  # 11 digits
        "9712400013150",  # 13 digits
        "97124000131a",
        "９７１２４０００１３１５",  # full-width digits are not ASCII
        "",
    ],
)
def test_wrong_bins_fail(value):
    assert not is_valid_bin(value)


def test_second_weights_used_when_first_sum_gives_ten():
    # 1*1 + 9*2 = 19, 19 mod 11 = 8 -> use a number whose first pass gives 10:
    # weights 1..11 over 00000000010 -> 10*... find it explicitly.
    first = "00000000010"  # 1*10 = 10 with the first weights
    assert sum(int(d) * w for d, w in zip(first, range(1, 12), strict=True)) % 11 == 10
    # second weights 3..11,1,2: the 1 sits under weight 1 -> check digit 1
    assert bin_check_digit(first) == 1
    assert is_valid_bin(first + "1")


def test_validator_message_names_the_bin():
    with pytest.raises(ValidationError) as exc:
        validate_bin("971240001316")
    assert exc.value.code == "invalid_bin"
