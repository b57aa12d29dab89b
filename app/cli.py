"""The `convlens` command: `serve` the web app, `worker` to train on workers over PostgreSQL,
`run` a pipeline on a picture in the terminal, `train` and `evaluate` the letters network."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .engine import EngineError, Trace, explain, run
from .engine.explanations import num, precise
from .engine.presets import SLIDES_VOTE_INPUT, SLIDES_X
from .engine.slides import slides_vote
from .imaging import ImageError, load_input
from .letters import real
from .letters.evaluate import Evaluation, confusion_png, evaluate_real
from .letters.evaluate import evaluate as evaluate_letters
from .letters.train import TrainConfig, save, train
from .letters.weights import MODEL_DIR, load
from .service.catalog import all_presets, find_preset
from .settings import Settings

TABLE_MAX_SIDE = 12


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "serve":
        return _serve(args.host, args.port, args.workers)
    if args.command == "worker":
        from .worker import work

        return work(Settings())
    if args.command == "train":
        return _train(args)
    if args.command == "evaluate":
        return _evaluate(args.model, args.seed, args.per_class, args.confusion)
    return _run(args.image, args.preset)


def parser() -> argparse.ArgumentParser:
    """The command line: serve, run, train and evaluate."""
    made = argparse.ArgumentParser(prog="convlens", description=__doc__)
    commands = made.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the web app")
    serve.add_argument("--host", help="address to listen on (default: CONVLENS_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default: CONVLENS_PORT or 8000)")
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes sharing the port and the database (default: 1)",
    )

    commands.add_parser(
        "worker", help="move trainings on, as jobs from the queue in PostgreSQL "
        "(CONVLENS_DATABASE_URL)",
    )  # fmt: skip

    run_cmd = commands.add_parser("run", help="run a preset on a picture and print every stage")
    run_cmd.add_argument(
        "image", nargs="?", type=Path, help="PNG, JPEG, GIF or WebP (default: the slides' X)"
    )
    run_cmd.add_argument("--preset", default="seed-xo", choices=sorted(all_presets()))
    _letters_commands(commands)
    return made


def _letters_commands(commands: Any) -> None:
    """``train`` and ``evaluate``, for the letters network."""
    train = commands.add_parser("train", help="train the letters network (a few minutes)")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--epochs", type=int, default=TrainConfig.epochs)
    train.add_argument(
        "--per-class", type=int, default=TrainConfig.per_class, help="training samples per class"
    )
    train.add_argument("--test-per-class", type=int, default=TrainConfig.test_per_class)
    train.add_argument("--workers", type=int, default=TrainConfig.workers)
    train.add_argument(
        "--real-copies", type=int, default=TrainConfig.real_copies,
        help="how many times each real training digit is used (0: none)",
    )  # fmt: skip
    train.add_argument(
        "--out",
        type=Path,
        default=MODEL_DIR,
        help="where to write letters.npz and letters.json (default: the package)",
    )

    evaluate = commands.add_parser("evaluate", help="held-out accuracy of the letters network")
    evaluate.add_argument("--seed", type=int, default=0)
    evaluate.add_argument("--per-class", type=int, default=TrainConfig.test_per_class)
    evaluate.add_argument("--model", type=Path, default=MODEL_DIR, help="folder of letters.npz")
    evaluate.add_argument(
        "--confusion",
        type=Path,
        default=Path("confusion.png"),
        help="where to write the confusion-matrix picture",
    )


def _train(args: argparse.Namespace) -> int:
    config = TrainConfig(
        seed=args.seed,
        epochs=args.epochs,
        per_class=args.per_class,
        test_per_class=args.test_per_class,
        workers=args.workers,
        real_copies=args.real_copies,
    )
    try:
        result = train(config)
    except RuntimeError as exc:  # no fonts
        print(f"convlens: {exc}", file=sys.stderr)
        return 2
    weights, card = save(result, config, args.out)
    for name, value in result.accuracy.items():
        print(f"held-out accuracy, {name}: {value:.2%}")
    print(f"trained in {result.seconds:.0f} s; wrote {weights} and {card}")
    return 0


def _evaluate(model: Path, seed: int, per_class: int, confusion: Path) -> int:
    params = load(model)
    if params is None:
        print(f"convlens: no trained weights in {model}; run `convlens train`", file=sys.stderr)
        return 2
    synthetic = evaluate_letters(params, seed, per_class)
    _report("synthetic held-out, letters (36 classes)", synthetic)
    _report("real held-out digits, letters (36 classes)", evaluate_real(params))
    _report("real held-out digits, digits (10 classes)", evaluate_real(params, real.DIGIT_CLASSES))
    confusion_png(synthetic, confusion)
    print(f"wrote {confusion} (the synthetic held-out set)")
    return 0


def _report(title: str, result: Evaluation) -> None:
    """One test set's accuracy per class, over all, and its worst confusions."""
    print(f"{title}:")
    cells = [f"{label} {value:7.2%}" for label, value in result.per_class().items()]
    for i in range(0, len(cells), 6):
        print("  " + "   ".join(cells[i : i + 6]))
    print(f"  all {result.accuracy:7.2%}")
    worst = ", ".join(f"{t} as {p} ({n})" for t, p, n in result.worst_confusions())
    print(f"  most confused: {worst or 'none'}")


