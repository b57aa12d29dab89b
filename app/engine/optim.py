"""Adam (Kingma and Ba), for the networks trained here: per-parameter steps from running means
of the gradients and their squares, with decoupled weight decay on weights (AdamW; biases are
not decayed). Its state is part of a training, so a replay rebuilds it too."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

F32 = np.float32
Params = dict[str, npt.NDArray[np.float32]]


class Adam:
    def __init__(
        self,
        params: Params,
        lr: float,
        betas: tuple[float, float] = (0.9, 0.999),
        weight_decay: float = 0.0,
    ):
        self.lr, (self.b1, self.b2), self.t = lr, betas, 0
        self.weight_decay = weight_decay
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}

    def step(self, params: Params, grads: Params, lr: float | None = None) -> None:
        self.t += 1
        lr = lr or self.lr
        rate = lr * np.sqrt(1 - self.b2**self.t) / (1 - self.b1**self.t)
        for k, g in grads.items():
            if self.weight_decay and k.endswith("weight"):
                params[k] *= F32(1 - lr * self.weight_decay)
            self.m[k] = self.b1 * self.m[k] + (1 - self.b1) * g
            self.v[k] = self.b2 * self.v[k] + (1 - self.b2) * g * g
            params[k] -= (rate * self.m[k] / (np.sqrt(self.v[k]) + 1e-8)).astype(F32)
