"""The Gradio web chat: a thin layer over :class:`~assistant.core.Assistant`.

Imports Gradio: only :mod:`assistant.serve.app` imports this module, when serving.

Answers stream into a chat; their ``[n]`` markers link to a panel beside it where each
cited passage is highlighted inside its paragraph. The interface speaks the language of
the conversation.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from functools import cached_property
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from assistant.answers import Answer
from assistant.errors import describe
from assistant.retrieve.conversation import conversation_language
from assistant.serve.feedback import FeedbackLog
from assistant.serve.web_html import (
    answer_highlights,
    answer_markdown,
    citations_panel,
    conversation_markdown,
    document_href,
    escape_markdown,
    sources_view,
)
from assistant.serve.web_phrases import EXAMPLES, reason, text

if TYPE_CHECKING:
    from assistant.core import Assistant
    from assistant.index.snapshot import Snapshot

log = logging.getLogger(__name__)

# What every chat handler returns, in order.
OUTPUTS = ("chat", "question", "panel", "turns", "conversation", "header", "send", "clear")

CSS = """
#ess-header h1 { margin-bottom: .2rem; }
.ess-panel { max-height: 72vh; overflow-y: auto; padding-right: .4rem; }
.ess-panel .turn { border-top: 1px solid var(--border-color-primary); padding-top: .6rem; }
.ess-panel .turn-question span { font-weight: 600; margin-right: .3rem; }
.ess-panel .not-found { background: #fff4e5; color: #7a4100; padding: .4rem .6rem;
  border-radius: .4rem; }
.citation { margin: .6rem 0; padding: .5rem .7rem; border-radius: .5rem;
  border: 1px solid var(--border-color-primary); transition: box-shadow .3s; }
.citation .marker { font-weight: 700; color: var(--color-accent); }
.citation .meta { font-size: .85em; opacity: .8; margin: .1rem 0 .3rem; }
.citation blockquote { margin: 0; white-space: pre-wrap; font-size: .92em; }
.citation mark { background: #ffe58a; color: inherit; padding: 0 .1rem; }
.citation.flash { box-shadow: 0 0 0 3px var(--color-accent); }
#chat a[href^="#cite-"] { font-weight: 700; text-decoration: none;
  color: var(--color-accent); padding: 0 .1rem; border-radius: .25rem; }
#chat a[href^="#cite-"]:hover { background: var(--color-accent-soft); }
#examples { flex-wrap: wrap; gap: .4rem; }
#examples button.example { flex: 0 1 auto; width: auto; min-width: 0; }
#examples .examples-label { flex: 0 0 100%; margin: .4rem 0 0; opacity: .75; }
.ess-sources { overflow-x: auto; }  /* a phone scrolls the table instead of cutting it */
.ess-sources table { width: 100%; border-collapse: collapse; }
.ess-sources th, .ess-sources td { text-align: left; padding: .3rem .5rem;
  border-bottom: 1px solid var(--border-color-primary); vertical-align: top; }
