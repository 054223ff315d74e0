"""A lab checkpoint file (weights JSON with "optimizer") <-> the authors' checkpoint.

The authors' trainer saves `torch.save({'epoch', 'global_step', 'model_state_dict',
'optimizer_state_dict'})` from DistributedDataParallel(NormalizedModel(LipschitzNetwork)), so the
model keys are `module.model.model.{i}.*` (docs/math.md §8), and the optimizer is
torch.optim.Adam's state_dict: state keyed by parameter index in parameters() order (= the
state_dict order of docs/math.md §6), each {'step', 'exp_avg', 'exp_avg_sq'}.

The conv layers' `q` cancels (docs/math.md §2.1): the lab and sll_lab.train give it no gradient,
so torch keeps no Adam state for it, and we write none while its moments are zero; a missing state
reads as zero moments. The authors' autograd gives it rounding-level gradients, so their files may
hold a state for it: read as it is, its step not compared with the others'.
Writing also adds one key the authors' code ignores, 'sll_lab' (a JSON string with the lab's arch
and extra keys), so lab -> authors -> lab gives back the same file.
"""
import glob
import json
import os
import re
import warnings
from collections import OrderedDict

import torch

from .arch import infer_arch, param_specs, validate_arch
from .model import SllNetwork
from .recipe import BETAS, EPS, LEARNING_RATE, learning_rate_at, make_adam, total_steps
from .weights import LabFile, strip_module_prefix

AUTHORS_PREFIX = "module.model."  # + "model.{i}.*": DDP's `module.`, NormalizedModel's `model.`
RECORD_KEY = "sll_lab"
CHECKPOINT_NAME = re.compile(r"^model\.ckpt-(\d+)\.pth$")


class CheckpointError(ValueError):
    pass


def _step_value(step):
    """Adam's step as this torch stores it: a float tensor since 1.12, an int before."""
    p = torch.zeros(1, requires_grad=True)
    p.grad = torch.zeros(1)
    probe = torch.optim.Adam([p])
    probe.step()
    kept = probe.state[p]["step"]
    return torch.tensor(float(step), dtype=kept.dtype) if torch.is_tensor(kept) else int(step)


def _step_number(value, where):
    number = float(value.reshape(-1)[0]) if torch.is_tensor(value) else value
    if not isinstance(number, (int, float)) or number < 0 or number != int(number):
        raise CheckpointError(f"{where}: Adam's step must be a non-negative integer, got {value!r}")
    return int(number)


def _is_conv_q(arch, name):
    index = int(name.split(".")[1])
    return name.endswith(".q") and 1 <= index <= arch["nConv"]


def _all_zero_bits(t):
    return not bool(torch.any(t.view(torch.int32) != 0))  # -0.0 is not +0.0: keep it


def config_schedule(extras):
    """(total steps, peak lr, steps per epoch) from a lab config (src/sll/trainConfig.ts), or None."""
    config = extras.get("config") if isinstance(extras, dict) else None
    try:
        train_size = config.get("trainLimit") or 50000
        per_epoch = train_size // config["batchSize"]
        return total_steps(config["epochs"], train_size, config["batchSize"]), config["learningRate"], per_epoch
    except (AttributeError, KeyError, TypeError, ZeroDivisionError):
        return None


def fill_adam(adam, net, optimizer):
    """Puts a lab optimizer section ({step, exp_avg, exp_avg_sq} by name) into a torch Adam built
    over net.parameters(); conv q's all-zero moments stay out, as torch would have them."""
    adam.state.clear()
    if optimizer is None:
        return adam
    step = _step_value(optimizer["step"])
    for name, p in net.named_parameters():
        m, v = optimizer["exp_avg"][name], optimizer["exp_avg_sq"][name]
        if _is_conv_q(net.arch, name) and _all_zero_bits(m) and _all_zero_bits(v):
            continue
        adam.state[p] = {
            "step": step.clone() if torch.is_tensor(step) else step,
            "exp_avg": m.detach().clone().to(p.device),
            "exp_avg_sq": v.detach().clone().to(p.device),
        }
    return adam


