import pytest

from homeshop_privacy.csv_safety import csv_safe


@pytest.mark.parametrize(
    "typed, exported",
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3+cmd", "'-2+3+cmd"),
        ("\t=1", "'\t=1"),
        ("+77012345678", "+77012345678"),
        ("-1500.00", "-1500.00"),
        ("Айгерим", "Айгерим"),
        ("", ""),
        (42, 42),
        (None, None),
    ],
)
def test_formula_cells_are_neutralised_and_phones_kept(typed, exported):
    assert csv_safe(typed) == exported
