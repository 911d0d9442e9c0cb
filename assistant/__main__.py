"""Command line: ``python -m assistant index|ask|eval|serve``. A thin layer over Assistant."""

from __future__ import annotations

import argparse
import json
import logging
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
    from assistant.core import Assistant
    from assistant.render import answer_as_text

    question = args.question if args.question != "-" else sys.stdin.read()
    history = json.loads(Path(args.history).read_text(encoding="utf-8")) if args.history else None
    answer = Assistant(_settings(args)).ask(question, history)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(answer_as_text(answer))
    return 0


def _cmd_eval(args: argparse.Namespace) -> int:
    from assistant.eval_cli import run_eval

    return run_eval(args, _settings(args))


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
    _add_folders(evaluate)
    evaluate.set_defaults(func=_cmd_eval)
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


if __name__ == "__main__":
    sys.exit(main())