def read_adam_state(arch, optimizer_state_dict):
    """torch Adam's state_dict over a network of `arch` -> a lab optimizer section, or None when
    Adam has taken no step (an empty state)."""
    if not isinstance(optimizer_state_dict, dict) or "state" not in optimizer_state_dict:
        raise CheckpointError("optimizer_state_dict is not a torch.optim state_dict (state and param_groups)")
    state, groups = optimizer_state_dict["state"], optimizer_state_dict.get("param_groups")
    if not state:
        return None
    if not isinstance(groups, list) or len(groups) != 1:
        raise CheckpointError(
            f"the optimizer has {len(groups or [])} parameter groups; only one (Adam over model.parameters()) "
            "says which state belongs to which parameter")
    group = groups[0]
    if group.get("amsgrad"):
        raise CheckpointError("the optimizer state is AMSGrad's, which the lab's Adam does not continue")
    if tuple(group.get("betas", BETAS)) != BETAS or group.get("eps", EPS) != EPS or group.get("weight_decay", 0):
        warnings.warn(f"the optimizer ran with betas {group.get('betas')}, eps {group.get('eps')}, weight decay "
                      f"{group.get('weight_decay')}; the lab continues with the recipe's {BETAS}, {EPS}, 0")
    specs = param_specs(arch)
    ids = list(group.get("params", []))
    if len(ids) != len(specs):
        raise CheckpointError(f"the optimizer holds {len(ids)} parameters but the network has {len(specs)}")
    step, exp_avg, exp_avg_sq = None, OrderedDict(), OrderedDict()
    for param_id, (name, shape) in zip(ids, specs):
        s = state.get(param_id)
        if s is None:  # never had a gradient (conv q): zero moments
            exp_avg[name] = torch.zeros(shape)
            exp_avg_sq[name] = torch.zeros(shape)
            continue
        for key in ("exp_avg", "exp_avg_sq"):
            t = s.get(key)
            if not torch.is_tensor(t) or t.dtype != torch.float32 or tuple(t.shape) != shape:
                what = f"{t.dtype} {list(t.shape)}" if torch.is_tensor(t) else type(t).__name__
                raise CheckpointError(f"optimizer {key} of {name}: expected float32 {list(shape)}, got {what}")
            if not bool(torch.isfinite(t).all()):
                raise CheckpointError(f"optimizer {key} of {name} holds NaN or Inf")
        if bool((s["exp_avg_sq"] < 0).any()):
            raise CheckpointError(f"optimizer exp_avg_sq of {name} holds negative values")
        exp_avg[name] = s["exp_avg"].detach().cpu().clone()
        exp_avg_sq[name] = s["exp_avg_sq"].detach().cpu().clone()
        at = _step_number(s.get("step"), name)
        if _is_conv_q(arch, name):
            # q cancels in a conv layer: the authors' autograd gives it rounding-noise gradients, a
            # trainer that freezes it (the lab, ours) leaves its state behind; its step is no guide.
            continue
        if step is not None and at != step:
            raise CheckpointError(f"Adam's step differs between parameters: {step} and {at} ({name})")
        step = at
    return {"step": step or 0, "exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq}


def authors_checkpoint(net, adam, epoch, global_step, arch, extras, has_optimizer=True):
    """The dict the authors' trainer saves, from a live (unwrapped) network and its Adam; the
    'sll_lab' record says whether the lab file had an optimizer section (at step 0 torch's is empty)."""
    model_state = OrderedDict((AUTHORS_PREFIX + k, v.detach().cpu().clone()) for k, v in net.state_dict().items())
    adam_state = adam.state_dict()
    for s in adam_state["state"].values():
        for key in ("exp_avg", "exp_avg_sq"):
            s[key] = s[key].detach().cpu().clone()
    record = {"arch": arch, "extras": extras, "optimizer": has_optimizer}
    record = json.dumps(record, separators=(",", ":"), allow_nan=False)
    return {"epoch": int(epoch), "global_step": int(global_step), "model_state_dict": model_state,
            "optimizer_state_dict": adam_state, RECORD_KEY: record}


def lab_to_authors(lab):
    """LabFile -> the authors' checkpoint dict. Without an optimizer section, Adam's state is empty
    (a fresh optimizer), as in a checkpoint saved before the first step."""
    net = SllNetwork(lab.arch)
    net.load_state_dict(lab.tensors, strict=True)
    step = lab.optimizer["step"] if lab.optimizer else int(lab.extras.get("step") or 0)
    schedule = config_schedule(lab.extras)
    # param_groups' lr is what the authors' scheduler leaves for the next step.
    lr = learning_rate_at(step, schedule[0], schedule[1]) if schedule else LEARNING_RATE
    adam = fill_adam(make_adam(net.parameters(), lr=lr), net, lab.optimizer)
    epoch = step // schedule[2] if schedule and schedule[2] > 0 else 0
    return authors_checkpoint(net, adam, epoch, step, lab.arch, lab.extras, lab.optimizer is not None)


def authors_to_lab(ckpt, arch=None):
    """The authors' checkpoint dict (or a bare state dict) -> LabFile. The arch comes from `arch`,
    else from our 'sll_lab' record, else from the tensor shapes (arch.infer_arch)."""
    if not isinstance(ckpt, dict):
        raise CheckpointError(f"not a checkpoint: torch.load gave a {type(ckpt).__name__}, not a dict")
    record = json.loads(ckpt[RECORD_KEY]) if isinstance(ckpt.get(RECORD_KEY), str) else None
    model_state = ckpt.get("model_state_dict", ckpt if "optimizer_state_dict" not in ckpt else None)
    if not isinstance(model_state, dict):
        raise CheckpointError('no "model_state_dict" in the checkpoint')
    tensors = OrderedDict()
    for key, value in model_state.items():
        if key == RECORD_KEY or key in ("epoch", "global_step"):
            continue
        if not torch.is_tensor(value):
            raise CheckpointError(f"{key} is a {type(value).__name__}, not a tensor")
        tensors[strip_module_prefix(key)] = value
    if arch is None and record:
        arch = record["arch"]
    arch = validate_arch(arch) if arch is not None else infer_arch({k: tuple(v.shape) for k, v in tensors.items()})
    specs = OrderedDict(param_specs(arch))
    unexpected = [k for k in tensors if k not in specs]
    missing = [k for k in specs if k not in tensors]
    if unexpected or missing:
        raise CheckpointError(
            f"the state dict does not fit the arch: missing {missing[:5]}, unexpected {unexpected[:5]}")
    for name, shape in specs.items():
        t = tensors[name]
        if t.dtype != torch.float32 or tuple(t.shape) != shape:
            raise CheckpointError(f"{name}: expected float32 {list(shape)}, got {t.dtype} {list(t.shape)}")
        if not bool(torch.isfinite(t).all()):
            raise CheckpointError(f"{name} holds NaN or Inf: weights must be finite")
    tensors = OrderedDict((n, tensors[n].detach().cpu().clone()) for n in specs)
    optimizer = None
    if "optimizer_state_dict" in ckpt:
        optimizer = read_adam_state(arch, ckpt["optimizer_state_dict"])
    if record:
        extras = dict(record["extras"])
        if record.get("optimizer") and optimizer is None:  # a lab file at step 0: zero moments
            optimizer = {"step": 0, "exp_avg": OrderedDict((n, torch.zeros(s)) for n, s in specs.items()),
                         "exp_avg_sq": OrderedDict((n, torch.zeros(s)) for n, s in specs.items())}
    else:
        extras = {"source": "pytorch"}
        for key in ("epoch", "global_step"):
            if isinstance(ckpt.get(key), int):
                extras[key] = ckpt[key]
        extras["step"] = optimizer["step"] if optimizer else ckpt.get("global_step", 0)
    return LabFile(arch=arch, tensors=tensors, optimizer=optimizer, extras=extras)


def read_authors(path):
    """torch.load on the CPU. A .pth file is a pickle, able to run code: read only files you trust
    (torch 1.13's weights_only reader rejects the floats every optimizer state holds)."""
    return torch.load(path, map_location="cpu")


def write_authors(ckpt, path):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.tmp"
    torch.save(ckpt, tmp)
    os.replace(tmp, path)  # a crash never leaves half a checkpoint under the real name


def checkpoint_path(train_dir, step):
    return os.path.join(train_dir, "checkpoints", f"model.ckpt-{step}.pth")


def newest_checkpoint(train_dir):
    """DIR/checkpoints/model.ckpt-N.pth with the largest N, as the authors' _load_state picks it."""
    found = []
    for path in glob.glob(os.path.join(train_dir, "checkpoints", "model.ckpt-*.pth")):
        m = CHECKPOINT_NAME.match(os.path.basename(path))
        if m:
            found.append((int(m.group(1)), path))
    return max(found)[1] if found else None

