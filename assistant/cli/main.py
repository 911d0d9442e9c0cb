"""Command line: ``python -m assistant index|ask|eval|serve|feedback|model-server``.

A thin layer over Assistant (and, for ``model-server``, over
:mod:`assistant.serve.model_server`); ``python -m assistant`` runs :func:`main`.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def _settings(args: argparse.Namespace) -> Any:
    from assistant.settings import Settings

    overrides: dict[str, Any] = {}
    if getattr(args, "sources", None):
        overrides["sources_dir"] = Path(args.sources)
    if getattr(args, "index", None):
        overrides["index_dir"] = Path(args.index)
    if args.command == "serve" and args.llm:
        overrides["llm"] = args.llm
    return Settings(**overrides)


def _cmd_index(args: argparse.Namespace) -> int:
    from assistant.core import Assistant

    report = Assistant(_settings(args)).build_index(progress=None if not args.quiet else False)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(report.summary())
    return 0


def _cmd_ask(args: argparse.Namespace) -> int:
    from assistant.cli.terminal import answer_as_text

    question = args.question if args.question != "-" else sys.stdin.read()
    history = json.loads(Path(args.history).read_text(encoding="utf-8")) if args.history else None
    server = _server_for(args)
    if server is not None:
        from assistant.cli.remote import ask_server

        answer = ask_server(server, question, history)
    else:
        from assistant.core import Assistant

        answer = Assistant(_settings(args)).ask(question, history, llm=args.llm)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(answer_as_text(answer))
    return 0


def _server_for(args: argparse.Namespace) -> str | None:
    """The server ``ask`` should use: ``--server``; else the local one when it answers
    and nothing asks for another index or backend (``--sources``, ``--index``, ``--llm``,
    ``--local``): it serves its own index with its own backend."""
    if args.server:
        others = [flag for flag in ("sources", "index", "llm", "local") if getattr(args, flag)]
        if others:
            named = ", ".join(f"--{flag}" for flag in others)
            raise SystemExit(
                f"error: --server answers from that server's own index and backend; "
                f"drop {named}, or leave out --server to answer here"
            )
        return str(args.server)
    if args.local or args.sources or args.index or args.llm:
        return None
    from assistant.cli.remote import local_server

    port = int(os.environ.get("ASSISTANT_WEB__PORT", "7860"))
    return local_server(port)


def _cmd_eval(args: argparse.Namespace) -> int:
    from assistant.cli.eval_command import run_eval

    return run_eval(args, _settings(args))


def _cmd_serve(args: argparse.Namespace) -> int:
    from assistant.core import Assistant
    from assistant.serve.app import serve

    settings = _settings(args)
    web = settings.web
    host = "0.0.0.0" if args.expose and not args.host else (args.host or web.host)
    if args.workers > 1:
        # Worker processes build their settings from the environment: hand the flags on.
        os.environ["ASSISTANT_SOURCES_DIR"] = str(settings.sources_dir)
        os.environ["ASSISTANT_INDEX_DIR"] = str(settings.index_dir)
        os.environ["ASSISTANT_LLM"] = settings.llm
    serve(Assistant(settings), host, args.port or web.port, workers=args.workers)
    return 0


def _cmd_feedback(args: argparse.Namespace) -> int:
    from assistant.serve.feedback import FeedbackLog, to_question_set, write_jsonl

    settings = _settings(args)
    source = args.file or settings.web.feedback_file
    export = to_question_set(FeedbackLog(source).read())
    out: Path = args.out
    review = out.with_name(out.stem + "-review" + out.suffix)
    write_jsonl(out, export.ready, out.stem)
    write_jsonl(review, export.review, review.stem)
    print(
        f"{len(export.ready)} question(s) ready in {out} (run: python -m assistant eval {out});"
        f" {len(export.review)} marked wrong, to complete, in {review}"
    )
    return 0


def _cmd_model_server(args: argparse.Namespace) -> int:
    from assistant.serve.model_server import serve_model

    serve_model(args.model, args.host, args.port, max_tokens=args.max_tokens)
    return 0


_LLM_HELP = "answer backend: extractive (default), ollama:<model>, openai:<model>, gguf:<file.gguf>"


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {number}")
    return number


def _add_folders(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sources", metavar="DIR", help="sources folder (default: sources)")
    parser.add_argument("--index", metavar="DIR", help="index folder (default: index)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m assistant", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    index = sub.add_parser("index", help="build or update the index from the sources folder")
    _add_folders(index)
    index.add_argument("--json", action="store_true", help="print the report as JSON")
    index.add_argument("--quiet", action="store_true", help="no progress bar")
    index.set_defaults(func=_cmd_index)

    ask = sub.add_parser("ask", help="answer one question with cited sources")
    ask.add_argument("question", help="the question ('-' reads it from standard input)")
    ask.add_argument("--history", metavar="FILE", help="JSON list of earlier messages")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")
    ask.add_argument("--llm", metavar="BACKEND", help=_LLM_HELP)
    ask.add_argument(
        "--server",
        metavar="URL",
        help="ask the assistant served at URL (default: the one on 127.0.0.1:7860 when it "
        "answers, unless --sources, --index, --llm or --local is given)",
    )
    ask.add_argument(
        "--local", action="store_true", help="answer in this process, even when a server runs"
    )
    _add_folders(ask)
    ask.set_defaults(func=_cmd_ask)

    evaluate = sub.add_parser("eval", help="run a question set and print the metrics")
    evaluate.add_argument("file", type=Path, help="question set (JSONL), e.g. evals/poitiers.jsonl")
    evaluate.add_argument("--no-baseline", action="store_true", help="skip the dense baseline")
    evaluate.add_argument("--limit", type=int, help="only the first N questions")
    evaluate.add_argument("--json", metavar="FILE", type=Path, help="also write the run as JSON")
    evaluate.add_argument(
        "--out", metavar="DIR", type=Path, help="report folder (default: evals/reports/<set>)"
    )
    evaluate.add_argument(
        "--compare", metavar="OLD_REPORT", type=Path, help="show what improved and regressed"
    )
    evaluate.add_argument("--no-report", action="store_true", help="print metrics only")
    evaluate.add_argument(
        "--llm",
        action="append",
        metavar="BACKEND",
        help="also evaluate this answer backend (repeatable), e.g. gguf:model.gguf",
    )
    _add_folders(evaluate)
    evaluate.set_defaults(func=_cmd_eval)

    serve = sub.add_parser("serve", help="serve the web chat and the HTTP API")
    serve.add_argument("--host", help="address to bind (default 127.0.0.1: this machine only)")
    serve.add_argument("--port", type=int, help="port (default 7860)")
    serve.add_argument(
        "--expose",
        action="store_true",
        help="listen on all addresses (0.0.0.0); needs ASSISTANT_WEB__TOKEN",
    )
    serve.add_argument("--llm", metavar="BACKEND", help=_LLM_HELP + " (the chat's default)")
    serve.add_argument(
        "--workers",
        type=_positive,
        default=1,
        help="worker processes sharing the port (default 1; see docs/deployment.md)",
    )
    _add_folders(serve)
    serve.set_defaults(func=_cmd_serve)

    feedback = sub.add_parser(
        "feedback", help="turn the chat's feedback into question-set entries for `eval`"
    )
    feedback.add_argument(
        "file", nargs="?", type=Path, help="feedback JSONL (default: web.feedback_file)"
    )
    feedback.add_argument(
        "--out",
        type=Path,
        default=Path("evals/feedback.jsonl"),
        help="question set to write (default: evals/feedback.jsonl; wrong answers go to "
        "evals/feedback-review.jsonl)",
    )
    feedback.set_defaults(func=_cmd_feedback)

    model = sub.add_parser(
        "model-server",
        help="serve a GGUF model over an OpenAI-compatible API, shared by several workers",
    )
    model.add_argument("model", type=Path, help="the model file (.gguf)")
    model.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    model.add_argument("--port", type=int, default=8081, help="port (default 8081)")
    model.add_argument(
        "--max-tokens",
        type=_positive,
        default=256,
        help="longest answer when a request names none (default 256)",
    )
    model.set_defaults(func=_cmd_model_server)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the CLI shows a clear message, not a stack trace
        from assistant.errors import describe

        print(f"error: {describe(exc)}", file=sys.stderr)
        return 1
    return code
