"""SLL Lab's PyTorch side: the lab's networks, weights and checkpoint files, and a trainer that
continues a lab run on more hardware (docs/bigger-than-a-browser.md).

Modules, one job each: arch (presets, validation, parameter names), model (the network),
weights (sll-lab/weights JSON <-> state dict), checkpoint (lab file <-> the authors' .pth),
convert and logits (command lines), data (the lab's CIFAR-10 files), recipe (loss, schedule,
Adam settings), augment (crop, flip, colour jitter in torch), train (DistributedDataParallel).
"""
