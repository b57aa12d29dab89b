"""Watch it learn (issue 24), run by hand (never a timed test): python bench/learn.py

Five simulated learners (the stroke generator, one hand each) draw X, O and T ten times; each
trains a network from scratch with the defaults. Held out: twenty other hands, one of each letter.
Prints, per learner, the first step at which the held-out accuracy reaches 90% (of 50), and at
step 30 the filters' structure and their likeness to the step-0 filters; and the median time of
a step. Targets: >= 90% within 50 steps for at least 4 of 5 learners; at step 30 structure
>= 0.5 and likeness to the start <= 0.5. Then a replay: step 200 run in other pieces and from a
snapshot gives the same weights bit for bit; and the exported pipeline reads every drawing of the
set as training does.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.engine import compile_pipeline
from app.learn import made, net
from app.learn.trainer import NEW, Training, likeness, structure

CHARS = "XOT"


def held_out() -> tuple[net.Images, np.ndarray]:
    parts = [made.drawings(CHARS, 1, 100 + h, ("smooth", "print")[h % 2]) for h in range(20)]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def main() -> None:
    x_test, y_test = held_out()
    times, reached = [], []
    for learner in range(1, 6):
        x, y = made.drawings(CHARS, 10, learner)
        training = Training(x, y, net.Shape(classes=len(CHARS)), seed=learner, settings=NEW)
        first = None
        for step in range(1, 51):
            started = time.perf_counter()
            training.advance()
            times.append(time.perf_counter() - started)
            if first is None and training.accuracy(x_test, y_test) >= 0.9:
                first = step
            if step == 30:
                filters = training.params["conv.weight"]
                shaped = structure(filters)
                alike = likeness(filters, training.snapshots[0].params["conv.weight"])
        reached.append(first is not None)
        print(f"learner {learner}: 90% held out at step {first}; at step 30 structure "
              f"{shaped:.2f}, likeness to the start {alike:.2f}; held out at 50 "
              f"{training.accuracy(x_test, y_test):.0%}")  # fmt: skip
    print(f"{sum(reached)} of 5 learners reached 90% within 50 steps (target 4); median step "
          f"{statistics.median(times) * 1e3:.2f} ms")  # fmt: skip
    replay_and_export()


def replay_and_export() -> None:
    """Step 200 rebuilt from a snapshot and from nothing, bit for bit; and the network exported
    as a pipeline reads every drawing of its set as training's forward does."""
    x, y = made.drawings(CHARS, 10, 1)
    shape = net.Shape(classes=len(CHARS))
    first = Training(x, y, shape, seed=7, settings=NEW)
    first.advance(200)
    again = Training(x, y, shape, seed=7, settings=NEW)
    for steps in (3, 97, 55, 45):  # the same steps, run in other pieces
        again.advance(steps)
    back = first.rewound(137)
    back.advance(200 - back.step)
    same = all(np.array_equal(first.params[k], other.params[k])
               for other in (again, back) for k in first.params)  # fmt: skip
    print(
        f"step 200 replayed in other pieces and from step {first.rewound(137).step}: "
        f"{'the same weights, bit for bit' if same else 'DIFFERENT weights'}"
    )
    pipeline = compile_pipeline(net.to_spec(first.params, shape, list(CHARS)))
    trained = first.predict(x)
    served = [CHARS.index(str(pipeline.run(picture).prediction.label)) for picture in x]
    agree = int(sum(int(a == b) for a, b in zip(trained, served, strict=True)))
    print(f"exported as a pipeline: {agree} of {len(x)} drawings read as training reads them")


if __name__ == "__main__":
    main()
