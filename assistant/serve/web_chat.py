"""The Gradio web chat: a thin layer over :class:`~assistant.core.Assistant`.

Imports Gradio: only :mod:`assistant.serve.app` imports this module, when serving.

Answers stream into a chat; their ``[n]`` markers link to a panel beside it where each
cited passage is highlighted inside its paragraph. The interface speaks the language of
the conversation.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
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
    escape_markdown,
    sources_view,
)
from assistant.serve.web_phrases import EXAMPLES, text

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
.ess-sources table { width: 100%; border-collapse: collapse; }
.ess-sources th, .ess-sources td { text-align: left; padding: .3rem .5rem;
  border-bottom: 1px solid var(--border-color-primary); vertical-align: top; }
.ess-sources td.num { text-align: right; }
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
        shown = answer_markdown(answer.text, turn, spans) + _notes(answer, language)
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
        language = (turns or [{}])[-1].get("answer", {}).get("language", "fr") if turns else "fr"
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
        language = turns[-1]["answer"].get("language", "fr") if turns else "fr"
        try:
            listing = self.assistant.snapshot().listing()
        except Exception:
            listing = None
        return sources_view(listing, language)


def _notes(answer: Answer, language: str) -> str:
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
    return "".join(f"\n\n*{escape_markdown(note)}*" for note in notes)


def backend_choices(assistant: Assistant) -> list[str]:
    """The answerers the chat offers: extractive, the configured one, the extra choices."""
    settings = assistant.settings
    return list(dict.fromkeys(["extractive", settings.llm, *settings.generation.choices]))


def create_chat(assistant: Assistant) -> gr.Blocks:
    """The Gradio Blocks of the web chat (not launched: :mod:`assistant.serve.app` mounts it)."""
    app = ChatApp(assistant)
    concurrency = assistant.settings.web.concurrency
    with gr.Blocks(title=text("fr", "title"), analytics_enabled=False) as blocks:
        turns = gr.State([])
        conversation = gr.State([])
        header = gr.Markdown(app.chrome("fr")[1], elem_id="ess-header")
        with gr.Tabs():
            with gr.Tab(text("fr", "chat_tab"), id="chat"), gr.Row(equal_height=False):
                with gr.Column(scale=3):
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
                        choices = backend_choices(assistant)
                        backend = gr.Dropdown(
                            choices,
                            value=assistant.settings.llm,
                            show_label=False,
                            container=False,
                            interactive=len(choices) > 1,
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
                with gr.Column(scale=2):
                    panel = gr.HTML(citations_panel([], None, "fr"), elem_id="panel")
            with gr.Tab(text("fr", "sources_tab"), id="sources") as sources_tab:
                sources = gr.HTML(elem_id="sources")

        outputs = [chatbot, question, panel, turns, conversation, header, send, clear]

        answer_args: dict[str, Any] = {
            "fn": app.respond,
            "outputs": outputs,
            "concurrency_limit": concurrency,
            "concurrency_id": "answer",
            "show_progress": "hidden",
        }
        asked = [question, chatbot, turns, conversation, backend]
        question.submit(inputs=asked, api_name="ask", **answer_args)
        send.click(inputs=asked, api_visibility="private", **answer_args)
        for button in examples:
            button.click(
                inputs=[button, chatbot, turns, conversation, backend],
                api_visibility="private",
                **answer_args,
            )
        clear.click(
            app.start_over,
            inputs=[turns],
            outputs=outputs,
            api_name="start_over",
        )
        # The chat's own trash button: forget the conversation too, as "start over" does.
        chatbot.clear(app.start_over, inputs=[turns], outputs=outputs, api_visibility="private")
        chatbot.like(app.rate, inputs=[turns], outputs=None, api_visibility="private")
        sources_tab.select(app.sources, inputs=[turns], outputs=[sources], api_name="sources")
        blocks.load(app.sources, inputs=[turns], outputs=[sources], api_visibility="private")
    blocks.queue(default_concurrency_limit=concurrency)
    chat: gr.Blocks = blocks
    return chat
