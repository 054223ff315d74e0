"""A PyTorch SLL network written from docs/math.md (our reference, not the authors' code).

Its parameter names and shapes are the official module's `state_dict` layout (docs/math.md §6), so
an sll-lab/weights JSON file loads with `load_state_dict(strict=True)`.

    python3 bench/pytorch/sll_torch.py logits --weights W.json --images X.npy --out L.npy [--float64]
"""
import argparse
import base64
import json
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def safe_inverse(x):
    return torch.where(x == 0, torch.zeros_like(x), 1 / torch.where(x == 0, torch.ones_like(x), x))


class SllConv(nn.Module):
    def __init__(self, cin, inner):
        super().__init__()
        self.kernel = nn.Parameter(torch.empty(inner, cin, 3, 3))
        self.bias = nn.Parameter(torch.empty(1, inner, 1, 1))
        self.q = nn.Parameter(torch.empty(inner))

    def scaling(self):
        # q cancels in the official conv t-vector (docs/math.md §2.1), so it is not used.
        ktk = F.conv2d(self.kernel, self.kernel, padding=2)
        return safe_inverse(ktk.abs().sum((1, 2, 3)))

    def forward(self, x):
        t = self.scaling().reshape(1, -1, 1, 1)
        z = t * F.relu(F.conv2d(x, self.kernel, padding=1) + self.bias)
        return x - 2 * F.conv_transpose2d(z, self.kernel, padding=1)


class SllDense(nn.Module):
    def __init__(self, cin, inner):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(inner, cin))
        self.bias = nn.Parameter(torch.empty(1, inner))
        self.q = nn.Parameter(torch.empty(inner))

    def scaling(self):
        gram = (self.weight @ self.weight.T).abs()
        ratio = torch.exp(self.q[None, :] - self.q[:, None])
        return safe_inverse((ratio * gram).sum(1))

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
    def __init__(self, arch):
        super().__init__()
        w = arch["width"]
        conv_inner = w if arch["convInnerDim"] == -1 else arch["convInnerDim"]
        side = arch["imageSize"] // 4
        features = w * side * side
        dense_inner = features if arch["denseInnerDim"] == -1 else arch["denseInnerDim"]
        layers = [ZeroPadChannels(w)]
        layers += [SllConv(w, conv_inner) for _ in range(arch["nConv"])]
        layers += [nn.AvgPool2d(4, divisor_override=4), nn.Flatten()]
        layers += [SllDense(features, dense_inner) for _ in range(arch["nDense"])]
        layers.append(LinearNormalized(features, arch["nClasses"]))
        self.model = nn.Sequential(*layers)
        self.register_buffer("mean", torch.tensor(arch["mean"]).reshape(1, -1, 1, 1))
        self.register_buffer("std", torch.tensor(arch["std"]).reshape(1, -1, 1, 1))

    def forward(self, x):
        return self.model((x - self.mean) / self.std)


def load_weights(path):
    with open(path) as f:
        doc = json.load(f)
    if doc.get("format") != "sll-lab/weights" or doc.get("version") != 1:
        sys.exit(f"{path}: not an sll-lab/weights v1 file")
    net = SllNetwork(doc["arch"])
    state = {}
    for t in doc["tensors"]:
        values = np.frombuffer(base64.b64decode(t["data"]), dtype="<f4").reshape(t["shape"])
        state[t["name"]] = torch.from_numpy(values.copy())
    # Buffers (mean, std) come from arch; every parameter must be in the file, nothing else.
    missing, unexpected = net.load_state_dict(state, strict=False)
    missing = [k for k in missing if k not in ("mean", "std")]
    if missing or unexpected:
        sys.exit(f"{path}: missing {missing}, unexpected {unexpected}")
    return net


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    logits = sub.add_parser("logits")
    logits.add_argument("--weights", required=True)
    logits.add_argument("--images", required=True)
    logits.add_argument("--out", required=True)
    logits.add_argument("--float64", action="store_true")
    args = parser.parse_args()
    net = load_weights(args.weights).eval()
    dtype = torch.float64 if args.float64 else torch.float32
    net = net.to(dtype)
    x = torch.from_numpy(np.load(args.images)).to(dtype)
    with torch.no_grad():
        np.save(args.out, net(x).numpy())


if __name__ == "__main__":
    main()
