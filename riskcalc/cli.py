"""The `riskcalc` command line: assess one case, assess a file of cases, print the input schema.

Exit codes: 0 success; 1 a batch finished but some rows failed (every row is still in the output);
2 unusable input (a bad value, an unreadable or malformed file, a usage error); 3 the rule files or the
engine failed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from riskcalc.api import assess, classify, classify_all, model_info, models
from riskcalc.batch import BatchFileError, ignored_message, run_batch
from riskcalc.engine import EngineError
from riskcalc.explain import classification_text, to_text
from riskcalc.models import Patient
from riskcalc.rulebook import RulebookError
from riskcalc.server import add_serve_command
from riskcalc.units import ALIASES, FLAG_FIELDS, InputError, patient_from

EXIT_OK, EXIT_ROWS_FAILED, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _help(text: str | None) -> str | None:
    """argparse reads help texts as %-format strings; the field descriptions contain plain % signs."""
    return None if text is None else text.replace("%", "%%")


def _add_patient_flags(parser: argparse.ArgumentParser) -> None:
    fields = parser.add_argument_group("case (one flag per Patient field; units as in `riskcalc schema`)")
    for name, info in Patient.model_fields.items():
        if name in FLAG_FIELDS:
            fields.add_argument(
                _flag(name), dest=name, nargs="?", const="true", metavar="yes|no", help=_help(info.description)
            )
        else:
            fields.add_argument(_flag(name), dest=name, metavar="VALUE", help=_help(info.description))
    friendly = parser.add_argument_group("the same fields in other units (converted exactly)")
    for name, alias in ALIASES.items():
        friendly.add_argument(
            _flag(name), dest=name, metavar="VALUE", help=_help(f"{alias.field} given in {alias.unit}")
        )
    parser.add_argument("--input", metavar="FILE", help="read the case from a JSON object in FILE ('-' for stdin)")


def _case_from(args: argparse.Namespace) -> dict[str, Any]:
    names = [*Patient.model_fields, *ALIASES]
    flags = {name: getattr(args, name) for name in names if getattr(args, name) is not None}
    if args.input:
        try:
            text = sys.stdin.read() if args.input == "-" else Path(args.input).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise InputError("--input", "not UTF-8 text; save the file as UTF-8") from None
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise InputError("--input", f"not valid JSON: {error.msg} (line {error.lineno})") from None
        except (ValueError, RecursionError) as error:
            raise InputError("--input", f"not valid JSON: {type(error).__name__}") from None
        if not isinstance(document, dict):
            raise InputError("--input", "must be a JSON object of Patient fields")
        return {**document, **flags}
    return flags


def _assess(args: argparse.Namespace) -> int:
    """One case: the headline, the disclaimer, then the explanation (riskcalc.explain), or the JSON."""
    try:
        patient = patient_from(_case_from(args))
    except (InputError, OSError) as error:
        print(f"riskcalc: invalid input: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.all_models:
        results = classify_all(patient)
        if args.json:
            print(json.dumps([result.model_dump(mode="json") for result in results], indent=2))
        else:
            print("\n\n".join(classification_text(result) for result in results))
        return EXIT_OK
    if args.model:
        result = classify(patient, model=args.model)
        print(result.model_dump_json(indent=2) if args.json else classification_text(result))
        return EXIT_OK
    assessment = assess(patient)
    print(assessment.model_dump_json(indent=2) if args.json else to_text(assessment))
    return EXIT_OK


def _models(args: argparse.Namespace) -> int:
    """Every scheme: id, title, tiers lowest first, population; or the full description as JSON."""
    found = models()
    if args.json:
        print(json.dumps([info.model_dump(mode="json") for info in found], indent=2))
        return EXIT_OK
    for info in found:
        tiers = ", ".join(f"{tier.id} ({tier.name})" for tier in info.tier_details)
        print(f"{info.id}  {info.title}")
        print(f"    tiers, lowest risk first: {tiers}")
        print(f"    population: {info.population}")
    return EXIT_OK


def _known_model(name: str) -> str:
    """argparse type of --model: a model folder that exists, named in the error otherwise."""
    known = [info.id for info in models()]
    if name not in known:
        raise argparse.ArgumentTypeError(f"unknown model {name!r} (known: {', '.join(known)})")
    model_info(name)
    return name


def _batch(args: argparse.Namespace) -> int:
    progress = False if args.no_progress else None
    try:
        schemes = [info.id for info in models()] if args.all_models else ([args.model] if args.model else [])
        summary = run_batch(
            Path(args.source), Path(args.output), args.format, args.output_format, progress, schemes=schemes
        )
    except BatchFileError as error:
        print(f"riskcalc: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if summary.ignored:
        print(f"riskcalc: {ignored_message(summary.ignored)}", file=sys.stderr)
    print(
        f"{summary.rows} rows: {summary.assessed} assessed, {summary.failed} failed -> {args.output}", file=sys.stderr
    )
    return EXIT_ROWS_FAILED if summary.failed else EXIT_OK


def _schema(_: argparse.Namespace) -> int:
    schema = Patient.model_json_schema()
    schema["x-friendly-units"] = {name: {"field": alias.field, "unit": alias.unit} for name, alias in ALIASES.items()}
    print(json.dumps(schema, indent=2))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="riskcalc",
        description="Educational B-ALL risk stratification (illustrative; never a treatment recommendation).",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    one = commands.add_parser("assess", help="assess one case and explain the result")
    _add_patient_flags(one)
    one.add_argument("--json", action="store_true", help="print the full assessment as JSON")
    chosen = one.add_mutually_exclusive_group()
    chosen.add_argument(
        "--model", type=_known_model, metavar="ID", help="classify under this scheme (see `riskcalc models`)"
    )
    chosen.add_argument("--all-models", action="store_true", help="classify under every scheme, side by side")
    one.set_defaults(run=_assess)

    listing = commands.add_parser("models", help="list the schemes: id, title, tiers and population")
    listing.add_argument("--json", action="store_true", help="print each scheme's full description as JSON")
    listing.set_defaults(run=_models)

    many = commands.add_parser("batch", help="assess every row of a CSV or JSON Lines file")
    many.add_argument("source", metavar="IN", help="input file (.csv, .jsonl)")
    many.add_argument("-o", "--output", required=True, metavar="OUT", help="output file (.csv, .jsonl)")
    many.add_argument("--format", choices=["csv", "jsonl"], help="input format, if the extension does not say")
    many.add_argument("--output-format", choices=["csv", "jsonl"], help="output format, if the extension does not say")
    many.add_argument("--no-progress", action="store_true", help="no progress line, even on a terminal")
    scheme = many.add_mutually_exclusive_group()
    scheme.add_argument(
        "--model", type=_known_model, metavar="ID", help="classify every row under this scheme (columns ID_*)"
    )
    scheme.add_argument(
        "--all-models", action="store_true", help="classify every row under every scheme: one set of columns each"
    )
    many.set_defaults(run=_batch)

    schema = commands.add_parser("schema", help="print the JSON Schema of a case (fields, units, ranges, codes)")
    schema.set_defaults(run=_schema)
    add_serve_command(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except (RulebookError, EngineError) as error:
        print(f"riskcalc: {error}", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    raise SystemExit(main())
