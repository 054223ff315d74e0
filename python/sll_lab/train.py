"""Continue a lab run, or start one, with the official recipe on any number of processes:

    python3 -m sll_lab.train --from W.json --out W2.json [--train-dir DIR] [--steps N]
    python3 -m sll_lab.train --preset small --epochs 1000 --out W.json --train-dir DIR
    torchrun --standalone --nnodes=1 --nproc_per_node=gpu -m sll_lab.train ...

Each process is one DistributedDataParallel rank (NCCL on GPUs, Gloo on CPUs). `--batch` is the
global batch: every rank takes its contiguous share of the same global batch indices, so the loss
averaged by DDP is the global mean and the run does not depend on the number of processes (up to
float rounding). With `--train-dir DIR`, checkpoints in the authors' format go to
DIR/checkpoints/model.ckpt-STEP.pth and a rerun resumes from the newest one, as their trainer does.
At the end rank 0 writes `--out` as a lab checkpoint file (weights, Adam, config, step).
"""
import argparse
import datetime
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from .arch import PRESET_NAMES, preset_arch, validate_arch
from .augment import augment, sample_params, slice_params
from .checkpoint import (authors_checkpoint, authors_to_lab, checkpoint_path, fill_adam, newest_checkpoint,
                         read_adam_state, read_authors, write_authors)
from .data import DEFAULT_ROOT, load_split, to_tensor
from .model import NormalizedModel, SllConv, SllNetwork, initialize
from .recipe import LEARNING_RATE, LOSS_NAMES, learning_rate_at, make_adam, total_steps, training_loss
from .weights import LabFile, read_lab_file, write_lab_file


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python3 -m sll_lab.train", description=__doc__.splitlines()[0])
    start = p.add_mutually_exclusive_group()
    start.add_argument("--from", dest="source", metavar="W.json", help="a lab weights or checkpoint file to continue")
    start.add_argument("--preset", choices=PRESET_NAMES, help="start a fresh run of a preset")
    start.add_argument("--arch", metavar="FILE", help="start a fresh run of a JSON architecture")
    p.add_argument("--out", required=True, metavar="W.json", help="lab checkpoint file written at the end")
    p.add_argument("--train-dir", metavar="DIR", help="authors' checkpoints in DIR/checkpoints; resume from them")
    p.add_argument("--steps", type=int, help="stop after this many more steps (default: the end of the run)")
    p.add_argument("--epochs", type=int, help="epochs of the whole run (sets the schedule; default: the file's)")
    p.add_argument("--batch", type=int, help="GLOBAL batch, split evenly across ranks (default: the file's, or 64)")
    p.add_argument("--lr", type=float, help=f"peak learning rate (default: the file's, or {LEARNING_RATE})")
    p.add_argument("--loss", choices=LOSS_NAMES, help="default: the file's, or xent")
    p.add_argument("--no-augment", action="store_true", help="train without augmentation")
    p.add_argument("--seed", type=int, help="initialisation, data order and augmentation (default: the file's, or 0)")
    p.add_argument("--train-limit", type=int, help="train on the first N images only (0: all)")
    p.add_argument("--save-every", type=int, help="steps between checkpoints (default: one epoch)")
    p.add_argument("--log-every", type=int, default=10, help="steps between progress lines (default 10)")
    p.add_argument("--data", default=DEFAULT_ROOT, help="the lab's cifar10 folder (default: public/datasets/cifar10)")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    return p.parse_args(argv)


class Dist:
    """This process's place in the run; a single process without torchrun is rank 0 of 1."""

    def __init__(self, device_choice):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        cuda = torch.cuda.is_available() if device_choice == "auto" else device_choice == "cuda"
        self.device = torch.device(f"cuda:{local_rank}" if cuda else "cpu")
        if cuda:
            torch.cuda.set_device(self.device)
        if self.world > 1:
            dist.init_process_group(backend="nccl" if cuda else "gloo")

    def log(self, *args):
        if self.rank == 0:
            print(*args, flush=True)

    def mean(self, values):
        """The mean over ranks of a few floats (for the printed loss and accuracy)."""
        t = torch.tensor(values, dtype=torch.float64, device=self.device)
        if self.world > 1:
            dist.all_reduce(t)
        return (t / self.world).tolist()

    def close(self):
        if self.world > 1:
            dist.barrier()
            dist.destroy_process_group()


