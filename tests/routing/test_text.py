"""The normaliser: what a registrar types in either language reads the same to the model."""

from appeals.routing.text import fold, normalise


def test_it_lowercases_and_reads_yo_as_ye():
    assert normalise("Течёт КРЫША!!!") == "течет крыша"


def test_it_turns_latin_look_alikes_inside_cyrillic_words_into_cyrillic():
    # "пaтер" typed with a Latin "a"; a lone Latin "i" is the Kazakh "і"
    assert normalise("пaтер i") == "патер і"


def test_it_keeps_kazakh_letters_and_folding_maps_them_to_their_look_alikes():
    assert normalise("Шатыр ағып тұр") == "шатыр ағып тұр"
    assert fold("Шатыр ағып тұр") == "шатыр агып тур"
    assert fold("шатыр агып тур") == fold("ШАТЫР АҒЫП ТҰР")


def test_numbers_become_one_token():
    assert normalise("дом 14, кв. 27") == "дом 0 кв 0"
