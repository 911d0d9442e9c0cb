"""What the reader reads for a follow-up: the new question, with only what it leaves out."""

from __future__ import annotations

from assistant.retrieve.conversation import follow_up_question, previous_answer


def _history(question: str, answer: str = "Une réponse [1]") -> list[dict[str, str]]:
    return [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]


def test_a_follow_up_keeps_its_own_question_and_borrows_the_subject() -> None:
    asked = follow_up_question(
        "Et combien y en a-t-il dans la Vienne ?", _history("Qu'est-ce qu'une SCIC ?")
    )
    assert asked.startswith("Et combien y en a-t-il dans la Vienne ?")
    assert asked.endswith("(SCIC)")  # not "Qu'est-ce": the old question's asking words stay out


def test_a_question_that_stands_alone_is_read_as_is() -> None:
    question = "Combien de salariés compte la recyclerie des Couronneries ?"
    assert follow_up_question(question, _history("Qu'est-ce qu'une SCIC ?")) == question


def test_previous_answer_is_the_last_assistant_message() -> None:
    history = [*_history("Q1", "A1"), *_history("Q2", "A2")]
    assert previous_answer(history) == "A2"
    assert previous_answer([]) == ""


def test_the_year_before_or_after_is_written_out_from_the_conversation() -> None:
    from assistant.retrieve.conversation import resolve_relative_year

    history = _history("Who won the Coup de cœur ESS in 2023?", "In 2023 the winners were… [1]")
    # Elliptical: the question before, about the other year (what it names stays asked).
    assert resolve_relative_year("And the year before?", history) == (
        "Who won the Coup de cœur ESS in 2022?"
    )
    assert resolve_relative_year("Et l’année d’après ?", history) == (
        "Who won the Coup de cœur ESS in 2024?"
    )
    # A question of its own: the year written in place of "the year before".
    assert resolve_relative_year("Et combien étaient-ils un an plus tôt ?", history) == (
        "Et combien étaient-ils en 2022 ?"
    )
    # A year of its own, no relative year, or no year in the conversation: unchanged.
    for question in ("And in 2021?", "Who organises it?", "Et l'année dernière ?"):
        assert resolve_relative_year(question, history) == question
    no_year = _history("Qui organise le Coup de cœur ESS ?", "Grand Poitiers [1]")
    assert resolve_relative_year("Et l'année précédente ?", no_year) == "Et l'année précédente ?"