.ess-sources td.num { text-align: right; }
.index-status progress { width: 12rem; vertical-align: middle; margin-right: .4rem; }
/* A phone: the cited passages right after the answer, the examples after them. */
@media (max-width: 768px) {
  #chat-row { flex-direction: column; }
  #chat-column { display: contents; }
  #panel-column { order: 2; }
  #examples { order: 3; }
}
"""

# Markers are ordinary links to "#cite-<turn>-<n>"; this brings the passage into view in
# the panel instead of letting the chat open the link in a new tab.
HEAD = """
<script>
document.addEventListener("click", function (event) {
  var link = event.target && event.target.closest ? event.target.closest("a") : null;
  if (!link) return;
  var href = link.getAttribute("href") || "";
  var at = href.indexOf("#cite-");
  if (at < 0) return;
  event.preventDefault();
  event.stopPropagation();
  var card = document.getElementById(href.slice(at + 1));
  if (!card) return;
  card.scrollIntoView({behavior: "smooth", block: "center"});
  card.classList.add("flash");
  setTimeout(function () { card.classList.remove("flash"); }, 1800);
}, true);
</script>
"""


class ChatApp:
    """The handlers behind the page; each returns Gradio updates."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.feedback = FeedbackLog(assistant.settings.web.feedback_file)

    def _snapshot(self) -> Snapshot | None:
        try:
            return self.assistant.snapshot()
        except Exception:  # the page still works without an index: it says so
            return None

    def chrome(self, language: str, question: str | None = None) -> tuple[Any, ...]:
        """The input box (emptied when ``question`` is ""), header and buttons in ``language``."""
        placeholder = text(language, "placeholder")
        return (
            gr.update(placeholder=placeholder)
            if question is None
            else gr.update(value=question, placeholder=placeholder),
            f"# {text(language, 'title')}\n{text(language, 'subtitle')}",
            gr.update(value=text(language, "send")),
            gr.update(value=text(language, "clear")),
        )

    def respond(
        self,
        question: str,
        messages: list[dict[str, Any]] | None,
        turns: list[dict[str, Any]] | None,
        conversation: list[dict[str, str]] | None,
        backend: str | None = None,
    ) -> Iterator[tuple[Any, ...]]:
        """Stream one answer: chat, input box, panel, the two states, header, buttons."""
        messages = list(messages or [])
        turns = list(turns or [])
        conversation = list(conversation or [])
        question = (question or "").strip()
        if not question:
            yield (gr.skip(),) * len(OUTPUTS)
            return
        language = conversation_language(question, conversation)
        turn = len(turns)
        messages.append({"role": "user", "content": escape_markdown(question)})
        messages.append({"role": "assistant", "content": f"*{text(language, 'searching')}*"})
        box, *labels = self.chrome(language, question="")
        yield (messages, box, gr.skip(), turns, conversation, *labels)
        box, *labels = self.chrome(language)
        keep = (box, gr.skip(), turns, conversation, *labels)
        draft = ""
        try:
            answer: Answer | None = None
            for item in self.assistant.stream(question, conversation, llm=backend or None):
                if isinstance(item, Answer):
                    answer = item
                    break
                draft += item
                messages[-1] = {"role": "assistant", "content": answer_markdown(draft, turn)}
                yield (messages, *keep)
            if answer is None:  # pragma: no cover - every stream ends with its Answer
                raise RuntimeError("the answer stream ended without an answer")
        except Exception as exc:  # a clear message in the chat, never a stack trace
            log.exception("answering %r failed", question)
            reason = escape_markdown(describe(exc))
            messages[-1] = {"role": "assistant", "content": text(language, "error", reason=reason)}
            yield (messages, *keep)
            return
        language = answer.language or language
        data = answer.to_dict()
        spans = answer_highlights(answer.text, data["citations"])
        shown = answer_markdown(answer.text, turn, spans) + _notes(
            answer, language, self._snapshot()
        )
        messages[-1] = {"role": "assistant", "content": shown}
        turns.append({"question": question, "answer": data, "history": list(conversation)})
        conversation += [
            {"role": "user", "content": question},
            {"role": "assistant", "content": answer.text},
        ]
        panel = citations_panel(turns, self._snapshot(), language)
        box, *labels = self.chrome(language)
        yield (messages, box, panel, turns, conversation, *labels)

    def start_over(self, turns: list[dict[str, Any]] | None) -> tuple[Any, ...]:
        """Empty chat, panel and memory; the interface keeps its language."""
        language = _page_language(turns)
        box, *labels = self.chrome(language, question="")
        return ([], box, citations_panel([], None, language), [], [], *labels)

    def rate(self, turns: list[dict[str, Any]] | None, data: gr.LikeData) -> None:
        """Store a thumbs up ("useful") or down ("wrong") on an answer."""
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        turn = int(index) // 2  # each turn is a user message then an assistant message
        if not turns or not 0 <= turn < len(turns):
            return
        entry = turns[turn]
        liked = data.liked if isinstance(data.liked, bool) else data.liked == "Like"
        snapshot = self._snapshot()
        self.feedback.append(
            "useful" if liked else "wrong",
            entry["question"],
            entry["answer"],
            entry.get("history", []),
            generation=snapshot.generation if snapshot else "",
        )
        gr.Info(text(entry["answer"].get("language", "fr"), "thanks"))

    def sources(self, turns: list[dict[str, Any]] | None) -> str:
        """The Sources tab, in the conversation's language."""
        language = _page_language(turns)
        try:
            listing = self.assistant.snapshot().listing()
        except Exception:
            listing = None
        return sources_view(listing, language)

    # -- the conversation kept in the browser, and exported -----------------------------

    def save(
        self,
        messages: list[dict[str, Any]] | None,
        turns: list[dict[str, Any]] | None,
        conversation: list[dict[str, str]] | None,
    ) -> tuple[dict[str, Any], Any]:
        """What the browser keeps (local storage) so a reload finds the conversation, and
        the Markdown export of it, offered for download."""
        kept = {"chat": messages or [], "turns": turns or [], "conversation": conversation or []}
        if not turns:
            return kept, gr.DownloadButton(value=None, visible=False)
        language = _page_language(turns)
        path = self.export_dir / f"conversation-{abs(hash(repr(turns))):x}.md"
        path.write_text(conversation_markdown(turns, language), encoding="utf-8")
        return kept, gr.DownloadButton(
            label=text(language, "export"), value=str(path), visible=True
        )

    def restore(self, saved: dict[str, Any] | None) -> tuple[Any, ...]:
        """The conversation the browser kept, back on the page after a reload."""
        saved = saved or {}
        turns = list(saved.get("turns") or [])
        if not turns:
            return (gr.skip(),) * 5
        language = _page_language(turns)
        return (
            list(saved.get("chat") or []),
            turns,
            list(saved.get("conversation") or []),
            citations_panel(turns, self._snapshot(), language),
            self.chrome(language)[1],
        )

    @cached_property
    def export_dir(self) -> Path:
        import tempfile

        return Path(tempfile.mkdtemp(prefix="ess-export-"))

    # -- documents added and removed from the page ------------------------------------

    def add_files(
        self, paths: list[str] | None, turns: list[dict[str, Any]] | None
    ) -> tuple[Any, ...]:
        """Check and store the files dropped on the page, then index them in the
        background: the outcome of each file, the indexing status, the status timer on,
        the file box emptied."""
        language = _page_language(turns)
        if not paths:
            return (_note(text(language, "no_files")), gr.skip(), gr.skip(), gr.skip())
        limit = self.assistant.settings.max_file_bytes
        received = []
        for path in paths:
            with open(path, "rb") as handle:  # one byte over the limit is enough to refuse
                received.append((Path(path).name, handle.read(limit + 1)))
        uploads = self.assistant.add_documents(received)
        lines = [
            text(language, "upload_ok", name=u.name, stored=u.stored)
            if u.accepted
            else text(language, "upload_refused", name=u.name, reason=reason(language, u.reason))
            for u in uploads
        ]
        started = any(u.accepted for u in uploads)
        return (
            _note(*lines),
            self.index_status(language),
            gr.Timer(active=started),
            gr.update(value=None),
        )

    def remove(self, doc_id: str | None, turns: list[dict[str, Any]] | None) -> tuple[Any, ...]:
        """Move the chosen document's file to the trash and rebuild in the background."""
        language = _page_language(turns)
        if not doc_id:
            return (_note(text(language, "nothing_selected")), gr.skip(), gr.skip())
        snapshot = self._snapshot()
        doc = snapshot.by_id.get(doc_id) if snapshot else None
        title = doc.meta.title if doc is not None and doc.meta.title else doc_id
        try:
            moved = self.assistant.remove_document(doc_id)
        except Exception as exc:  # unknown id, a manifest entry: said on the page
            return (_note(describe(exc)), gr.skip(), gr.skip())
        sources = self.assistant.settings.sources_dir
        trash = ", ".join(str(path.relative_to(sources)) for path in moved) or "-"
        return (
            _note(text(language, "removed", doc=title, trash=trash)),
            self.index_status(language),
            gr.Timer(active=True),
        )

    def index_status(self, language: str) -> str:
        """The indexing status as a line and a progress bar, in ``language``."""
        status = self.assistant.index_status()
        if status.state == "running":
            stage = text(language, f"stage_{status.stage}") if status.stage else ""
            percent = round(status.progress * 100)
            return (
                f'<div class="index-status running"><progress max="100" value="{percent}">'
                f"</progress> {escape(text(language, 'indexing', percent=percent, stage=stage))}"
                "</div>"
            )
        if status.state == "failed":
            line = text(language, "index_failed", error=status.error)
            return f'<div class="index-status failed">{escape(line)}</div>'
        if not status.finished_at:
            return ""
        snapshot = self._snapshot()
        line = text(
            language,
            "index_ready",
            generation=snapshot.generation if snapshot else "-",
            documents=len(snapshot.documents) if snapshot else 0,
        )
        return f'<div class="index-status ready">{escape(line)}</div>'

    def tick(self, turns: list[dict[str, Any]] | None) -> tuple[Any, ...]:
        """Every second while indexing: the status; once done, the timer off and the
        list of sources and of removable documents refreshed."""
        language = _page_language(turns)
        running = self.assistant.index_status().state == "running"
        if running:
            return (self.index_status(language), gr.skip(), gr.skip(), gr.skip())
        return (
            self.index_status(language),
            gr.Timer(active=False),
            self.sources(turns),
            self.removable(),
        )

    def documents_area(self, turns: list[dict[str, Any]] | None) -> tuple[Any, ...]:
        """The documents area in the page's language, its status and menu up to date."""
        language = _page_language(turns)
        return (
            self.index_status(language),
            self.removable(),
            f"### {text(language, 'documents_title')}",
            gr.update(label=text(language, "upload_label")),
            gr.update(value=text(language, "add_documents")),
            gr.update(value=text(language, "remove_document")),
        )

    def removable(self) -> Any:
        """The documents a person may remove (those the manifest does not describe)."""
        snapshot = self._snapshot()
        documents = [] if snapshot is None else snapshot.documents
        choices = [(d.meta.title or d.id, d.id) for d in documents if not d.meta.from_manifest]
        return gr.update(choices=choices, value=None)


