"""Convert between a lab weights/checkpoint file and the authors' checkpoint format, by extension:

    python3 -m sll_lab.convert W.json model.ckpt-1200.pth     # lab -> authors (torch.save)
    python3 -m sll_lab.convert model.ckpt-1200.pth W.json     # authors -> lab
    python3 -m sll_lab.convert OLD.pth W.json --arch A.json   # when the shapes do not tell the arch

Adam's moments cross bit for bit; the arch of an authors' file comes from its tensor shapes (or
--arch), its normalisation from the class count (CIFAR-10 or CIFAR-100).
"""
import argparse
import json
import sys

from .checkpoint import CheckpointError, authors_to_lab, lab_to_authors, read_authors, write_authors
from .arch import ArchError
from .weights import WeightsFileError, read_lab_file, write_lab_file


def _kind(path):
    if path.endswith(".json"):
        return "lab"
    if path.endswith((".pth", ".pt", ".ckpt")):
        return "authors"
    sys.exit(f"sll_lab.convert: {path}: name it .json (lab) or .pth (authors' checkpoint)")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m sll_lab.convert", description=__doc__.splitlines()[0])
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--arch", metavar="FILE", help="the architecture of an authors' file, as lab JSON")
    args = parser.parse_args(argv)
    source, target = _kind(args.input), _kind(args.output)
    if source == target:
        sys.exit("sll_lab.convert: give one .json and one .pth file")
    try:
        if source == "lab":
            lab = read_lab_file(args.input)
            write_authors(lab_to_authors(lab), args.output)
        else:
            arch = None
            if args.arch:
                with open(args.arch) as f:
                    arch = json.load(f)
            lab = authors_to_lab(read_authors(args.input), arch=arch)
            write_lab_file(lab, args.output)
    except (WeightsFileError, CheckpointError, ArchError) as e:
        sys.exit(f"sll_lab.convert: {e}")
    step = lab.optimizer["step"] if lab.optimizer else "none (weights only)"
    print(f"wrote {args.output}: {len(lab.tensors)} tensors, Adam step {step}")


if __name__ == "__main__":
    main()
