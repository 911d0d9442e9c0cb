"""The bundled English-French glossary (assistant/data/glossary-en-fr.tsv) is well formed:
a reviewed file, read line by line by :meth:`assistant.text.glossary.Glossary.load`."""

from __future__ import annotations

from assistant.text.glossary import DEFAULT_GLOSSARY, Glossary


def _pairs() -> list[tuple[int, str, list[str]]]:
    out = []
    for number, line in enumerate(DEFAULT_GLOSSARY.read_text(encoding="utf-8").splitlines(), 1):
        if not line or line.startswith("#"):
            continue
        fields = line.split("\t")
        assert len(fields) == 2, f"line {number}: English<TAB>French expected: {line!r}"
        out.append((number, fields[0], fields[1].split("|")))
    return out


def test_every_pair_is_one_term_and_its_distinct_translations() -> None:
    seen: dict[str, int] = {}
    for number, english, french in _pairs():
        assert english == english.strip() and english, f"line {number}"
        assert english.lower() not in seen, f"line {number} repeats line {seen[english.lower()]}"
        seen[english.lower()] = number
        assert all(a and a == a.strip() for a in french), f"line {number}: empty or padded"
        assert len({a.lower() for a in french}) == len(french), f"line {number}: repeated"


def test_the_glossary_covers_the_fields_common_vocabulary() -> None:
    # Issue 15: hundreds of pairs, so that an English question's usual words reach French
    # documents (employees, volunteers, grants, third places, cooperatives...).
    pairs = _pairs()
    assert len(pairs) >= 300
    glossary = Glossary.load()
    for english, french in [
        ("volunteers", "bénévoles"),
        ("third place", "tiers-lieu"),
        ("employees", "salariés"),
        ("social and solidarity economy", "économie sociale et solidaire"),
    ]:
        assert french in glossary.translate(english, "en"), english
