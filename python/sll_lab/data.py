"""CIFAR-10 from the lab's own files (public/datasets/cifar10, written by `npm run datasets`):
manifest.json, one PNG sprite per shard (RGB, one image per row, pixel (h, w) at column h*S + w)
and one label byte per image (src/data/manifest.ts). Every file's size and SHA-256 are checked
against the manifest before use, as the page does."""
import hashlib
import json
import os
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image

DEFAULT_ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "public", "datasets", "cifar10")


class DatasetError(ValueError):
    pass


@dataclass
class Split:
    images: np.ndarray  # uint8 [N, H, W, C], as the sprites store them
    labels: np.ndarray  # int64 [N]


def load_manifest(root=DEFAULT_ROOT):
    path = os.path.join(root, "manifest.json")
    if not os.path.exists(path):
        raise DatasetError(f"{os.path.normpath(path)} is missing: run `npm run datasets` first")
    with open(path) as f:
        manifest = json.load(f)
    if manifest.get("format") != "sll-lab/dataset" or manifest.get("version") != 1:
        raise DatasetError(f"{path}: not an sll-lab/dataset v1 manifest")
    if manifest.get("channels") != 3:
        raise DatasetError(f"{path}: channels must be 3 (RGB sprites), got {manifest.get('channels')}")
    for name in ("train", "test"):
        split = manifest.get("splits", {}).get(name)
        if not split or sum(s["count"] for s in split["shards"]) != split["count"]:
            raise DatasetError(f"{path}: splits.{name}.count does not match its shards")
    return manifest


def _read_checked(root, entry, verify_hash):
    path = os.path.join(root, os.path.basename(entry["path"]))  # plain names only, as the page
    if not os.path.exists(path):
        raise DatasetError(f"{path} is missing: run `npm run datasets` again")
    size = os.path.getsize(path)
    if size != entry["bytes"]:
        raise DatasetError(f"{path}: {size} bytes, the manifest says {entry['bytes']}")
    with open(path, "rb") as f:
        data = f.read()
    if verify_hash and hashlib.sha256(data).hexdigest() != entry["sha256"]:
        raise DatasetError(f"{path}: SHA-256 differs from the manifest's")
    return data


def _sprite(data, count, size, where):
    import io

    with Image.open(io.BytesIO(data)) as img:
        if img.mode != "RGB" or img.size != (size * size, count):
            raise DatasetError(f"{where}: a {img.mode} {img.size[0]}x{img.size[1]} PNG, expected RGB "
                               f"{size * size}x{count}")
        pixels = np.asarray(img, dtype=np.uint8)
    return pixels.reshape(count, size, size, 3)


def load_split(split, root=DEFAULT_ROOT, limit=None, verify_hash=True):
    """The first `limit` images (all by default) of 'train' or 'test'; only the shards needed are read."""
    manifest = load_manifest(root)
    size, n_classes = manifest["imageSize"], manifest["numClasses"]
    images, labels, have = [], [], 0
    for shard in manifest["splits"][split]["shards"]:
        if limit is not None and have >= limit:
            break
        label_bytes = _read_checked(root, shard["labels"], verify_hash)
        shard_labels = np.frombuffer(label_bytes, dtype=np.uint8)
        if len(shard_labels) != shard["count"] or (shard_labels >= n_classes).any():
            raise DatasetError(f"{shard['labels']['path']}: labels must be {shard['count']} bytes below {n_classes}")
        png = _read_checked(root, shard["images"], verify_hash)
        images.append(_sprite(png, shard["count"], size, shard["images"]["path"]))
        labels.append(shard_labels.astype(np.int64))
        have += shard["count"]
    images, labels = np.concatenate(images), np.concatenate(labels)
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    return Split(images=images, labels=labels)


def to_tensor(images):
    """uint8 [N, H, W, C] -> float32 [N, C, H, W] in [0, 1], as torchvision's ToTensor."""
    return torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float().div(255)