def starting_point(args):
    """The LabFile to continue and where it came from: the newest checkpoint in --train-dir, else
    --from, else a fresh initialisation (the same on every rank: seeded)."""
    resume = newest_checkpoint(args.train_dir) if args.train_dir else None
    base = read_lab_file(args.source) if args.source else None
    if resume:
        lab = authors_to_lab(read_authors(resume), arch=base.arch if base else None)
        if base and "config" not in lab.extras and "config" in base.extras:
            lab.extras["config"] = base.extras["config"]  # an authors' file has no recipe: take --from's
        return lab, resume
    if base:
        return base, args.source
    if not (args.preset or args.arch):
        sys.exit("sll_lab.train: give --from W.json, --preset NAME or --arch FILE (or a --train-dir to resume)")
    if args.arch:
        with open(args.arch) as f:
            arch = validate_arch(json.load(f))
    else:
        arch = preset_arch(args.preset)
    torch.manual_seed(args.seed or 0)
    net = initialize(SllNetwork(arch))
    extras = {"config": {"preset": args.preset or "custom", "arch": arch}}
    return LabFile(arch=arch, tensors=net.state_dict(), extras=extras), "a fresh initialisation"


def run_config(lab, args):
    """The lab's TrainConfig (src/sll/trainConfig.ts) of the run: the file's, then the flags."""
    config = {"preset": "custom", "arch": lab.arch, "dataset": "cifar10", "loss": "xent",
              "learningRate": LEARNING_RATE, "batchSize": 64, "epochs": 1, "augment": True, "seed": 0,
              "trainLimit": 0, "evalEvery": 0, "evalSubset": 1000, "checkpointEvery": 0, "checkpointSeconds": 0}
    config.update(lab.extras.get("config") or {})
    config["arch"] = lab.arch
    for flag, key in (("epochs", "epochs"), ("batch", "batchSize"), ("lr", "learningRate"), ("loss", "loss"),
                      ("seed", "seed"), ("train_limit", "trainLimit")):
        if getattr(args, flag) is not None:
            config[key] = getattr(args, flag)
    if args.no_augment:
        config["augment"] = False
    if config["dataset"] != "cifar10":
        sys.exit(f"sll_lab.train: the run's dataset is {config['dataset']!r}; this trainer reads cifar10 only")
    return config


def seeded_generator(*key):
    """A torch generator for one purpose and position (data order of an epoch, augmentation of a
    step), the same on every rank and for any number of ranks."""
    seed = int(np.random.SeedSequence(list(key)).generate_state(1, np.uint64)[0])
    return torch.Generator().manual_seed(seed >> 1)  # below 2**63: manual_seed takes an int64


