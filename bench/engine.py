"""Engine benchmark, run by hand (never a timed test): python bench/engine.py

Prints median per-op and whole-trace times for three pipelines, and the ratio to the slow loop
reference (tests/reference.py) measured in the same run:
  (a) the slides' 9x9 X/O pipeline (seed-xo);
  (b) 28x28 -> conv 8@3x3 -> ReLU -> max-pool 2 -> conv 16@3x3 -> ReLU -> max-pool 2 -> dense 36
      -> softmax, every stage kept (target: whole trace <= 60 us median);
  (c) a 512x512 grey picture through Sobel Gx, Gy and the gradient magnitude;
  (d) the trained letters network (app/letters/trained), when its weights are there (target:
      whole trace <= 100 us median).
Where PyTorch is installed (it is not a dependency) each also prints PyTorch's time for the same
trace on one thread, every stage kept, and the ratio of ours to it.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.engine import compile_pipeline, get_preset, parse_spec
from app.engine.presets import SLIDES_X
from app.engine.steps import ConvStep, DenseStep, PoolStep, VoteStep
from app.letters.data import training_recipe
from app.letters.train import build
from app.service.catalog import all_presets
from tests import reference


def median_seconds(fn: Callable[[], object], budget: float = 0.4, samples: int = 15) -> float:
    """Median time of one call: ``samples`` batches, each sized to take about budget/samples."""
    start = time.perf_counter()
    fn()
    once = max(time.perf_counter() - start, 1e-7)
    batch = max(1, int(budget / samples / once))
    times = []
    for _ in range(samples if once < budget else 1):
        start = time.perf_counter()
        for _ in range(batch):
            fn()
        times.append((time.perf_counter() - start) / batch)
    return statistics.median(times)


def reference_step(step, x):
    """The slow loop version of one compiled step."""
    if isinstance(step, ConvStep):
        lay = step.layout
        return reference.conv2d(x, step.weight, None if lay.bias is None else lay.bias[:, 0],
                                (lay.sh, lay.sw), lay.pads, step.mean)  # fmt: skip
    if isinstance(step, PoolStep):
        g = step.geometry
        size = (g.kh, g.kw)
        return reference.pool2d(x, size, (g.sh, g.sw), (g.ph, g.pw), g.ceil_mode, step.op)
    if step.kind == "relu":
        return np.array([[[max(0.0, v) for v in row] for row in plane] for plane in x])
    if step.kind == "magnitude":
        c, h, w = x.shape
        return np.array(
            [[[sum(x[k, i, j] ** 2 for k in range(c)) ** 0.5 for j in range(w)] for i in range(h)]]
        )
    if step.kind == "flatten":
        return np.array([v for plane in x for row in plane for v in row])
    if isinstance(step, DenseStep):
        return np.array([sum(w * v for w, v in zip(row, x, strict=True)) + (0 if step.bias is None else step.bias[i])
                         for i, row in enumerate(step.weight)])  # fmt: skip
    if isinstance(step, VoteStep):
        return np.array([sum(m * v for m, v in zip(row, x, strict=True)) for row in step.matrix])
    if step.kind == "softmax":
        top = max(x)
        exps = [np.exp(v - top) for v in x]
        return np.array([e / sum(exps) for e in exps])
    raise ValueError(step.kind)


def learned_shape_spec() -> dict:
    rng = np.random.default_rng(0)

    def kernels(k, c):
        return [
            {"name": f"k{i}", "weights": rng.normal(0, 0.3, (c, 3, 3)).round(4).tolist()}
            for i in range(k)
        ]

    return {
        "input": {"size": [28, 28], "values": "ink_unit"},
        "stages": [
            {"kind": "conv", "kernels": kernels(8, 1), "bias": [0.01] * 8},
            {"kind": "relu"},
            {"kind": "pool", "kernel_size": 2},
            {"kind": "conv", "kernels": kernels(16, 8), "bias": [0.01] * 16},
            {"kind": "relu"},
            {"kind": "pool", "kernel_size": 2},
            {"kind": "flatten"},
            {"kind": "dense", "weights": rng.normal(0, 0.05, (36, 400)).round(4).tolist(), "bias": [0.0] * 36,
             "classes": [chr(c) for c in range(65, 91)] + [str(d) for d in range(10)]},
            {"kind": "softmax"},
        ],
    }  # fmt: skip


def torch_trace(pipeline, torch):  # type: ignore[no-untyped-def]
    """The same pipeline as PyTorch ops (one thread), every stage kept; None for a stage kind
    it has no twin for here."""
    import torch.nn.functional as F

    layers = []
    for step in pipeline.steps:
        if isinstance(step, ConvStep):
            lay = step.layout
            w = torch.from_numpy(np.ascontiguousarray(step.weight))
            b = None if lay.bias is None else torch.from_numpy(lay.bias[:, 0].copy())
            top, bottom, left, right = lay.pads
            scale = 1.0 / step.weight[0].size if step.mean else 1.0

            def conv(x, w=w, b=b, pads=(left, right, top, bottom), s=(lay.sh, lay.sw), k=scale):
                out = F.conv2d(F.pad(x, pads) if any(pads) else x, w, b, s)
                return out * k if k != 1.0 else out

            layers.append(conv)
        elif isinstance(step, PoolStep):
            g = step.geometry
            if step.op != "max":
                return None
            layers.append(lambda x, g=g: F.max_pool2d(x, (g.kh, g.kw), (g.sh, g.sw), (g.ph, g.pw),
                                                     ceil_mode=g.ceil_mode))  # fmt: skip
        elif step.kind == "relu":
            layers.append(torch.relu)
        elif step.kind == "flatten":
            layers.append(lambda x: x.reshape(-1))
        elif isinstance(step, DenseStep):
            w = torch.from_numpy(step.weight)
            b = None if step.bias is None else torch.from_numpy(step.bias)
            layers.append(lambda x, w=w, b=b: F.linear(x, w, b))
        elif step.kind == "softmax":
            layers.append(lambda x: torch.softmax(x, 0))
        elif isinstance(step, VoteStep):
            m = torch.from_numpy(step.matrix)
            layers.append(lambda x, m=m: m @ x)
        else:
            return None

    def run(image):  # type: ignore[no-untyped-def]
        outs = [image]
        for layer in layers:
            outs.append(layer(outs[-1]))
        return outs

    return run


def bench(title: str, spec, image: np.ndarray, with_reference: bool = True) -> None:
    pipeline = compile_pipeline(spec)
    trace = pipeline.run(image)
    print(f"\n{title}")
    print(f"  {'stage':<12}{'shape':<16}{'median':>12}{'reference':>14}{'ratio':>10}")
    total_ref = 0.0
    for step, before, after in zip(
        pipeline.steps, trace.stages[:-1], trace.stages[1:], strict=True
    ):
        x = before.data
        fast = median_seconds(lambda step=step, x=x: step.forward(x))
        if with_reference:
            ref_out = reference_step(step, x.astype(np.float64))
            np.testing.assert_allclose(ref_out, after.data, rtol=1e-4, atol=1e-4)
            slow = median_seconds(
                lambda step=step, x=x: reference_step(step, x), budget=1.0, samples=3
            )
            total_ref += slow
            print(
                f"  {step.name:<12}{after.shape!s:<16}{fast * 1e6:>10.1f}us{slow * 1e3:>12.2f}ms{slow / fast:>9.0f}x"
            )
        else:
            print(f"  {step.name:<12}{after.shape!s:<16}{fast * 1e6:>10.1f}us")
    whole = median_seconds(lambda: pipeline.run(image), budget=1.0, samples=21)
    line = f"  whole trace (every stage kept): median {whole * 1e6:.1f} us"
    if with_reference:
        line += f"; reference {total_ref * 1e3:.1f} ms; ratio {total_ref / whole:.0f}x"
    print(line)
    try:
        import torch
    except ImportError:
        torch = None
    twin = torch_trace(pipeline, torch) if torch is not None else None
    if twin is not None:
        torch.set_num_threads(1)
        with torch.inference_mode():
            t_image = torch.from_numpy(np.ascontiguousarray(image))
            outs = twin(t_image)
            for ours, theirs in zip(trace.stages, outs, strict=True):
                np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-4, atol=1e-4)
            # alternate the two, so both see the same (noisy, shared) machine
            pairs = [
                (median_seconds(lambda: pipeline.run(image), budget=0.2, samples=7),
                 median_seconds(lambda: twin(t_image), budget=0.2, samples=7))
                for _ in range(9)
            ]  # fmt: skip
        t_whole = statistics.median(t for _, t in pairs)
        ratio = statistics.median(o / t for o, t in pairs)
        print(f"  PyTorch {torch.__version__} (1 thread), the same trace: median "
              f"{t_whole * 1e6:.1f} us; ours / PyTorch, median of 9 alternating rounds = "
              f"{ratio:.2f}x (target <= 0.75x)")  # fmt: skip
    compile_time = median_seconds(lambda: compile_pipeline(spec))
    print(
        f"  compile (checks and weight layout, once per pipeline): median {compile_time * 1e6:.1f} us"
    )


def main() -> None:
    print(f"numpy {np.__version__}, python {sys.version.split()[0]}")
    bench("(a) the slides' 9x9 X/O pipeline", get_preset("seed-xo").spec, SLIDES_X)
    rng = np.random.default_rng(1)
    bench(
        "(b) 28x28 letter network",
        parse_spec(learned_shape_spec()),
        rng.random((1, 28, 28), np.float32),
    )
    sobel = parse_spec({"input": {"size": [512, 512]},
                        "stages": [{"kind": "conv", "kernels": "sobel"}, {"kind": "magnitude"}]})  # fmt: skip
    bench("(c) 512x512 Sobel Gx, Gy and magnitude", sobel, rng.random((1, 512, 512), np.float32))
    letters = all_presets().get("letters")
    if letters is not None:  # the trained network, on a drawn sample as the server fits it
        x, _ = build(training_recipe(5, 1))
        bench("(d) the trained letters network (target: whole trace <= 100 us)", letters.spec, x[0])


if __name__ == "__main__":
    main()
