"""python3 -m sll_lab.train: continuing a lab checkpoint file alone and under torchrun (Gloo on
CPUs), authors' checkpoints, resuming, and the same update from 2 x 32 as from 1 x 64 images."""
import os
import sys
import unittest

import numpy as np
import torch

from sll_lab.checkpoint import authors_to_lab, read_authors
from sll_lab.data import load_split, to_tensor
from sll_lab.weights import load_network, read_lab_file

from . import helpers

# The lab file is tiny after 2 steps of a 2-step run (1 epoch of 128 images); --epochs 4 makes the
# run 8 steps long, so steps 3 and 4 train at a non-zero rate (lr/3 and 2lr/3).
CONTINUE = ["--epochs", "4", "--steps", "2", "--batch", "64", "--no-augment", "--save-every", "1", "--log-every", "1"]
# A fixed loopback master rather than --standalone: its rendezvous connects to this host's fully
# qualified name, and where the hostname does not resolve (some CI machines) it waits forever.
# --redirects/--tee: Debian's torchrun on Python 3.11 fails without them.
def torchrun(nproc):
    return [sys.executable, "-m", "torch.distributed.run", "--nnodes=1", f"--nproc_per_node={nproc}",
            "--master_addr=127.0.0.1", f"--master_port={helpers.free_port()}", "--redirects", "1", "--tee", "1"]


def max_difference(a, b):
    return max(float((a[k] - b[k]).abs().max()) for k in a)


class ContinueALabRun(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.source = helpers.lab_checkpoint()
        cls.dirs = {n: helpers.scratch(f"train-{n}") for n in ("one", "two")}
        cls.outs = {n: helpers.scratch(f"out-{n}.json") for n in ("one", "two")}
        cls.logs = {
            "one": helpers.python("-m", "sll_lab.train", "--from", cls.source, *CONTINUE,
                                  "--train-dir", cls.dirs["one"], "--out", cls.outs["one"]),
            "two": helpers.run([*torchrun(2), "-m", "sll_lab.train", "--from", cls.source, *CONTINUE,
                                "--train-dir", cls.dirs["two"], "--out", cls.outs["two"]]),
        }

    def checkpoint(self, run, step):
        return read_authors(os.path.join(self.dirs[run], "checkpoints", f"model.ckpt-{step}.pth"))

    def test_torchrun_writes_authors_checkpoints_and_the_lab_file(self):
        self.assertIn("global batch 64 on 2 x cpu", self.logs["two"])
        self.assertEqual(sorted(os.listdir(os.path.join(self.dirs["two"], "checkpoints"))),
                         ["model.ckpt-3.pth", "model.ckpt-4.pth"])
        ckpt = self.checkpoint("two", 4)
        self.assertEqual(ckpt["global_step"], 4)
        self.assertTrue(all(k.startswith("module.model.model.") for k in ckpt["model_state_dict"]))
        self.assertEqual(authors_to_lab(ckpt).optimizer["step"], 4)
        out = read_lab_file(self.outs["two"])
        self.assertEqual(out.optimizer["step"], 4)
        self.assertEqual(out.extras["step"], 4)
        self.assertEqual((out.extras["config"]["epochs"], out.extras["config"]["augment"]), (4, False))
        self.assertNotIn("evaluation", out.extras)  # the lab's evaluation was of the older weights

    def test_the_lab_loads_the_result_and_the_authors_checkpoint(self):
        net = load_network(self.outs["two"]).eval()
        with torch.no_grad():
            ours = net(to_tensor(load_split("test", limit=2).images)).numpy()
        pth = os.path.join(self.dirs["two"], "checkpoints", "model.ckpt-4.pth")
        for weights in (self.outs["two"], pth):
            logits = helpers.lab_json("certify", "--weights", weights, "--dataset", "cifar10", "--limit", "2",
                                      "--json")["logits"]
            self.assertLess(float(np.abs(np.array(logits) - ours).max() / np.abs(ours).max()), 1e-5, weights)

    def test_two_processes_of_32_make_the_update_of_one_process_of_64(self):
        one_step = max_difference(authors_to_lab(self.checkpoint("one", 3)).tensors,
                                  authors_to_lab(self.checkpoint("two", 3)).tensors)
        one, two = read_lab_file(self.outs["one"]), read_lab_file(self.outs["two"])
        two_steps = max_difference(one.tensors, two.tensors)
        moments = max_difference(one.optimizer["exp_avg"], two.optimizer["exp_avg"])
        print(f"\n  2 x 32 vs 1 x 64, max |parameter difference|: {one_step:.2e} after one step, "
              f"{two_steps:.2e} after two; first moments {moments:.2e}", end="")
        self.assertLess(one_step, 1e-5)
        self.assertLess(two_steps, 1e-5)
        source = read_lab_file(self.source)
        self.assertGreater(max_difference(source.tensors, one.tensors), 1e-4)  # it did train

    def test_a_rerun_resumes_from_the_newest_checkpoint(self):
        log = helpers.python("-m", "sll_lab.train", "--from", self.source, *CONTINUE[:2], "--steps", "1",
                             "--no-augment", "--train-dir", self.dirs["one"], "--out", helpers.scratch("resumed.json"))
        self.assertRegex(log, r"from \S+model\.ckpt-4\.pth at step 4; steps 4\.\.5 of 8")
        self.assertTrue(os.path.exists(os.path.join(self.dirs["one"], "checkpoints", "model.ckpt-5.pth")))
        self.assertEqual(read_lab_file(helpers.scratch("resumed.json")).optimizer["step"], 5)


class StartARun(unittest.TestCase):
    def test_a_fresh_preset_run_with_augmentation(self):
        out = helpers.scratch("fresh.json")
        log = helpers.python("-m", "sll_lab.train", "--preset", "tiny", "--epochs", "1", "--train-limit", "64",
                             "--batch", "32", "--seed", "5", "--out", out)
        self.assertIn("steps 0..2 of 2", log)
        lab = read_lab_file(out)
        self.assertEqual(lab.optimizer["step"], 2)
        self.assertEqual(lab.extras["config"]["preset"], "tiny")
        self.assertTrue(torch.isfinite(lab.tensors["model.5.weight"]).all())
        # the conv q gets no gradient (it cancels): its moments stay zero, as in the lab
        self.assertFalse(bool(lab.optimizer["exp_avg_sq"]["model.1.q"].any()))
        self.assertTrue(bool(lab.optimizer["exp_avg_sq"]["model.1.kernel"].any()))


if __name__ == "__main__":
    unittest.main()
