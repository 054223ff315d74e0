"""Logits of a weights file on images, for parity checks against the lab (test/cli/pytorchParity.test.ts):

    python3 -m sll_lab.logits --weights W.json --images X.npy --out L.npy [--float64]
    python3 python/sll_lab/logits.py ...      (the same, without PYTHONPATH)

X.npy holds N x C x H x W values in [0, 1]; L.npy gets N x classes logits.
"""
import argparse
import os
import sys

if __package__ in (None, ""):  # run as a file: make the package importable from its folder
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from sll_lab.weights import WeightsFileError, load_network  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="?", choices=["logits"], help="accepted for the old bench/pytorch CLI")
    parser.add_argument("--weights", required=True)
    parser.add_argument("--images", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--float64", action="store_true", help="evaluate in float64 (a reference)")
    args = parser.parse_args(argv)
    try:
        net = load_network(args.weights).eval()
    except WeightsFileError as e:
        sys.exit(f"sll_lab.logits: {e}")
    dtype = torch.float64 if args.float64 else torch.float32
    net = net.to(dtype)
    x = torch.from_numpy(np.load(args.images)).to(dtype)
    with torch.no_grad():
        np.save(args.out, net(x).numpy())


if __name__ == "__main__":
    main()
