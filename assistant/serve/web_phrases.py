"""The web chat's own words, in French and English, and its example questions.

The interface follows the language of the conversation: French until someone asks in
English.
"""

from __future__ import annotations

UI: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Assistant ESS de Grand Poitiers",
        "subtitle": "Des réponses courtes sur l'économie sociale et solidaire de Grand "
        "Poitiers, chaque phrase citée mot pour mot depuis un document source. "
        "Cliquez sur un renvoi [1] pour voir le passage.",
        "chat_tab": "Conversation",
        "sources_tab": "Sources",
        "placeholder": "Posez votre question, en français ou en anglais…",
        "send": "Envoyer",
        "clear": "Nouvelle conversation",
        "examples": "Exemples",
        "panel_empty": "Les passages cités apparaîtront ici, surlignés dans leur paragraphe.",
        "panel_title": "Passages cités",
        "question": "Question",
        "not_found": "Pas trouvé dans les sources : voici les passages les plus proches.",
        "searching": "Recherche dans les sources…",
        "error": "Le service ne peut pas répondre pour l'instant : {reason}",
        "thanks": "Merci, votre avis est enregistré.",
        "open_document": "ouvrir le document",
        "copies": "même texte dans",
        "file_date": "date du fichier : le document n'en donne pas",
        "document": "Document",
        "publisher": "Éditeur",
        "date": "Date",
        "language": "Langue",
        "chunks": "Passages indexés",
        "indexed": "Indexé le",
        "status": "État de l'index",
        "status_line": "{documents} documents, {chunks} passages ; génération {generation}, "
        "construite le {built_at}.",
        "skipped": "Fichiers écartés",
        "no_index": "Aucun index : lancez `python -m assistant index`.",
        "translation_of": "traduction de {other}",
        "backend_failed": "Modèle indisponible, réponse extractive : {reason}",
        "fallback": "Réponse extractive : aucune phrase du modèle n'était appuyée par sa source.",
        "dropped": "{count} phrase(s) du modèle retirée(s) : non appuyée(s) par leur source.",
    },
    "en": {
        "title": "Grand Poitiers ESS assistant",
        "subtitle": "Short answers about the social and solidarity economy of Grand Poitiers, "
        "every sentence quoted word for word from a source document. "
        "Click a marker [1] to see its passage.",
        "chat_tab": "Conversation",
        "sources_tab": "Sources",
        "placeholder": "Ask your question, in English or French…",
        "send": "Send",
        "clear": "Start over",
        "examples": "Examples",
        "panel_empty": "Cited passages will show here, highlighted in their paragraph.",
        "panel_title": "Cited passages",
        "question": "Question",
        "not_found": "Not found in the sources: here are the closest passages.",
        "searching": "Searching the sources…",
        "error": "The service cannot answer right now: {reason}",
        "thanks": "Thank you, your feedback is saved.",
        "open_document": "open the document",
        "copies": "same text in",
        "file_date": "file date: the document gives none",
        "document": "Document",
        "publisher": "Publisher",
        "date": "Date",
        "language": "Language",
        "chunks": "Indexed passages",
        "indexed": "Indexed",
        "status": "Index status",
        "status_line": "{documents} documents, {chunks} passages; generation {generation}, "
        "built {built_at}.",
        "skipped": "Skipped files",
        "no_index": "No index: run `python -m assistant index`.",
        "translation_of": "translation of {other}",
        "backend_failed": "Model unavailable, extractive answer: {reason}",
        "fallback": "Extractive answer: no sentence of the model was supported by its source.",
        "dropped": "{count} sentence(s) of the model removed: not supported by their source.",
    },
}

# Questions the corpus answers, chosen to show its range: people, places, dates, policy.
EXAMPLES: dict[str, list[str]] = {
    "fr": [
        "Qui a posé la première pierre de la Maison de l'ESS à Niort ?",
        "Quel pourcentage des emplois représente l'ESS dans Grand Poitiers ?",
        "Quels tiers-lieux portent ensemble le projet Embarcadère ?",
        "Quelles sont vos sources ?",
    ],
    "en": [
        "How many people are employed at Les Usines?",
        "What did the Poitiers agglomeration adopt at the end of 2021 to promote the "
        "social economy?",
        "How many third places did the agglomeration have before the call for expressions "
        "of interest?",
    ],
}


def text(language: str, key: str, **values: object) -> str:
    """The interface string ``key`` in ``language`` (French when unknown)."""
    table = UI.get(language, UI["fr"])
    return table[key].format(**values) if values else table[key]
