"""The old import path of the PyTorch SLL module, which now lives in the python/sll_lab package
(model.py, weights.py, logits.py). bench_torch.py and test/sll/pth.test.ts use it as before:

    sys.path.insert(0, 'bench/pytorch'); from sll_torch import load_weights
    python3 bench/pytorch/sll_torch.py logits --weights W.json --images X.npy --out L.npy [--float64]

Unlike the package's, this SllNetwork keeps `mean` and `std` in its state_dict, as it always did
(test/sll/pth.test.ts reads those buffers); the authors' layout, and the package's, has none.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))

from sll_lab import model  # noqa: E402
from sll_lab.logits import main  # noqa: E402
from sll_lab.model import LinearNormalized, SllConv, SllDense, ZeroPadChannels, safe_inverse  # noqa: E402,F401
from sll_lab.weights import WeightsFileError, read_lab_file  # noqa: E402


class SllNetwork(model.SllNetwork):
    def __init__(self, arch):
        super().__init__(arch)
        self.register_buffer("mean", self.mean, persistent=True)
        self.register_buffer("std", self.std, persistent=True)


def load_weights(path):
    try:
        lab = read_lab_file(path)
    except WeightsFileError as e:
        sys.exit(str(e))
    net = SllNetwork(lab.arch)
    # Buffers (mean, std) come from arch; every parameter is in the file, nothing else.
    missing, unexpected = net.load_state_dict(lab.tensors, strict=False)
    assert sorted(missing) == ["mean", "std"] and not unexpected
    return net


if __name__ == "__main__":
    main()