def _serve(host: str | None, port: int | None, workers: int = 1) -> int:
    import uvicorn

    from .web import create_app

    overrides = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    settings = Settings.model_validate({**Settings().model_dump(), **overrides})
    print(f"ConvLens is serving at http://{settings.host}:{settings.port}", flush=True)
    # X-Forwarded-For and -Proto are believed only from the proxies named (none by default)
    trusted, proxies = settings.forwarded_allow_ips, bool(settings.forwarded_allow_ips)
    if workers > 1:  # each worker builds its own app from the CONVLENS_* environment
        uvicorn.run("app.web:create_app", factory=True, workers=workers, host=settings.host,
                    port=settings.port, log_level="info", proxy_headers=proxies,
                    forwarded_allow_ips=trusted or None)  # fmt: skip
    else:
        uvicorn.run(create_app(settings), host=settings.host, port=settings.port,
                    log_level="info", proxy_headers=proxies,
                    forwarded_allow_ips=trusted or None)  # fmt: skip
    return 0


def _run(image: Path | None, preset_name: str) -> int:
    settings = Settings()
    preset = find_preset(preset_name)
    try:
        if image is None:
            if preset.spec.input.size != SLIDES_X.shape[1:]:
                print(f"convlens: the {preset_name} preset needs an IMAGE", file=sys.stderr)
                return 2
            x = SLIDES_X
        else:
            x = load_input(image.read_bytes(), preset.spec.input, settings.max_image_pixels).pixels
        trace = run(preset.spec, x, settings.limits())
    except (EngineError, ImageError, OSError) as exc:
        print(f"convlens: {exc}", file=sys.stderr)
        return 2
    print(format_trace(trace))
    if preset_name == "seed-xo":
        print()
        print(format_slides_vote())
    return 0


def format_table(values: np.ndarray) -> str:
    """A map as the slides print it: one row per line, two decimals, columns aligned."""
    cells = [[num(float(v)) for v in row] for row in values]
    width = max(len(c) for row in cells for c in row)
    return "\n".join("  ".join(c.rjust(width) for c in row) for row in cells)


def format_trace(trace: Trace) -> str:
    lines: list[str] = []
    for out in trace:
        lo, hi = out.value_range
        lines.append(
            f"[{out.index}] {out.name} ({out.kind})  shape {out.shape}  range {lo:.3f} .. {hi:.3f}"
        )
        if out.data.ndim == 1:
            labels = out.labels or tuple(str(i) for i in range(out.data.shape[0]))
            lines.append(
                "  "
                + "  ".join(
                    f"{lab}={num(float(v))}" for lab, v in zip(labels, out.data, strict=True)
                )
            )
        elif max(out.data.shape[1:]) <= TABLE_MAX_SIDE:
            for label, plane in zip(out.labels, out.data, strict=True):
                lines.append(f"  {label}:")
                lines.append("\n".join("    " + row for row in format_table(plane).splitlines()))
        lines.append("")
    if trace.prediction is not None:
        last = trace.stages[-1]
        lines.append(f"prediction: {trace.prediction.label}")
        for i, label in enumerate(last.labels):
            lines.append(f"  {label}: {explain(trace, last.index, 0, 0, i).formula}")
    return "\n".join(lines)


def format_slides_vote() -> str:
    """The slides' own vote, on the 12 values they print: X 0.91, O 0.51."""
    formulas, prediction = slides_vote()
    lines = ["the slides' example vector: " + ", ".join(f"{num(v)}" for v in SLIDES_VOTE_INPUT)]
    lines += [f"  {label}: {formula}" for label, formula in formulas]
    scores = ", ".join(f"{k} {precise(v)}" for k, v in prediction.scores.items())
    lines.append(f"vote: {scores} -> {prediction.label} (the slides cut to two decimals)")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