def _page_language(turns: list[dict[str, Any]] | None) -> str:
    """The language of the conversation's last answer; French before any."""
    return str(turns[-1].get("answer", {}).get("language", "fr")) if turns else "fr"


def _note(*lines: str) -> str:
    return '<div class="upload-outcome">' + "".join(f"<p>{escape(x)}</p>" for x in lines) + "</div>"


def _notes(answer: Answer, language: str, snapshot: Snapshot | None = None) -> str:
    """What the reader should know about how this answer was made, in italics."""
    notes = []
    if answer.metadata.notice:
        notes.append(text(language, "backend_failed", reason=answer.metadata.notice))
    elif answer.metadata.fallback:
        notes.append(text(language, "fallback"))
    guard = answer.metadata.guard
    dropped = len(guard["dropped"]) if guard else 0
    if dropped and not answer.metadata.fallback:
        notes.append(text(language, "dropped", count=dropped))
    shown = "".join(f"\n\n*{escape_markdown(note)}*" for note in notes)
    return shown + _source_language_note(answer, language, snapshot)


def _source_language_note(answer: Answer, language: str, snapshot: Snapshot | None) -> str:
    """For an English question answered from French text: says so, and links the English
    rendering of the cited documents when the corpus has one."""
    if language != "en" or answer.abstained:
        return ""
    french = [c.source_id for c in answer.citations if c.language == "fr"]
    if not french:
        return ""
    note = f"\n\n*{escape_markdown(text(language, 'french_source'))}*"
    twins = answer.metadata.translations or {}
    links = []
    for source in dict.fromkeys(french):
        twin = twins.get(source)
        doc = snapshot.by_id.get(twin) if snapshot and twin else None
        if doc is not None:
            links.append(f"[{escape_markdown(doc.meta.title or doc.id)}]({document_href(doc.id)})")
    if links:
        note += " " + text(language, "english_version", links=", ".join(links))
    return note