def main(argv=None):
    args = parse_args(argv)
    if "OMP_NUM_THREADS" not in os.environ:  # torchrun sets 1 per process; alone, use every core
        torch.set_num_threads(os.cpu_count() or 1)
    d = Dist(args.device)
    lab, origin = starting_point(args)
    config = run_config(lab, args)
    batch, world = config["batchSize"], d.world
    if batch % world:
        sys.exit(f"sll_lab.train: the global batch {batch} does not split evenly over {world} processes")
    train = load_split("train", root=args.data, limit=config["trainLimit"] or None)
    per_epoch = len(train.labels) // batch
    if per_epoch == 0:
        sys.exit(f"sll_lab.train: {len(train.labels)} training images make no batch of {batch}")
    steps = total_steps(config["epochs"], len(train.labels), batch)
    start = lab.optimizer["step"] if lab.optimizer else int(lab.extras.get("step") or 0)
    end = steps if args.steps is None else min(steps, start + args.steps)
    d.log(f"sll_lab.train: from {origin} at step {start}; steps {start}..{end} of {steps} "
          f"(global batch {batch} on {world} x {d.device.type}, {len(train.labels)} images, {per_epoch} steps/epoch)")

    net = SllNetwork(lab.arch)
    net.load_state_dict(lab.tensors, strict=True)
    for layer in net.modules():
        if isinstance(layer, SllConv):
            # q cancels in a conv layer (docs/math.md §2.1): no gradient, so DDP must not wait for one.
            layer.q.requires_grad_(False)
    net.to(d.device)
    model = NormalizedModel(net)  # the authors' layout: DDP(model).state_dict() is their checkpoint's
    adam = fill_adam(make_adam(model.parameters(), lr=config["learningRate"]), net, lab.optimizer)
    if world > 1:
        model = DistributedDataParallel(model, device_ids=[d.device.index] if d.device.type == "cuda" else None)
    save_every = args.save_every or per_epoch

    def save(step, metrics):
        if not args.train_dir or d.rank != 0:
            return
        extras = dict(lab.extras, config=config, step=step, metrics=metrics)
        extras.pop("evaluation", None)  # an earlier evaluation no longer describes these weights
        ckpt = authors_checkpoint(net, adam, step // per_epoch, step, lab.arch, extras)
        write_authors(ckpt, checkpoint_path(args.train_dir, step))

    local = batch // world
    metrics, began, orders = None, time.time(), {}
    for step in range(start, end):
        epoch, position = divmod(step, per_epoch)
        if epoch not in orders:  # this epoch's data order, from the seed alone
            orders = {epoch: torch.randperm(len(train.labels), generator=seeded_generator(config["seed"], 0, epoch))}
        order = orders[epoch]
        indices = order[position * batch:(position + 1) * batch][d.rank * local:(d.rank + 1) * local]
        x = to_tensor(train.images[indices.numpy()]).to(d.device)
        y = torch.from_numpy(train.labels[indices.numpy()]).to(d.device)
        if config["augment"]:
            params = sample_params(batch, seeded_generator(config["seed"], 1, step))
            x = augment(x, slice_params(params, d.rank * local, (d.rank + 1) * local))
        lr = learning_rate_at(step, steps, config["learningRate"])
        for group in adam.param_groups:
            group["lr"] = lr
        adam.zero_grad(set_to_none=True)
        logits = model(x)
        loss = training_loss(config["loss"], logits, y)
        loss.backward()
        adam.step()
        done = step + 1
        if done % args.log_every == 0 or done == end or done % save_every == 0:
            mean_loss, accuracy = d.mean([loss.item(), (logits.argmax(1) == y).float().mean().item()])
            if not math.isfinite(mean_loss):  # every rank sees the same mean, so all stop
                sys.exit(f"sll_lab.train: the loss is {mean_loss} at step {done}; the checkpoints before it are kept")
            rate = (done - start) * batch / max(time.time() - began, 1e-9)
            metrics = {"step": done, "epoch": done / per_epoch, "loss": mean_loss, "trainAccuracy": accuracy,
                       "learningRate": lr, "imagesPerSecond": rate}
            d.log(f"step {done}/{steps}  epoch {done / per_epoch:.2f}  loss {mean_loss:.4f}  "
                  f"acc {accuracy * 100:.1f}%  lr {lr:.6f}  {rate:.0f} img/s")
        if done % save_every == 0 or done == end:
            save(done, metrics)

    if d.rank == 0:
        state = adam.state_dict()
        optimizer = read_adam_state(lab.arch, state) if state["state"] else lab.optimizer
        extras = dict(lab.extras, config=config, step=end, metrics=metrics or lab.extras.get("metrics"),
                      exportedAt=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")
                      .replace("+00:00", "Z"))
        if end > start:
            extras.pop("evaluation", None)
        tensors = {k: v.detach().cpu() for k, v in net.state_dict().items()}
        write_lab_file(LabFile(arch=lab.arch, tensors=tensors, optimizer=optimizer, extras=extras), args.out)
        d.log(f"wrote {args.out} at step {end}")
    d.close()


if __name__ == "__main__":
    main()
