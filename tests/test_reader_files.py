"""The reader's weights: loaded lazily, and a missing or broken file names its rebuild."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from assistant.answer.reader import (
    CONFIG_FILE,
    READER_DIR,
    REBUILD,
    WEIGHTS_FILE,
    Reader,
    ReaderInput,
    best_span,
)
from assistant.errors import ReaderError

CANDIDATE = [ReaderInput("La Maison de l'ESS ouvre de 9 heures à 17 heures.")]


def test_construction_loads_nothing(tmp_path: Path) -> None:
    reader = Reader(tmp_path / "nowhere")  # no error until it is used
    assert reader.read("Quand ?", []) == []


def test_a_missing_folder_names_the_rebuild_command(tmp_path: Path) -> None:
    with pytest.raises(ReaderError, match=REBUILD):
        Reader(tmp_path / "nowhere").read("Quand ouvre la Maison ?", CANDIDATE)


def test_missing_weights_name_the_file_and_the_command(tmp_path: Path) -> None:
    shutil.copy(READER_DIR / CONFIG_FILE, tmp_path / CONFIG_FILE)
    with pytest.raises(ReaderError, match=rf"{WEIGHTS_FILE}.*missing.*{REBUILD}"):
        Reader(tmp_path).read("Quand ouvre la Maison ?", CANDIDATE)


def test_a_changed_file_fails_its_checksum(tmp_path: Path) -> None:
    shutil.copy(READER_DIR / CONFIG_FILE, tmp_path / CONFIG_FILE)
    (tmp_path / WEIGHTS_FILE).write_bytes(b"not safetensors at all")
    with pytest.raises(ReaderError, match=rf"checksum.*{REBUILD}"):
        Reader(tmp_path).read("Quand ouvre la Maison ?", CANDIDATE)


@pytest.mark.slow
def test_a_corrupt_file_is_named(tmp_path: Path) -> None:
    config = json.loads((READER_DIR / CONFIG_FILE).read_text(encoding="utf-8"))
    config.pop("sha256")
    (tmp_path / CONFIG_FILE).write_text(json.dumps(config), encoding="utf-8")
    (tmp_path / WEIGHTS_FILE).write_bytes(b"\x00" * 64)
    with pytest.raises(ReaderError, match=rf"corrupt.*{REBUILD}"):
        Reader(tmp_path).read("Quand ouvre la Maison ?", CANDIDATE)


@pytest.mark.slow
def test_the_shipped_reader_prefers_the_answer_in_either_language() -> None:
    reader = Reader()
    answer = ReaderInput("La Maison de l'ESS ouvre du lundi au vendredi, de 9 heures à 17 heures.")
    other = ReaderInput("La Maison de l'ESS accueille dix-huit structures de l'économie sociale.")
    for question in ("Quand ouvre la Maison de l'ESS ?", "When is the Maison de l'ESS open?"):
        readings = reader.read(question, [answer, other])
        assert readings[0].logit > readings[1].logit, question
        start, end = readings[0].span
        assert 0 <= start <= end <= len(answer.sentence)
    assert (WEIGHTS_FILE and (READER_DIR / WEIGHTS_FILE).stat().st_size) < 30_000_000


@pytest.mark.slow
def test_a_question_longer_than_the_reader_window_is_read() -> None:
    question = "Quand ouvre la Maison de l'ESS ? " * 60  # ~600 tokens, past MAX_LENGTH
    readings = Reader().read(question, CANDIDATE)
    assert len(readings) == 1


def test_best_span_stays_inside_the_sentence() -> None:
    # tokens: [CLS] q [SEP] s1 s2 [SEP] ctx [SEP]; the context token has the best logits
    sequence = [None, 0, None, 1, 1, None, 1, None]
    offsets = [(0, 0), (0, 5), (0, 0), (0, 3), (4, 9), (0, 0), (16, 20), (0, 0)]
    start = [0, 0, 0, 1.0, 0.5, 0, 9.0, 0]
    end = [0, 0, 0, 0.2, 2.0, 0, 9.0, 0]
    span, score = best_span(start, end, offsets, sequence, sentence_chars=9)
    assert span == (0, 9) and score == pytest.approx(3.0)


def test_the_shipped_calibration_reads_the_logit_beside_the_selectors_signals() -> None:
    from assistant.answer import selector
    from assistant.answer.calibration import FEATURES, Calibration

    calibration = Calibration.from_reader(Reader())
    assert ("logit", *selector.FEATURES, "grounded") == FEATURES
    assert len(calibration.coefficients) == len(FEATURES)
    assert 0.0 < calibration.threshold < 1.0
    signals = [0.0] * len(selector.FEATURES)
    low = calibration.probability(calibration.features(logit=-5.0, signals=signals))
    high = calibration.probability(calibration.features(logit=5.0, signals=signals))
    assert low < high  # a higher reader logit never lowers the probability


def test_a_calibration_for_other_features_is_refused(tmp_path: Path) -> None:
    from assistant.answer.calibration import Calibration

    path = tmp_path / "calibration.json"
    path.write_text(
        json.dumps(
            {
                "features": ["logit", "lexical"],
                "coefficients": [1, 1],
                "intercept": 0,
                "threshold": 0.5,
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="calibrate_reader"):
        Calibration.load(path)


@pytest.mark.slow
def test_the_e5_pair_tokenizer_gives_offsets_into_the_text_as_written() -> None:
    from assistant.answer.reader import encode_pairs
    from assistant.answer.reader_network import E5_BASE, base_tokenizer

    tokenizer = base_tokenizer(E5_BASE)
    sentence = "Répar’Tout a reçu 9 500 €  pour l’atelier ﬁxe."  # NFKC changes "ﬁ", "’" kept
    encoded = encode_pairs(tokenizer, ["Quelle subvention ?"], [ReaderInput(sentence, "Titre")])
    sequence = encoded.sequence_ids(0)
    offsets = encoded["offset_mapping"][0].tolist()
    pieces = [sentence[a:b] for s, (a, b) in zip(sequence, offsets, strict=True) if s == 1]
    inside = "".join(pieces)
    assert inside.replace(" ", "").startswith(sentence.replace(" ", ""))
    assert sequence[0] is None and sequence.count(0) >= 2  # <s> question </s></s> text </s>
    assert encoded["input_ids"][0][0] == 0 and encoded["input_ids"][0][-1] == 2


def test_each_base_keeps_its_own_weights_frozen() -> None:
    from assistant.answer.reader_network import E5_BASE, is_frozen

    assert is_frozen("encoder.embeddings.word_embeddings.weight", E5_BASE)
    assert is_frozen("encoder.encoder.layer.5.output.dense.weight", E5_BASE)
    assert not is_frozen("encoder.encoder.layer.6.output.dense.weight", E5_BASE)
    assert not is_frozen("relevance.weight", E5_BASE)
    minilm = "sentence-transformers/all-MiniLM-L6-v2"
    assert is_frozen("encoder.embeddings.word_embeddings.weight", minilm)
    assert not is_frozen("encoder.encoder.layer.0.output.dense.weight", minilm)
