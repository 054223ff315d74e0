"""The Python module's logits against the lab's (`sll-lab certify --json`) on the same weights
file and the same 2 images: within 1e-5 relative (max |difference| / max |logit|), for every
preset's layer shapes.

tiny (on the lab's CPU backend) and lab run whole, from files `sll-lab init` wrote. The official
presets' dense Gram matrices make whole networks slow on 2 cores, so by default each runs as its
shaped variant: every conv layer of the preset (its depth, width, conv inner 5, 32x32 images) and
its flattened features, with one dense layer of inner 64. SLL_LAB_FULL_PRESETS=1 also runs small,
medium, large and xlarge whole on the lab's WASM backend (about 30 minutes here, most of it the
float64 reference in PyTorch), from files this package writes: JSON for small and medium, a .pth
state dict for large and xlarge, whose JSON would be longer than the longest string V8 holds
(2^29 - 24 characters), so the lab can neither write nor read it.
"""
import os
import time
import unittest

import numpy as np
import torch

from sll_lab.arch import preset_arch
from sll_lab.data import load_split, to_tensor
from sll_lab.model import SllNetwork, initialize
from sll_lab.weights import LabFile, load_network, write_lab_file

from . import helpers

TOLERANCE = 1e-5


def shaped(name):
    arch = preset_arch(name)
    arch.update(nDense=1, denseInnerDim=64)
    return arch


def python_logits(weights, images):
    """{dtype: logits} of the module loading `weights`, in float32 and float64."""
    if weights.endswith(".pth"):
        net = SllNetwork(preset_arch(os.path.basename(weights)[:-4]))
        net.load_state_dict(torch.load(weights), strict=True)
    else:
        net = load_network(weights)
    out = {}
    for dtype in (torch.float32, torch.float64):
        with torch.no_grad():
            out[dtype] = net.eval().to(dtype)(images.to(dtype)).double().numpy()
    return out


def whole_preset(name, seed):
    """A whole preset's initial weights, written here (the lab's JSON writer holds the file as one
    string): JSON while it fits a V8 string, else a state dict .pth, which the lab reads too."""
    torch.manual_seed(seed)
    net = initialize(SllNetwork(preset_arch(name)))
    if name in ("large", "xlarge"):
        path = helpers.scratch(f"{name}.pth")
        torch.save(net.state_dict(), path)
    else:
        path = helpers.scratch(f"{name}.json")
        write_lab_file(LabFile(preset_arch(name), net.state_dict()), path)
    return path


class LogitsEqualTheLabs(unittest.TestCase):
    def compare(self, arch_or_preset, seed, whole=False):
        name = arch_or_preset if isinstance(arch_or_preset, str) else "shaped"
        arch = preset_arch(name) if isinstance(arch_or_preset, str) else arch_or_preset
        weights = whole_preset(name, seed) if whole else helpers.lab_init(arch_or_preset, seed=seed)
        rng = np.random.default_rng(seed)
        images = rng.random((2, arch["inChannels"], arch["imageSize"], arch["imageSize"]), dtype=np.float32)
        x = helpers.scratch(f"images-{seed}.npy")
        np.save(x, images)
        # WASM is several times faster on big networks (and equal to the CPU backend, test/cli).
        backend = ["--backend", "wasm"] if name != "tiny" else []
        began = time.time()
        ours = np.array(helpers.lab_json("certify", "--weights", weights, "--images", x, *backend, "--json")["logits"])
        seconds = time.time() - began
        theirs = python_logits(weights, torch.from_numpy(images))
        scale = np.abs(theirs[torch.float64]).max()
        for dtype in (torch.float32, torch.float64):
            error = np.abs(ours - theirs[dtype]).max() / scale
            print(f"\n  {name} ({arch['nConv']} conv, {arch['nDense']} dense, width {arch['width']}): max relative "
                  f"logit difference, lab vs torch {str(dtype)[6:]}: {error:.2e} (lab: {seconds:.0f} s)", end="")
            self.assertLess(error, TOLERANCE)

    def test_tiny(self):
        self.compare("tiny", 11)

    def test_lab(self):
        self.compare("lab", 12)

    def test_shapes_of_small(self):
        self.compare(shaped("small"), 13)

    def test_shapes_of_medium(self):
        self.compare(shaped("medium"), 14)

    def test_shapes_of_large(self):
        self.compare(shaped("large"), 15)

    def test_shapes_of_xlarge(self):
        self.compare(shaped("xlarge"), 16)

    @unittest.skipUnless(os.environ.get("SLL_LAB_FULL_PRESETS"), "whole official presets: SLL_LAB_FULL_PRESETS=1")
    def test_whole_official_presets(self):
        for seed, name in enumerate(("small", "medium", "large", "xlarge"), start=17):
            with self.subTest(name):
                self.compare(name, seed, whole=True)

    def test_the_same_cifar10_images_as_the_lab(self):
        """Our decoding of the lab's PNG shards gives the images the lab evaluates."""
        weights = helpers.lab_init("tiny", seed=11)
        ours = np.array(helpers.lab_json("certify", "--weights", weights, "--dataset", "cifar10",
                                         "--limit", "4", "--json")["logits"])
        theirs = python_logits(weights, to_tensor(load_split("test", limit=4).images))[torch.float64]
        self.assertLess(np.abs(ours - theirs).max() / np.abs(theirs).max(), TOLERANCE)


if __name__ == "__main__":
    unittest.main()
