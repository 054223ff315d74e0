"""PyTorch side of `npm run bench`: the same SLL network, batch and loss, timed on this machine's CPU
(or, with --device cuda, its GPU: how the GPU reference in docs/performance.md was taken).

    python3 bench/pytorch/bench_torch.py --arch '<Arch JSON>' --batch 64 --eval-batch 250 \
        --steps 5 --budget-s 20 [--device cuda]

Prints one JSON object: stepMs (median training step: forward, offset cross-entropy, backward,
Adam, loss read), trainImagesPerSec, evalImagesPerSec (forward of one evaluation batch under
no_grad, t recomputed by every call as the authors' evaluation does) and the versions used.
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch

# The network, its initialisation and the loss live in the python/sll_lab package.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
from sll_lab.model import SllNetwork, initialize  # noqa: E402
from sll_lab.recipe import make_adam, offset_cross_entropy  # noqa: E402


def timed(run, steps, warmup, budget_s):
    for _ in range(warmup):
        run()
    samples = []
    while len(samples) < max(1, steps) and (not samples or sum(samples) < budget_s * 1000):
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), samples


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--arch", required=True, help="an Arch as JSON (src/kernels/arch.ts)")
    parser.add_argument("--batch", type=int, required=True)
    parser.add_argument("--eval-batch", type=int, required=True)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--budget-s", type=float, default=20)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()

    # Debian's torch starts with one thread; give it every core, as tfjs gets.
    torch.set_num_threads(os.cpu_count() or 1)
    arch = json.loads(args.arch)
    torch.manual_seed(0)
    device = torch.device(args.device)
    net = SllNetwork(arch)
    initialize(net)
    net.to(device)
    adam = make_adam(net.parameters())
    shape = (arch["inChannels"], arch["imageSize"], arch["imageSize"])
    images = torch.rand((args.batch, *shape)).numpy()
    labels = (torch.arange(args.batch) % arch["nClasses"]).to(device)
    eval_images = torch.rand((args.eval_batch, *shape)).numpy()

    def step():
        # From host memory each step, as tfjs uploads each batch.
        loss = offset_cross_entropy(net(torch.from_numpy(images).to(device)), labels)
        adam.zero_grad(set_to_none=True)
        loss.backward()
        adam.step()
        loss.item()

    def evaluate():
        with torch.no_grad():
            net(torch.from_numpy(eval_images).to(device)).cpu().numpy()

    step_ms, step_samples = timed(step, args.steps, args.warmup, args.budget_s)
    eval_ms, _ = timed(evaluate, args.steps, 1, args.budget_s)
    print(
        json.dumps(
            {
                "stepMs": step_ms,
                "stepSamplesMs": step_samples,
                "trainImagesPerSec": args.batch / step_ms * 1000,
                "evalBatchMs": eval_ms,
                "evalImagesPerSec": args.eval_batch / eval_ms * 1000,
                "threads": torch.get_num_threads(),
                "torch": torch.__version__,
                "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
            }
        )
    )


if __name__ == "__main__":
    main()
