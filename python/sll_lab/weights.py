"""The sll-lab/weights v1 file (docs/math.md §6) <-> PyTorch tensors, both ways, bit for bit.

A file's tensors become an ordered state dict {name: float32 tensor} of the official layout; the
optional "optimizer" section (a checkpoint file) becomes {"step", "exp_avg", "exp_avg_sq"} with one
such dict per moment. Every other top-level key (config, step, metrics, ...) is kept in `extras`, in
file order, and written back. Reading is all-or-nothing with the lab's checks (src/sll/weightsJson.ts).
"""
import base64
import binascii
import json
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Optional

import numpy as np
import torch

from .arch import ArchError, param_specs, validate_arch

FORMAT = "sll-lab/weights"
VERSION = 1
_KNOWN_KEYS = ("format", "version", "arch", "tensors", "optimizer")
_BASE64 = re.compile(r"^[A-Za-z0-9+/]*={0,2}$")

class WeightsFileError(ValueError):
    pass


@dataclass
class LabFile:
    arch: dict
    tensors: "OrderedDict[str, torch.Tensor]"
    # {"step": int, "exp_avg": OrderedDict, "exp_avg_sq": OrderedDict}, or None for weights only.
    optimizer: Optional[dict] = None
    extras: dict = field(default_factory=dict)


def strip_module_prefix(name):
    """Official checkpoints store `module.model.model.{i}.*` (data-parallel, then normalising
    wrapper); a data-parallel network alone stores `module.model.{i}.*`."""
    if name.startswith("module.model.model."):
        return name[len("module.model."):]
    if name.startswith("module."):
        return name[len("module."):]
    return name


def encode_tensor(t):
    """base64 of the little-endian float32 values in PyTorch (C-contiguous) layout."""
    if t.dtype != torch.float32:
        raise WeightsFileError(f"tensors must be float32 to be written bit-exact, got {t.dtype}")
    return base64.b64encode(t.detach().cpu().contiguous().numpy().astype("<f4", copy=False).tobytes()).decode("ascii")


def _decode_tensor(entry, where, specs):
    if not isinstance(entry, dict):
        raise WeightsFileError(f"{where} is not an object")
    raw_name = entry.get("name")
    if not isinstance(raw_name, str):
        raise WeightsFileError(f'{where} has no "name" string')
    name = strip_module_prefix(raw_name)
    if name not in specs:
        raise WeightsFileError(f"unexpected tensor {raw_name}: the arch has no such parameter")
    if entry.get("dtype") != "float32":
        raise WeightsFileError(f'tensor {name} has dtype {json.dumps(entry.get("dtype"))}; only "float32" is read')
    shape = entry.get("shape")
    if not isinstance(shape, list) or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape):
        raise WeightsFileError(f'tensor {name} has no valid "shape" (an array of sizes)')
    if tuple(shape) != specs[name]:
        raise WeightsFileError(
            f"tensor {name} has shape {list(shape)} but the arch needs {list(specs[name])}")
    data = entry.get("data")
    if not isinstance(data, str):
        raise WeightsFileError(f'tensor {name} has no base64 "data" string')
    if len(data) % 4 or not _BASE64.match(data):
        raise WeightsFileError(f"tensor {name}: bad base64 data")
    try:
        raw = base64.b64decode(data, validate=True)
    except binascii.Error as e:
        raise WeightsFileError(f"tensor {name}: bad base64 data: {e}") from None
    expected = 4 * int(np.prod(shape, dtype=np.int64))
    if len(raw) != expected:
        what = "truncated" if len(raw) < expected else "too long"
        raise WeightsFileError(f"tensor {name}: data {what}: {len(raw)} bytes, expected {expected}")
    values = np.frombuffer(raw, dtype="<f4")
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise WeightsFileError(f"tensor {name} holds {values[bad[0]]} at index {bad[0]}: weights must be finite")
    return name, torch.from_numpy(values.astype(np.float32).reshape(shape))  # astype copies: writable


def _decode_list(value, where, specs):
    if not isinstance(value, list):
        raise WeightsFileError(f'"{where}" must be an array')
    out = OrderedDict()
    for i, entry in enumerate(value):
        name, t = _decode_tensor(entry, f"{where}[{i}]", specs)
        if name in out:
            raise WeightsFileError(f"{where}: tensor {name} appears twice")
        out[name] = t
    missing = [n for n in specs if n not in out]
    if missing:
        names = ", ".join(missing[:5]) + (f", ... ({len(missing)} in all)" if len(missing) > 5 else "")
        prefix = "" if where == "tensors" else f"{where}: "
        raise WeightsFileError(f"{prefix}missing tensor{'s' if len(missing) > 1 else ''}: {names}")
    # State dict order, whatever the file's order.
    return OrderedDict((n, out[n]) for n in specs)


