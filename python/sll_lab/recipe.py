"""The official training recipe (docs/math.md §3, §8): Adam's settings, the "interp" schedule and
the losses, as the lab computes them (src/kernels/adam.ts, src/sll/schedule.ts, src/kernels/losses.ts)."""
import math

import numpy as np
import torch
import torch.nn.functional as F

LEARNING_RATE = 0.01
BETAS = (0.5, 0.9)
EPS = 1e-8
XENT_OFFSET = 3 * math.sqrt(2) / 2
XENT_TEMPERATURE = 0.25
HINGE_MARGIN = 0.7
LOSS_NAMES = ("xent", "margin", "xent+margin")


def make_adam(params, lr=LEARNING_RATE):
    return torch.optim.Adam(params, lr=lr, betas=BETAS, eps=EPS, weight_decay=0, amsgrad=False)


def total_steps(epochs, train_size, batch):
    """N = epochs * floor(trainSize / batch): the last partial batch is dropped. `batch` is the
    global batch (the authors divide by batch_size * world_size)."""
    return epochs * (train_size // batch)


def interp(t, steps, lr):
    """Piecewise linear through (0, 0), (floor(2N/5), lr), (floor(4N/5), lr/20), (N, 0): the
    authors' np.interp call itself."""
    return float(np.interp([t], [0, steps * 2 // 5, steps * 4 // 5, steps], [0, lr, lr / 20.0, 0])[0])


def learning_rate_at(step, steps, lr):
    """The rate of optimiser step `step` (0-based): the authors call scheduler.step(k) after
    optimizer.step(), so step 0 trains at the full rate and step k at interp(k - 1)."""
    return lr if step == 0 else interp(step - 1, steps, lr)


def offset_cross_entropy(logits, labels):
    """T * CE((logits - o * onehot) / T, label), averaged over the batch."""
    one_hot = F.one_hot(labels, logits.shape[1]).to(logits.dtype)
    return F.cross_entropy((logits - XENT_OFFSET * one_hot) / XENT_TEMPERATURE, labels) * XENT_TEMPERATURE


def training_loss(name, logits, labels):
    if name == "xent":
        return offset_cross_entropy(logits, labels)
    if name == "margin":
        return F.multi_margin_loss(logits, labels, margin=HINGE_MARGIN)
    if name == "xent+margin":
        return F.multi_margin_loss(logits, labels, margin=HINGE_MARGIN) + offset_cross_entropy(logits, labels)
    raise ValueError(f"unknown loss {name!r} (one of: {', '.join(LOSS_NAMES)})")
