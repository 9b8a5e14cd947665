"""How a failed test's example rows are shown: personal data never, long text cut."""

from __future__ import annotations

from revops_cli.build import _shown_value


def test_personal_columns_are_redacted_and_others_shown() -> None:
    assert _shown_value("email", "ann@example.com") == "[redacted]"
    assert _shown_value("requester_email", "ann@example.com") == "[redacted]"
    assert _shown_value("first_name", "Ann") == "[redacted]"
    assert _shown_value("stage_name", "demo") == "demo"  # a stage is not a person
    assert _shown_value("email", None) == "None"
    assert _shown_value("payment_id", "pay_1") == "pay_1"


def test_long_text_is_cut_to_sixty_characters() -> None:
    shown = _shown_value("note", "x" * 200)
    assert len(shown) == 58 and shown.endswith("…")