def _decode_optimizer(value, specs):
    if not isinstance(value, dict):
        raise WeightsFileError('"optimizer" must be an object')
    if value.get("kind") != "adam":
        raise WeightsFileError(f'optimizer kind {json.dumps(value.get("kind"))}: only "adam" is read')
    step = value.get("step")
    if isinstance(step, float) and step.is_integer():
        step = int(step)
    if not isinstance(step, int) or isinstance(step, bool) or step < 0:
        raise WeightsFileError(f"optimizer step must be a non-negative integer, got {json.dumps(step)}")
    exp_avg = _decode_list(value.get("exp_avg"), "optimizer.exp_avg", specs)
    exp_avg_sq = _decode_list(value.get("exp_avg_sq"), "optimizer.exp_avg_sq", specs)
    for name, t in exp_avg_sq.items():
        negative = torch.nonzero(t.reshape(-1) < 0)
        if negative.numel():
            i = int(negative[0])
            raise WeightsFileError(
                f"optimizer.exp_avg_sq: tensor {name} holds {float(t.reshape(-1)[i])} at index {i}: it must be >= 0")
    return {"step": step, "exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq}


def parse_lab_file(doc):
    """A parsed JSON object -> LabFile; raises WeightsFileError saying what is wrong."""
    if not isinstance(doc, dict):
        raise WeightsFileError("the file must hold one JSON object")
    if doc.get("format") != FORMAT:
        raise WeightsFileError(f'wrong format {json.dumps(doc.get("format"))}: expected "{FORMAT}"')
    if doc.get("version") != VERSION or isinstance(doc.get("version"), bool):
        raise WeightsFileError(f'unsupported version {json.dumps(doc.get("version"))}: this reads version {VERSION}')
    try:
        arch = validate_arch(doc.get("arch"))
    except ArchError as e:
        raise WeightsFileError(f"invalid arch: {e}") from None
    specs = OrderedDict(param_specs(arch))
    tensors = _decode_list(doc.get("tensors"), "tensors", specs)
    optimizer = None if doc.get("optimizer") is None else _decode_optimizer(doc["optimizer"], specs)
    extras = {k: v for k, v in doc.items() if k not in _KNOWN_KEYS}
    return LabFile(arch=arch, tensors=tensors, optimizer=optimizer, extras=extras)


def read_lab_file(path):
    try:
        with open(path, "rb") as f:
            doc = json.loads(f.read())
    except json.JSONDecodeError as e:
        raise WeightsFileError(f"{path}: not a JSON file ({e})") from None
    try:
        return parse_lab_file(doc)
    except WeightsFileError as e:
        raise WeightsFileError(f"{path}: {e}") from None


def _encode_list(arch, values, where):
    out = []
    for name, shape in param_specs(arch):
        if name not in values:
            raise WeightsFileError(f"{where}: missing tensor {name}")
        t = values[name]
        if tuple(t.shape) != shape:
            raise WeightsFileError(f"{where}: tensor {name} has shape {list(t.shape)} but the arch needs {list(shape)}")
        out.append({"name": name, "shape": list(shape), "dtype": "float32", "data": encode_tensor(t)})
    return out


def lab_document(lab):
    """LabFile -> the JSON object, laid out as the lab writes it: extras first, then format,
    version, arch, tensors and optimizer (src/sll/weightsJson.ts buildWeightsFile)."""
    arch = validate_arch(lab.arch)
    doc = {k: v for k, v in lab.extras.items() if k not in _KNOWN_KEYS}
    doc.update(format=FORMAT, version=VERSION, arch=arch, tensors=_encode_list(arch, lab.tensors, "tensors"))
    if lab.optimizer is not None:
        o = lab.optimizer
        doc["optimizer"] = {
            "kind": "adam", "step": int(o["step"]),
            "exp_avg": _encode_list(arch, o["exp_avg"], "optimizer.exp_avg"),
            "exp_avg_sq": _encode_list(arch, o["exp_avg_sq"], "optimizer.exp_avg_sq"),
        }
    return doc


def write_lab_file(lab, path):
    """Writes atomically enough for our use: the whole text, then one write."""
    text = json.dumps(lab_document(lab), separators=(",", ":"), allow_nan=False)
    with open(path, "w", encoding="ascii") as f:
        f.write(text)


def load_network(path):
    """The network of a weights file, ready to evaluate: `net = load_network("W.json"); net(x)`."""
    from .model import SllNetwork  # here, so that the file format needs no model code

    lab = read_lab_file(path)
    net = SllNetwork(lab.arch)
    net.load_state_dict(lab.tensors, strict=True)
    return net
