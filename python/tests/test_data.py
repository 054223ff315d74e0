"""CIFAR-10 read from the lab's own files (public/datasets/cifar10)."""
import json
import os
import shutil
import unittest

import numpy as np

from sll_lab.data import DEFAULT_ROOT, DatasetError, load_manifest, load_split, to_tensor

from . import helpers


@unittest.skipUnless(os.path.exists(os.path.join(DEFAULT_ROOT, "manifest.json")), "no dataset: run `npm run datasets`")
class Cifar10(unittest.TestCase):
    def test_the_test_split_decodes_whole(self):
        test = load_split("test")
        self.assertEqual(test.images.shape, (10000, 32, 32, 3))
        self.assertEqual(test.images.dtype, np.uint8)
        self.assertEqual(test.labels.tolist()[:10], [3, 8, 8, 0, 6, 6, 1, 6, 3, 1])  # CIFAR-10's test order
        self.assertEqual(np.bincount(test.labels).tolist(), [1000] * 10)

    def test_a_limit_reads_only_the_shards_it_needs(self):
        train = load_split("train", limit=100)
        self.assertEqual(train.images.shape, (100, 32, 32, 3))
        x = to_tensor(train.images[:2])
        self.assertEqual(tuple(x.shape), (2, 3, 32, 32))
        self.assertTrue(0 <= float(x.min()) and float(x.max()) <= 1)
        self.assertEqual(float(x[1, 2, 3, 4]), float(np.float32(train.images[1, 3, 4, 2]) / np.float32(255)))

    def test_a_file_that_does_not_match_the_manifest_is_refused(self):
        root = helpers.scratch("bad-dataset")
        os.makedirs(root, exist_ok=True)
        manifest = load_manifest()
        for split in manifest["splits"].values():
            for shard in split["shards"]:
                for entry in (shard["images"], shard["labels"]):
                    target = os.path.join(root, entry["path"])
                    if not os.path.exists(target):
                        os.symlink(os.path.join(os.path.abspath(DEFAULT_ROOT), entry["path"]), target)
        manifest["splits"]["test"]["shards"][0]["labels"]["bytes"] += 1
        with open(os.path.join(root, "manifest.json"), "w") as f:
            json.dump(manifest, f)
        with self.assertRaisesRegex(DatasetError, "10000 bytes, the manifest says 10001"):
            load_split("test", root=root)
        manifest["splits"]["test"]["shards"][0]["labels"]["bytes"] -= 1
        manifest["splits"]["test"]["shards"][0]["labels"]["sha256"] = "0" * 64
        with open(os.path.join(root, "manifest.json"), "w") as f:
            json.dump(manifest, f)
        with self.assertRaisesRegex(DatasetError, "SHA-256 differs"):
            load_split("test", root=root)
        shutil.rmtree(root)

    def test_a_missing_folder_says_how_to_make_it(self):
        with self.assertRaisesRegex(DatasetError, "npm run datasets"):
            load_manifest(helpers.scratch("no-such-folder"))


if __name__ == "__main__":
    unittest.main()
