"""The SLL network in PyTorch, written from docs/math.md §2 (our reference, not the authors' code).

Its state_dict is exactly the official module's layout (docs/math.md §6: `model.{i}.kernel`, ...),
so an sll-lab/weights file, or an authors' checkpoint with its `module.model.` prefix stripped,
loads with `load_state_dict(strict=True)`. The input normalisation is a non-persistent buffer:
the authors' `NormalizedModel` stores none either.
"""
import math

import torch
import torch.nn.functional as F
from torch import nn

from .arch import conv_inner, dense_inner, feature_count


def safe_inverse(x):
    """1/x with 1/0 := 0, and no infinity formed on the way (so no NaN in the gradient)."""
    zero = x == 0
    return torch.where(zero, torch.zeros_like(x), 1 / torch.where(zero, torch.ones_like(x), x))


class SllConv(nn.Module):
    def __init__(self, cin, inner):
        super().__init__()
        # Registration order is the state_dict and parameters() order: kernel, bias, q.
        self.kernel = nn.Parameter(torch.empty(inner, cin, 3, 3))
        self.bias = nn.Parameter(torch.empty(1, inner, 1, 1))
        self.q = nn.Parameter(torch.empty(inner))

    def scaling(self):
        # q cancels in the official conv t-vector (docs/math.md §2.1), so it is not used and
        # gets no gradient (Adam then keeps no state for it, as in the authors' runs).
        ktk = F.conv2d(self.kernel, self.kernel, padding=2)
        return safe_inverse(ktk.abs().sum((1, 2, 3)))

    def forward(self, x):
        t = self.scaling().reshape(1, -1, 1, 1)
        z = t * F.relu(F.conv2d(x, self.kernel, padding=1) + self.bias)
        # conv_transpose2d(z, K, padding=1) as a convolution with the adjoint filter (spatially
        # flipped, channels swapped): the same numbers, and Debian's torch has no fast path for
        # the transposed convolution's gradient (4-7x slower).
        return x - 2 * F.conv2d(z, self.kernel.transpose(0, 1).flip(2, 3), padding=1)


class SllDense(nn.Module):
    def __init__(self, cin, inner):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(inner, cin))
        self.bias = nn.Parameter(torch.empty(1, inner))
        self.q = nn.Parameter(torch.empty(inner))

    def scaling(self):
        # t_i = 1 / sum_j exp(q_j - q_i) |W W^T|_ij, with the exponent shifted by the row's largest
        # q over its non-zero entries (docs/math.md §2.2): finite for any q, equal where the
        # official form is finite.
        gram = (self.weight @ self.weight.T).abs()
        q = self.q
        masked = torch.where(gram > 0, q[None, :].expand_as(gram), torch.full_like(gram, -math.inf))
        m = masked.max(1).values
        m = torch.where(torch.isfinite(m), m, q).detach()
        total = (torch.exp(q[None, :] - m[:, None]) * gram).sum(1)
        return torch.exp(q - m) * safe_inverse(total)

    def forward(self, x):
        z = self.scaling() * F.relu(x @ self.weight.T + self.bias)
        return x - 2 * z @ self.weight


class ZeroPadChannels(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.width = width

    def forward(self, x):
        return F.pad(x, (0, 0, 0, 0, 0, self.width - x.shape[1]))


class LinearNormalized(nn.Linear):
    def forward(self, x):
        return F.linear(x, F.normalize(self.weight, p=2, dim=1), self.bias)


class SllNetwork(nn.Module):
    """`model` is the official LipschitzNetwork's Sequential: index 0 pads channels, then the conv
    layers, pooling, flatten, the dense layers and LinearNormalized."""

    def __init__(self, arch):
        super().__init__()
        self.arch = arch
        w, features = arch["width"], feature_count(arch)
        layers = [ZeroPadChannels(w)]
        layers += [SllConv(w, conv_inner(arch)) for _ in range(arch["nConv"])]
        layers += [nn.AvgPool2d(4, divisor_override=4), nn.Flatten()]
        layers += [SllDense(features, dense_inner(arch)) for _ in range(arch["nDense"])]
        layers.append(LinearNormalized(features, arch["nClasses"]))
        self.model = nn.Sequential(*layers)
        shape = (1, -1, 1, 1)
        self.register_buffer("mean", torch.tensor(arch["mean"]).reshape(shape), persistent=False)
        self.register_buffer("std", torch.tensor(arch["std"]).reshape(shape), persistent=False)

    def forward(self, x):
        """x: N x C x H x W in [0, 1]; returns the logits."""
        return self.model((x - self.mean) / self.std)


class NormalizedModel(nn.Module):
    """The authors' wrapper's layout (their core/models/model.py): the network sits in `model`, so
    the keys read `model.model.{i}.*`, and under DistributedDataParallel `module.model.model.{i}.*`,
    as in their checkpoints. Our network normalises its input itself, so this only forwards."""

    def __init__(self, net):
        super().__init__()
        self.model = net

    def forward(self, x):
        return self.model(x)


@torch.no_grad()
def initialize(net):
    """The official initialisation (docs/math.md §2.1, §2.2, §8) from torch's global generator:
    Xavier-normal kernels and weights, biases U(-1/sqrt(fan_in), 1/sqrt(fan_in)), q ~ N(0, 1),
    nn.Linear's default for the last layer."""
    for layer in net.modules():
        if isinstance(layer, (SllConv, SllDense)):
            weight = layer.kernel if isinstance(layer, SllConv) else layer.weight
            nn.init.xavier_normal_(weight)
            bound = 1 / math.sqrt(weight[0].numel())
            nn.init.uniform_(layer.bias, -bound, bound)
            nn.init.normal_(layer.q)
        elif isinstance(layer, LinearNormalized):
            layer.reset_parameters()
    return net
