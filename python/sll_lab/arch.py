"""The lab's `Arch` (docs/math.md §2.3-2.4): presets, strict validation and the official
state_dict names and shapes, mirroring src/sll/arch.ts and src/sll/params.ts."""
import math

KERNEL_SIZE = 3
POOL_SIZE = 4
CIFAR10_MEAN = [0.4913, 0.4821, 0.4465]
CIFAR100_MEAN = [0.5071, 0.4865, 0.4409]

_PRESETS = {
    # name: nConv, nDense, width, convInnerDim, denseInnerDim
    "tiny": (2, 1, 8, 8, 64),
    "lab": (4, 1, 16, 16, 256),
    "small": (20, 7, 45, 5, 2048),
    "medium": (30, 10, 60, 5, 2048),
    "large": (50, 10, 90, 5, 2048),
    "xlarge": (70, 15, 120, 5, 2048),
}
PRESET_NAMES = tuple(_PRESETS)

# (min, max, -1 allowed), as src/sll/arch.ts.
_INT_FIELDS = {
    "nConv": (0, 1000, False),
    "nDense": (0, 1000, False),
    "width": (1, 4096, False),
    "convInnerDim": (1, 4096, True),
    "denseInnerDim": (1, 65536, True),
    "imageSize": (4, 512, False),
    "inChannels": (1, 64, False),
    "nClasses": (2, 100000, False),
}
ARCH_FIELDS = (*_INT_FIELDS, "mean", "std")


class ArchError(ValueError):
    pass


def preset_arch(name):
    if name not in _PRESETS:
        raise ArchError(f"unknown preset {name!r} (one of: {', '.join(PRESET_NAMES)})")
    n_conv, n_dense, width, conv_inner, dense_inner = _PRESETS[name]
    return {
        "nConv": n_conv, "nDense": n_dense, "width": width,
        "convInnerDim": conv_inner, "denseInnerDim": dense_inner,
        "imageSize": 32, "inChannels": 3, "nClasses": 10,
        "mean": list(CIFAR10_MEAN), "std": [1, 1, 1],
    }


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def validate_arch(value):
    """Checks an untrusted arch (a parsed JSON object) and returns a clean copy in field order;
    raises ArchError naming the field and the bad value."""
    if not isinstance(value, dict):
        raise ArchError(f'"arch" must be an object, got {type(value).__name__}')
    out = {}
    for field, (low, high, minus_one) in _INT_FIELDS.items():
        v = value.get(field)
        if v is None:
            raise ArchError(f"arch.{field} is missing")
        if isinstance(v, float) and v.is_integer():
            v = int(v)  # JSON has one number type; 8.0 is 8
        if not _is_int(v):
            raise ArchError(f"arch.{field} must be an integer, got {v!r}")
        if not (low <= v <= high or (minus_one and v == -1)):
            allowed = ("-1 or " if minus_one else "") + f"{low}..{high}"
            raise ArchError(f"arch.{field} = {v} is out of range (allowed: {allowed})")
        out[field] = v
    if out["imageSize"] % POOL_SIZE:
        raise ArchError(f"arch.imageSize = {out['imageSize']} must be a multiple of {POOL_SIZE} (4x4 pooling)")
    if out["width"] < out["inChannels"]:
        raise ArchError(
            f"arch.width = {out['width']} must be at least arch.inChannels = {out['inChannels']} (channel padding)")
    for field, positive in (("mean", False), ("std", True)):
        v = value.get(field)
        n = out["inChannels"]
        if not isinstance(v, list):
            raise ArchError(f"arch.{field} must be an array of {n} numbers")
        if len(v) != n:
            raise ArchError(f"arch.{field} has {len(v)} values but arch.inChannels = {n}")
        for i, x in enumerate(v):
            ok = isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)
            if not ok or (positive and x <= 0):
                raise ArchError(f"arch.{field}[{i}] = {x!r} is not allowed")
        out[field] = list(v)
    return out


def conv_inner(arch):
    return arch["width"] if arch["convInnerDim"] == -1 else arch["convInnerDim"]


def feature_count(arch):
    return arch["width"] * (arch["imageSize"] // POOL_SIZE) ** 2


def dense_inner(arch):
    return feature_count(arch) if arch["denseInnerDim"] == -1 else arch["denseInnerDim"]


def param_specs(arch):
    """[(name, shape)] for every parameter, in state_dict order (docs/math.md §6)."""
    k, inner, features, d_inner = KERNEL_SIZE, conv_inner(arch), feature_count(arch), dense_inner(arch)
    specs = []
    for i in range(1, arch["nConv"] + 1):
        specs += [(f"model.{i}.kernel", (inner, arch["width"], k, k)),
                  (f"model.{i}.bias", (1, inner, 1, 1)), (f"model.{i}.q", (inner,))]
    for i in range(arch["nConv"] + 3, arch["nConv"] + 3 + arch["nDense"]):
        specs += [(f"model.{i}.weight", (d_inner, features)),
                  (f"model.{i}.bias", (1, d_inner)), (f"model.{i}.q", (d_inner,))]
    last = arch["nConv"] + 3 + arch["nDense"]
    specs += [(f"model.{last}.weight", (arch["nClasses"], features)), (f"model.{last}.bias", (arch["nClasses"],))]
    return specs


def infer_arch(shapes, mean=None, std=None):
    """The arch that state_dict shapes ({name: shape}, no `module.` prefix) describe. The authors'
    checkpoints carry no arch; the normalisation comes from the class count (CIFAR-10 or -100)
    unless given. A network without convolutions cannot tell width from image size: give the arch."""
    kernels = sorted((int(n.split(".")[1]), s) for n, s in shapes.items() if n.endswith(".kernel"))
    weights = sorted((int(n.split(".")[1]), s) for n, s in shapes.items() if n.endswith(".weight"))
    if not weights:
        raise ArchError("not an SLL network: no last layer (model.{i}.weight of shape [classes, features])")
    if not kernels:
        raise ArchError("the network has no convolutions, so width and image size are ambiguous: give the arch")
    n_classes, features = weights[-1][1]
    inner, width = kernels[0][1][:2]
    side = round(math.sqrt(features / width))
    if side * side * width != features:
        raise ArchError(f"the last layer takes {features} features, not width {width} times a square")
    if mean is None:
        if n_classes not in (10, 100):
            raise ArchError(f"{n_classes} classes: not CIFAR-10/100, so the normalisation is unknown: give the arch")
        mean, std = (CIFAR10_MEAN if n_classes == 10 else CIFAR100_MEAN), [1, 1, 1]
    return validate_arch({
        "nConv": len(kernels), "nDense": len(weights) - 1, "width": width, "convInnerDim": inner,
        "denseInnerDim": weights[0][1][0] if len(weights) > 1 else -1, "imageSize": side * POOL_SIZE,
        "inChannels": len(mean), "nClasses": n_classes, "mean": list(mean), "std": list(std),
    })
