"""What several tests share: paths, the lab's own CLI (to make files the lab wrote) and subprocesses
with the package importable."""
import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import unittest

PYTHON_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
REPO = os.path.dirname(PYTHON_DIR)
# The lab CLI to compare with; another checkout's can stand in (e.g. while src/ is mid-edit).
LAB_CLI = os.environ.get("SLL_LAB_CLI", os.path.join(REPO, "bin", "sll-lab.js"))
_scratch = tempfile.mkdtemp(prefix="sll-lab-py-")
atexit.register(shutil.rmtree, _scratch, ignore_errors=True)  # whole presets leave gigabytes
_made = {}


def scratch(name):
    return os.path.join(_scratch, name)


def env():
    e = dict(os.environ)
    e["PYTHONPATH"] = PYTHON_DIR + (os.pathsep + e["PYTHONPATH"] if e.get("PYTHONPATH") else "")
    return e


def run(args, timeout=600, **kwargs):
    """Runs a command, and fails the test with its output when it fails or outlives the timeout (the
    whole process group is killed then: torchrun's workers too)."""
    with subprocess.Popen(args, cwd=REPO, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          start_new_session=True, **kwargs) as proc:
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            stdout, stderr = proc.communicate()
            raise AssertionError(f"{' '.join(args)} still ran after {timeout} s:\n{stdout}\n{stderr}") from None
    if proc.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited with {proc.returncode}:\n{stdout}\n{stderr}")
    return stdout


def free_port():
    """A TCP port free on the loopback interface now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def python(*args, timeout=600):
    return run([sys.executable, *args], timeout=timeout)


def lab(*args, timeout=600):
    """`node bin/sll-lab.js ARGS`; the test is skipped where Node is missing."""
    node = shutil.which("node")
    if node is None:
        raise unittest.SkipTest("node is not installed: no lab CLI to compare with")
    return run([node, LAB_CLI, *args], timeout=timeout)


def lab_json(*args):
    return json.loads(lab(*args))


def lab_init(arch_or_preset, seed=1):
    """A weights file written by `sll-lab init` (cached for the test run)."""
    key = ("init", json.dumps(arch_or_preset, sort_keys=True), seed)
    if key not in _made:
        out = scratch(f"init-{len(_made)}.json")
        if isinstance(arch_or_preset, str):
            lab("init", "--preset", arch_or_preset, "--seed", str(seed), "--out", out)
        else:
            arch_file = scratch(f"arch-{len(_made)}.json")
            with open(arch_file, "w") as f:
                json.dump(arch_or_preset, f)
            lab("init", "--arch", arch_file, "--seed", str(seed), "--out", out)
        _made[key] = out
    return _made[key]


def lab_checkpoint():
    """A checkpoint file written by `sll-lab train --with-optimizer`: tiny, 2 steps on 128 images."""
    if "train" not in _made:
        out = scratch("lab-checkpoint.json")
        lab("train", "--preset", "tiny", "--epochs", "1", "--train-limit", "128", "--eval-subset", "10",
            "--with-optimizer", "--json", "--out", out)
        _made["train"] = out
    return _made["train"]
