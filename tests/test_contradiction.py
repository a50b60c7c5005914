"""The judge's checks for claims that share their source's words but not its meaning."""

from __future__ import annotations

from rag.answering.contradiction import number_values, polarity_problem, speaker_problem, speakers


def test_numbers_in_words_are_numbers() -> None:
    assert number_values("The call lasted nearly an hour.") == {"1"}
    assert number_values("nearly three hours") == {"3"}
    assert number_values("some ten thousand soldiers") == number_values("some 10,000 soldiers") == {"10000"}
    assert number_values("their sixth call") == {"#6"}  # an ordinal is not the cardinal 6
    assert number_values("six different districts") == {"6"}
    assert number_values("a second phone call") == {"#2"}


def test_negation_and_opposites_are_caught_and_agreement_is_not() -> None:
    source = "Despite Trump’s appeal, the Kremlin has not committed to a ceasefire."
    assert polarity_problem("The Kremlin has committed to a ceasefire.", source)
    assert polarity_problem("The Kremlin has not committed to a ceasefire.", source) is None
    admitted = "Trump himself admitted, “I didn’t make any progress with him at all,” referring to the war."
    assert polarity_problem("Trump admitted that he made progress with Putin.", admitted)
    canceled = "Thus, Trump canceled the missile package."
    assert polarity_problem("Trump approved the missile package.", canceled)
    assert polarity_problem("Trump canceled the package of missiles.", canceled) is None
    # A negation elsewhere in the sentence says nothing about the claim's words.
    mixed = "The U.S. would not arm Ukraine, showing the White House is focused on ending the war, not prolonging it."
    assert polarity_problem("The White House is focused on ending the war.", mixed) is None


def test_speaker_is_who_speaks_not_who_is_named() -> None:
    source = "President Donald Trump urged Russian President Vladimir Putin to halt military operations."
    assert speaker_problem("Putin urged Trump to halt military operations.", source)
    assert speaker_problem("Trump urged Putin to halt military operations.", source) is None
    quote, attribution = "‘Zelensky is coming to the White House on Friday,”", "Witkoff told Ushakov."
    assert speaker_problem("Ushakov told Witkoff that Zelensky was coming.", quote, attribution)
    assert speaker_problem("Witkoff told Ushakov that Zelensky was coming.", quote, attribution) is None
    # "He said": anyone named could be speaking, so nothing is claimed wrong.
    he_said = "He said he hopes to speak with Trump."
    assert speaker_problem("Zelenskyy said he hopes to speak with Trump.", he_said) is None
    assert speakers("“We’re having good talks,” Trump said.") == ({"Trump"}, False)
