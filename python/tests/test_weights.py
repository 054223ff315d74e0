"""sll-lab/weights JSON <-> state dict: bit-exact both ways, strict on bad files (docs/math.md §6)."""
import base64
import copy
import json
import math
import unittest

import torch

from sll_lab.arch import param_specs, preset_arch
from sll_lab.model import SllNetwork, initialize
from sll_lab.weights import LabFile, WeightsFileError, lab_document, parse_lab_file, read_lab_file

from . import helpers


def data_strings(doc):
    out = {f"tensors/{t['name']}": t["data"] for t in doc["tensors"]}
    for moment in ("exp_avg", "exp_avg_sq"):
        for t in (doc.get("optimizer") or {}).get(moment, []):
            out[f"{moment}/{t['name']}"] = t["data"]
    return out


def load(path):
    with open(path) as f:
        return json.load(f)


class RoundTrip(unittest.TestCase):
    def assert_round_trip(self, path):
        doc = load(path)
        lab = read_lab_file(path)
        again = lab_document(lab)
        self.assertEqual(data_strings(again), data_strings(doc))  # the base64 text itself
        self.assertEqual(again, doc)  # and every other key, extras included, in the same order
        self.assertEqual(list(again), list(doc))
        return lab

    def test_a_file_written_by_sll_lab_init(self):
        lab = self.assert_round_trip(helpers.lab_init("tiny"))
        self.assertIsNone(lab.optimizer)
        net = SllNetwork(lab.arch)
        net.load_state_dict(lab.tensors, strict=True)  # the official names, nothing more
        self.assertEqual(list(net.state_dict()), [name for name, _ in param_specs(lab.arch)])

    def test_a_checkpoint_written_by_sll_lab_train_with_optimizer(self):
        lab = self.assert_round_trip(helpers.lab_checkpoint())
        self.assertEqual(lab.optimizer["step"], 2)
        self.assertEqual(lab.extras["step"], 2)
        self.assertEqual(lab.extras["config"]["preset"], "tiny")
        self.assertEqual(list(lab.optimizer["exp_avg"]), list(lab.tensors))
        self.assertGreater(float(lab.optimizer["exp_avg_sq"]["model.5.weight"].max()), 0)

    def test_state_dict_to_json_to_state_dict_keeps_every_bit(self):
        arch = preset_arch("tiny")
        torch.manual_seed(0)
        tensors = {name: torch.randn(shape) for name, shape in param_specs(arch)}
        odd = torch.tensor([-0.0, 1e-45, -3.4028235e38, 1.17549435e-38, 0.1], dtype=torch.float32)
        tensors["model.6.bias"][:5] = odd  # signed zero, subnormal, extremes
        moments = {name: torch.rand(shape) for name, shape in param_specs(arch)}
        lab = LabFile(arch, tensors, {"step": 7, "exp_avg": tensors, "exp_avg_sq": moments}, {"note": "kept"})
        back = parse_lab_file(json.loads(json.dumps(lab_document(lab))))
        for name in tensors:
            self.assertTrue(torch.equal(back.tensors[name].view(torch.int32), tensors[name].view(torch.int32)), name)
            self.assertTrue(torch.equal(back.optimizer["exp_avg_sq"][name].view(torch.int32),
                                        moments[name].view(torch.int32)), name)
        self.assertEqual(back.optimizer["step"], 7)
        self.assertEqual(back.extras, {"note": "kept"})

    def test_module_prefixes_are_stripped(self):
        doc = lab_document(LabFile(preset_arch("tiny"), initialize(SllNetwork(preset_arch("tiny"))).state_dict()))
        doc["tensors"][0]["name"] = "module.model.model.1.kernel"
        doc["tensors"][1]["name"] = "module.model.1.bias"
        self.assertEqual(list(parse_lab_file(doc).tensors)[:2], ["model.1.kernel", "model.1.bias"])


class StrictReading(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        arch = preset_arch("tiny")
        torch.manual_seed(1)
        tensors = {name: torch.randn(shape) for name, shape in param_specs(arch)}
        moments = {name: torch.rand(shape) for name, shape in param_specs(arch)}
        cls.doc = lab_document(LabFile(arch, tensors, {"step": 3, "exp_avg": tensors, "exp_avg_sq": moments}))

    def assert_rejected(self, change, message):
        doc = copy.deepcopy(self.doc)
        change(doc)
        with self.assertRaises(WeightsFileError) as caught:
            parse_lab_file(doc)
        self.assertIn(message, str(caught.exception))

    def test_each_kind_of_bad_file_says_what_is_wrong(self):
        def set_data(doc, values):
            doc["tensors"][-1]["data"] = base64.b64encode(torch.tensor(values).numpy().tobytes()).decode()

        cases = [
            (lambda d: d.update(format="x"), 'wrong format "x"'),
            (lambda d: d.update(version=2), "unsupported version 2"),
            (lambda d: d["arch"].update(width=0), "arch.width = 0 is out of range"),
            (lambda d: d["arch"].pop("nClasses"), "arch.nClasses is missing"),
            (lambda d: d["tensors"].pop(0), "missing tensor: model.1.kernel"),
            (lambda d: d["tensors"].append(copy.deepcopy(d["tensors"][0])), "tensor model.1.kernel appears twice"),
            (lambda d: d["tensors"][0].update(name="model.9.kernel"), "unexpected tensor model.9.kernel"),
            (lambda d: d["tensors"][0].update(shape=[8, 8, 9]), "has shape [8, 8, 9] but the arch needs [8, 8, 3, 3]"),
            (lambda d: d["tensors"][0].update(dtype="float16"), 'dtype "float16"'),
            (lambda d: d["tensors"][0].update(data="@@@@"), "bad base64"),
            (lambda d: d["tensors"][0].update(data=d["tensors"][0]["data"][:-8]), "data truncated"),
            (lambda d: set_data(d, [1.0] * 9 + [math.nan]), "holds nan at index 9"),
            (lambda d: set_data(d, [math.inf] + [1.0] * 9), "holds inf at index 0"),
            (lambda d: d["optimizer"].update(kind="sgd"), 'optimizer kind "sgd"'),
            (lambda d: d["optimizer"].update(step=-1), "optimizer step must be a non-negative integer"),
            (lambda d: d["optimizer"]["exp_avg"].pop(), "optimizer.exp_avg: missing tensor: model.6.bias"),
        ]
        for change, message in cases:
            with self.subTest(message):
                self.assert_rejected(change, message)

    def test_a_negative_second_moment_is_rejected_with_its_index(self):
        def negative(doc):
            values = torch.ones(10)
            values[4] = -1
            doc["optimizer"]["exp_avg_sq"][-1]["data"] = base64.b64encode(values.numpy().tobytes()).decode()

        self.assert_rejected(negative, "holds -1.0 at index 4: it must be >= 0")


if __name__ == "__main__":
    unittest.main()