def backend_choices(assistant: Assistant, language: str = "fr") -> list[tuple[str, str]]:
    """The answerers the chat offers, as (what a person reads, backend spec): the quoting
    answerer first, then the configured one and the extra choices."""
    settings = assistant.settings
    specs = dict.fromkeys(["extractive", settings.llm, *settings.generation.choices])
    return [
        (text(language, "backend_extractive") if spec == "extractive" else spec, spec)
        for spec in specs
    ]


def create_chat(assistant: Assistant) -> gr.Blocks:
    """The Gradio Blocks of the web chat (not launched: :mod:`assistant.serve.app` mounts it)."""
    app = ChatApp(assistant)
    concurrency = assistant.settings.web.concurrency
    with gr.Blocks(title=text("fr", "title"), analytics_enabled=False) as blocks:
        turns = gr.State([])
        conversation = gr.State([])
        # The conversation survives a reload: kept in the browser's local storage.
        saved = gr.BrowserState(
            {"chat": [], "turns": [], "conversation": []}, storage_key="ess-conversation"
        )
        header = gr.Markdown(app.chrome("fr")[1], elem_id="ess-header")
        with gr.Tabs():
            with (
                gr.Tab(text("fr", "chat_tab"), id="chat"),
                gr.Row(equal_height=False, elem_id="chat-row"),
            ):
                with gr.Column(scale=3, elem_id="chat-column"):
                    chatbot = gr.Chatbot(
                        elem_id="chat",
                        show_label=False,
                        height=520,
                        latex_delimiters=[],
                        sanitize_html=True,
                        feedback_options=("Like", "Dislike"),
                        buttons=["copy"],
                    )
                    with gr.Row():
                        question = gr.Textbox(
                            show_label=False,
                            placeholder=text("fr", "placeholder"),
                            elem_id="question",
                            scale=5,
                            max_lines=4,
                            max_length=2000,
                            autofocus=True,
                        )
                        send = gr.Button(
                            text("fr", "send"), variant="primary", elem_id="send", scale=1
                        )
                    with gr.Row():
                        clear = gr.Button(
                            text("fr", "clear"), size="sm", elem_id="start-over", scale=2
                        )
                        export = gr.DownloadButton(
                            text("fr", "export"),
                            visible=False,
                            size="sm",
                            elem_id="export",
                            scale=1,
                        )
                        choices = backend_choices(assistant)
                        # One answerer and nothing to choose: no menu at all.
                        backend = gr.Dropdown(
                            choices,
                            value=assistant.settings.llm,
                            label=text("fr", "backend_label"),
                            visible=len(choices) > 1,
                            elem_id="backend",
                            scale=1,
                        )
                    with gr.Row(elem_id="examples"):
                        gr.Markdown(
                            f"{text('fr', 'examples')} · Examples", elem_classes=["examples-label"]
                        )
                        examples = [
                            gr.Button(
                                q,
                                size="sm",
                                min_width=0,
                                elem_classes=["example", f"example-{lang}"],
                            )
                            for lang in ("fr", "en")
                            for q in EXAMPLES[lang]
                        ]
                with gr.Column(scale=2, elem_id="panel-column"):
                    panel = gr.HTML(citations_panel([], None, "fr"), elem_id="panel")
            with gr.Tab(text("fr", "sources_tab"), id="sources") as sources_tab:
                with gr.Group(elem_id="documents"):
                    documents_title = gr.Markdown(f"### {text('fr', 'documents_title')}")
                    files = gr.File(
                        file_count="multiple",
                        label=text("fr", "upload_label"),
                        elem_id="upload",
                    )
                    add = gr.Button(
                        text("fr", "add_documents"), variant="primary", elem_id="add-documents"
                    )
                    outcome = gr.HTML(elem_id="upload-outcome")
                    status = gr.HTML(elem_id="index-status")
                    with gr.Row():
                        removable = gr.Dropdown(
                            [], label=text("fr", "remove_label"), elem_id="remove-choice", scale=3
                        )
                        remove = gr.Button(
                            text("fr", "remove_document"),
                            variant="stop",
                            elem_id="remove-document",
                            scale=1,
                        )
                sources = gr.HTML(elem_id="sources")
        timer = gr.Timer(1.0, active=False)

        outputs = [chatbot, question, panel, turns, conversation, header, send, clear]

        answer_args: dict[str, Any] = {
            "fn": app.respond,
            "outputs": outputs,
            "concurrency_limit": concurrency,
            "concurrency_id": "answer",
            "show_progress": "hidden",
        }
        asked = [question, chatbot, turns, conversation, backend]
        keep: dict[str, Any] = {
            "fn": app.save,
            "inputs": [chatbot, turns, conversation],
            "outputs": [saved, export],
            "api_visibility": "private",
            "show_progress": "hidden",
        }
        question.submit(inputs=asked, api_name="ask", **answer_args).then(**keep)
        send.click(inputs=asked, api_visibility="private", **answer_args).then(**keep)
        for button in examples:
            button.click(
                inputs=[button, chatbot, turns, conversation, backend],
                api_visibility="private",
                **answer_args,
            ).then(**keep)
        clear.click(
            app.start_over,
            inputs=[turns],
            outputs=outputs,
            api_name="start_over",
        ).then(**keep)
        # The chat's own trash button: forget the conversation too, as "start over" does.
        chatbot.clear(
            app.start_over, inputs=[turns], outputs=outputs, api_visibility="private"
        ).then(**keep)
        blocks.load(
            app.restore,
            inputs=[saved],
            outputs=[chatbot, turns, conversation, panel, header],
            api_visibility="private",
        ).then(**keep)
        chatbot.like(app.rate, inputs=[turns], outputs=None, api_visibility="private")
        sources_tab.select(app.sources, inputs=[turns], outputs=[sources], api_name="sources")
        # Opening the tab also brings the status, the menu of documents and the area's words
        # up to date (documents may have been added through the API meanwhile).
        sources_tab.select(
            app.documents_area,
            inputs=[turns],
            outputs=[status, removable, documents_title, files, add, remove],
            api_visibility="private",
        )
        add.click(
            app.add_files,
            inputs=[files, turns],
            outputs=[outcome, status, timer, files],
            api_visibility="private",
        )
        remove.click(
            app.remove,
            inputs=[removable, turns],
            outputs=[outcome, status, timer],
            api_visibility="private",
        )
        timer.tick(
            app.tick,
            inputs=[turns],
            outputs=[status, timer, sources, removable],
            api_visibility="private",
            show_progress="hidden",
        )
        blocks.load(app.removable, outputs=[removable], api_visibility="private")
        blocks.load(app.sources, inputs=[turns], outputs=[sources], api_visibility="private")
    blocks.queue(default_concurrency_limit=concurrency)
    chat: gr.Blocks = blocks
    return chat
