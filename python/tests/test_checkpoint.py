"""Lab checkpoint file <-> the authors' checkpoint (torch.save of epoch, global_step,
model_state_dict with DDP's `module.` prefix, and torch.optim.Adam's state_dict)."""
import os
import unittest
from collections import OrderedDict

import torch

from sll_lab.arch import param_specs, preset_arch
from sll_lab.checkpoint import (CheckpointError, authors_to_lab, lab_to_authors, newest_checkpoint,
                                read_authors, write_authors)
from sll_lab.model import NormalizedModel, SllNetwork, initialize
from sll_lab.recipe import make_adam, offset_cross_entropy
from sll_lab.weights import lab_document, read_lab_file

from . import helpers
from .test_weights import data_strings, load


def bits(t):
    return t.contiguous().view(torch.int32)


class LabToAuthorsAndBack(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.path = helpers.lab_checkpoint()
        cls.lab = read_lab_file(cls.path)
        cls.pth = helpers.scratch("authors.pth")
        write_authors(lab_to_authors(cls.lab), cls.pth)
        cls.ckpt = read_authors(cls.pth)

    def test_the_round_trip_keeps_the_adam_moments_bit_exact(self):
        back = authors_to_lab(read_authors(self.pth))
        doc = load(self.path)
        self.assertEqual(data_strings(lab_document(back)), data_strings(doc))
        self.assertEqual(lab_document(back), doc)

    def test_the_file_has_the_authors_layout(self):
        ckpt, lab = self.ckpt, self.lab
        self.assertEqual(ckpt["global_step"], 2)
        self.assertEqual(ckpt["epoch"], 1)  # 2 steps of 2 per epoch done
        names = [name for name, _ in param_specs(lab.arch)]
        self.assertEqual(list(ckpt["model_state_dict"]), ["module.model." + n for n in names])
        self.assertTrue(all(k.startswith("module.model.model.") for k in ckpt["model_state_dict"]))
        (group,) = ckpt["optimizer_state_dict"]["param_groups"]
        self.assertEqual((group["betas"], group["eps"], group["weight_decay"], group["amsgrad"]),
                         ((0.5, 0.9), 1e-8, 0, False))
        self.assertEqual(group["params"], list(range(len(names))))
        state = ckpt["optimizer_state_dict"]["state"]
        # torch keeps no state for a parameter without gradient: the conv layers' q.
        self.assertEqual(sorted(state), [i for i, n in enumerate(names) if n not in ("model.1.q", "model.2.q")])
        for i, name in enumerate(names):
            if i in state:
                self.assertEqual(float(state[i]["step"]), 2.0)
                self.assertTrue(torch.equal(bits(state[i]["exp_avg"]), bits(lab.optimizer["exp_avg"][name])))
                self.assertTrue(torch.equal(bits(state[i]["exp_avg_sq"]), bits(lab.optimizer["exp_avg_sq"][name])))

    def test_a_fresh_module_and_adam_load_it_strictly(self):
        model = NormalizedModel(SllNetwork(self.lab.arch))
        state = OrderedDict((k[len("module."):], v) for k, v in self.ckpt["model_state_dict"].items())
        model.load_state_dict(state, strict=True)
        adam = make_adam(model.parameters())
        adam.load_state_dict(self.ckpt["optimizer_state_dict"])
        weight = model.model.model[5].weight
        expected = self.lab.optimizer["exp_avg"]["model.5.weight"]
        self.assertTrue(torch.equal(bits(adam.state[weight]["exp_avg"]), bits(expected)))
        # and training goes on from there: one more step, Adam's step 3
        loss = offset_cross_entropy(model(torch.rand(4, 3, 32, 32)), torch.tensor([0, 1, 2, 3]))
        loss.backward()
        adam.step()
        self.assertEqual(float(adam.state[weight]["step"]), 3.0)

    def test_the_convert_command_picks_the_direction_by_extension(self):
        pth, back = helpers.scratch("convert.pth"), helpers.scratch("convert.json")
        helpers.python("-m", "sll_lab.convert", self.path, pth)
        helpers.python("-m", "sll_lab.convert", pth, back)
        self.assertEqual(load(back), load(self.path))
        with self.assertRaises(AssertionError) as caught:
            helpers.python("-m", "sll_lab.convert", self.path, helpers.scratch("same.json"))
        self.assertIn("give one .json and one .pth file", str(caught.exception))


class ReadingTheAuthorsFiles(unittest.TestCase):
    """Files as the authors' trainer writes them: no 'sll_lab' record, conv q trained by autograd."""

    def authors_run(self, prefix="module.", steps=2):
        arch = preset_arch("tiny")
        torch.manual_seed(3)
        model = NormalizedModel(initialize(SllNetwork(arch)))
        adam = make_adam(model.parameters())
        for _ in range(steps):
            adam.zero_grad()
            offset_cross_entropy(model(torch.rand(8, 3, 32, 32)), torch.arange(8)).backward()
            adam.step()
        state = model.state_dict() if prefix == "module." else model.model.state_dict()
        ckpt = {"epoch": 0, "global_step": steps - 1,
                "model_state_dict": OrderedDict(("module." + k, v) for k, v in state.items()),
                "optimizer_state_dict": adam.state_dict()}
        return arch, model, adam, ckpt

    def test_an_authors_checkpoint_reads_with_arch_weights_and_moments(self):
        arch, model, adam, ckpt = self.authors_run()
        path = helpers.scratch("authors-run.pth")
        torch.save(ckpt, path)
        lab = authors_to_lab(read_authors(path))
        self.assertEqual(lab.arch, arch)  # read off the shapes; CIFAR-10 normalisation from 10 classes
        self.assertEqual(lab.optimizer["step"], 2)
        self.assertEqual(lab.extras, {"source": "pytorch", "epoch": 0, "global_step": 1, "step": 2})
        for name, p in model.model.named_parameters():
            self.assertTrue(torch.equal(bits(lab.tensors[name]), bits(p.detach())), name)
            if p in adam.state:
                self.assertTrue(torch.equal(bits(lab.optimizer["exp_avg_sq"][name]), bits(adam.state[p]["exp_avg_sq"])))
            else:
                self.assertFalse(bool(lab.optimizer["exp_avg"][name].any()), name)

    def test_a_conv_q_state_left_behind_does_not_count_for_the_step(self):
        # The authors' autograd gives conv q rounding-noise gradients; a trainer that freezes q
        # (the lab, sll_lab.train) leaves that state at an older step.
        _, _, _, ckpt = self.authors_run(steps=2)
        conv_q = 2  # model.1.kernel, model.1.bias, model.1.q
        ckpt["optimizer_state_dict"]["state"][conv_q] = {
            "step": torch.tensor(1.0), "exp_avg": torch.full((8,), 1e-9), "exp_avg_sq": torch.full((8,), 1e-18)}
        lab = authors_to_lab(ckpt)
        self.assertEqual(lab.optimizer["step"], 2)
        self.assertEqual(float(lab.optimizer["exp_avg"]["model.1.q"][0]), float(torch.tensor(1e-9)))

    def test_module_model_prefix_reads_too(self):
        arch, model, _, ckpt = self.authors_run(prefix="module.model.", steps=1)
        self.assertTrue(next(iter(ckpt["model_state_dict"])).startswith("module.model.1."))
        lab = authors_to_lab(ckpt)
        self.assertTrue(torch.equal(lab.tensors["model.1.kernel"], model.model.model[1].kernel.detach()))

    def test_problems_are_named(self):
        _, _, _, ckpt = self.authors_run(steps=1)
        ckpt["optimizer_state_dict"]["param_groups"][0]["amsgrad"] = True
        with self.assertRaisesRegex(CheckpointError, "AMSGrad"):
            authors_to_lab(ckpt)
        _, _, _, ckpt = self.authors_run(steps=1)
        ckpt["optimizer_state_dict"]["state"][0]["step"] = torch.tensor(5.0)
        with self.assertRaisesRegex(CheckpointError, "step differs between parameters: 5 and 1"):
            authors_to_lab(ckpt)
        _, _, _, ckpt = self.authors_run(steps=1)
        ckpt["model_state_dict"].pop("module.model.model.5.q")
        with self.assertRaisesRegex(CheckpointError, "missing \\['model.5.q'\\]"):
            authors_to_lab(ckpt)

    def test_the_newest_checkpoint_is_the_largest_step(self):
        folder = helpers.scratch("newest")
        os.makedirs(os.path.join(folder, "checkpoints"))
        for name in ("model.ckpt-9.pth", "model.ckpt-10.pth", "best_model.ckpt-99.pth", "model.ckpt-x.pth"):
            open(os.path.join(folder, "checkpoints", name), "w").close()
        self.assertEqual(os.path.basename(newest_checkpoint(folder)), "model.ckpt-10.pth")
        self.assertIsNone(newest_checkpoint(helpers.scratch("nothing-here")))


if __name__ == "__main__":
    unittest.main()
