"""The web chat's own words, in French and English, and its example questions.

The interface follows the language of the conversation: French until someone asks in
English.
"""

from __future__ import annotations

import re

UI: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Assistant ESS de Grand Poitiers",
        "subtitle": "Des réponses courtes sur l'économie sociale et solidaire de Grand "
        "Poitiers, chaque phrase citée mot pour mot depuis un document source. "
        "Cliquez sur un renvoi [1] pour voir le passage.",
        "chat_tab": "Conversation",
        "sources_tab": "Sources",
        "backend_label": "Réponses écrites par",
        "export": "Exporter la conversation (Markdown)",
        "backend_extractive": "Citations seules (sans modèle)",
        "french_source": "Cité d'une source en français.",
        "english_version": "Version anglaise : {links}.",
        "documents_title": "Ajouter ou retirer des documents",
        "stage_load": "lecture des fichiers",
        "stage_chunk": "découpage",
        "stage_diff": "comparaison",
        "stage_copy": "copie de l'index",
        "stage_embed": "calcul des vecteurs",
        "stage_sentences": "vecteurs des phrases",
        "stage_keyword": "index des mots",
        "stage_save": "enregistrement",
        "stage_switch": "bascule",
        "upload_label": "Déposez des fichiers ici (.txt, .md, .html, .pdf, .docx), plusieurs à la "
        "fois",
        "add_documents": "Ajouter à l'index",
        "no_files": "Choisissez d'abord un ou plusieurs fichiers.",
        "upload_ok": "{name} : ajouté ({stored})",
        "upload_refused": "{name} : refusé : {reason}",
        "indexing": "Indexation en cours : {percent} % ({stage}). Les réponses viennent encore de "
        "l'index actuel.",
        "index_ready": "Index à jour : génération {generation}, {documents} documents. Les "
        "réponses en tiennent compte.",
        "index_failed": "L'indexation a échoué : {error}. Les réponses viennent toujours de "
        "l'index précédent.",
        "remove_label": "Document à retirer",
        "remove_document": "Retirer",
        "removed": "{doc} : retiré (fichier déplacé dans {trash}) ; il quitte l'index à la fin de "
        "la reconstruction.",
        "nothing_selected": "Choisissez d'abord un document.",
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
        "backend_label": "Answers written by",
        "export": "Export the conversation (Markdown)",
        "backend_extractive": "Quotes only (no model)",
        "french_source": "Quoted from a French source.",
        "english_version": "English version: {links}.",
        "documents_title": "Add or remove documents",
        "stage_load": "reading files",
        "stage_chunk": "chunking",
        "stage_diff": "comparing",
        "stage_copy": "copying the index",
        "stage_embed": "embedding",
        "stage_sentences": "sentence vectors",
        "stage_keyword": "keyword index",
        "stage_save": "saving",
        "stage_switch": "switching",
        "upload_label": "Drop files here (.txt, .md, .html, .pdf, .docx), several at once",
        "add_documents": "Add to the index",
        "no_files": "Choose one or more files first.",
        "upload_ok": "{name}: added ({stored})",
        "upload_refused": "{name}: refused: {reason}",
        "indexing": "Indexing: {percent} % ({stage}). Answers still come from the current index.",
        "index_ready": "Index up to date: generation {generation}, {documents} documents. Answers "
        "now use it.",
        "index_failed": "Indexing failed: {error}. Answers still come from the previous index.",
        "remove_label": "Document to remove",
        "remove_document": "Remove",
        "removed": "{doc}: removed (file moved to {trash}); it leaves the index when the rebuild "
        "ends.",
        "nothing_selected": "Choose a document first.",
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


# The refusal reasons the loaders give most (in English, as the build report and the API
# say them), in French for the French page; any other reason is shown as it is.
_REASONS_FR = (
    (re.compile(r"^empty file$"), "fichier vide"),
    (
        re.compile(r"^unsupported format (\S+): send (.+)$"),
        r"format \1 non pris en charge : envoyez \2",
    ),
    (
        re.compile(r"^over the (.+) limit \(setting max_file_mb\)$"),
        r"au-delà de la limite de \1 (réglage max_file_mb)",
    ),
    (re.compile(r"^binary content"), "contenu binaire, pas du texte"),
    (re.compile(r"^no extractable text"), "aucun texte lisible"),
)


def reason(language: str, said: str) -> str:
    """A loader's refusal reason in ``language`` (French when the pattern is known)."""
    if language != "fr":
        return said
    for pattern, french in _REASONS_FR:
        if pattern.search(said):
            return pattern.sub(french, said)
    return said
