from sheetsync.core.headers import map_columns
from sheetsync.core.schema import CHECKINS, PARTNERS, normalise_header


def test_headers_match_by_name_in_any_order_with_aliases() -> None:
    header = ["Notes", " E-MAIL ", "name", "Partner ID", "Sync Status", "Next touch",
              "Favourite biscuit"]
    cmap = map_columns(PARTNERS, "Partners", header)
    assert cmap.index["Email"] == 1
    assert cmap.index["Name"] == 2
    assert cmap.index["Partner ID"] == 3
    assert cmap.header_text["Email"] == " E-MAIL "
    assert cmap.missing_required == ()
    assert "Favourite biscuit" not in cmap.header_text.values()


def test_missing_required_column_is_named() -> None:
    cmap = map_columns(PARTNERS, "Partners", ["Email", "Stage"])
    assert cmap.missing_required == ("Name",)


def test_exact_name_beats_alias() -> None:
    # "Email" is an alias of "Client email" on Check-ins; the exact column must win.
    cmap = map_columns(CHECKINS, "Check-ins", ["Email", "Client email", "Client"])
    assert cmap.index["Client email"] == 1


def test_normalise_header_folds_accents_case_punctuation() -> None:
    assert normalise_header("Spécialité ") == normalise_header("specialite")
    assert normalise_header("Check-in every (days)") == "checkineverydays"
