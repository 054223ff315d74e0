"""The training augmentation (docs/math.md §3) on float batches [B, 3, H, W] in [0, 1]: random crop
after 4-pixel reflect padding, horizontal flip, and ColorJitter(brightness 0.1, contrast (0.5, 2),
saturation (0.3, 2), hue 0.02) with each image's own factors and order. torchvision is not needed:
the formulas are torchvision's tensor ones (transforms/_functional_tensor.py), as the lab's
(src/data/colorJitter.ts). The authors jitter PIL uint8 images, which rounds in between.

Parameters are drawn for a whole global batch from one generator, so every rank of a
data-parallel run draws the same and augments its own slice: the run does not depend on how many
processes share the batch.
"""
import torch
import torch.nn.functional as F

PADDING = 4
BRIGHTNESS = (0.9, 1.1)
CONTRAST = (0.5, 2.0)
SATURATION = (0.3, 2.0)
HUE = (-0.02, 0.02)


def sample_params(n, generator):
    def uniform(low, high):
        return low + (high - low) * torch.rand(n, generator=generator, dtype=torch.float64)

    return {
        "crop": torch.randint(0, 2 * PADDING + 1, (n, 2), generator=generator),
        "flip": torch.rand(n, generator=generator) < 0.5,
        # torchvision draws a random order of the four adjustments for every call (here: image)
        "order": torch.argsort(torch.rand(n, 4, generator=generator), dim=1),
        "brightness": uniform(*BRIGHTNESS).float(),
        "contrast": uniform(*CONTRAST).float(),
        "saturation": uniform(*SATURATION).float(),
        "hue": uniform(*HUE).float(),
    }


def slice_params(params, start, stop):
    return {k: v[start:stop] for k, v in params.items()}


def crop_and_flip(x, crop, flip):
    b, _, h, w = x.shape
    padded = F.pad(x, (PADDING,) * 4, mode="reflect")
    rows = crop[:, 0, None] + torch.arange(h, device=x.device)  # [B, H]
    cols = crop[:, 1, None] + torch.arange(w, device=x.device)  # [B, W]
    cols = torch.where(flip[:, None], cols.flip(1), cols)  # flipping the crop = cropping the flip
    index = (rows[:, :, None] * padded.shape[3] + cols[:, None, :]).reshape(b, 1, h * w)
    flat = padded.reshape(b, padded.shape[1], -1)
    return flat.gather(2, index.expand(-1, x.shape[1], -1)).reshape(x.shape)


def _grayscale(x):
    r, g, b = x.unbind(1)
    return (0.2989 * r + 0.587 * g + 0.114 * b).unsqueeze(1)


def _blend(x, target, f):
    f = f.reshape(-1, 1, 1, 1)
    return (f * x + (1.0 - f) * target).clamp(0, 1)


def _rgb_to_hsv(x):
    r, g, b = x.unbind(1)
    maxc, minc = x.max(1).values, x.min(1).values
    eqc = maxc == minc
    cr = maxc - minc
    ones = torch.ones_like(maxc)
    s = cr / torch.where(eqc, ones, maxc)
    divisor = torch.where(eqc, ones, cr)
    rc, gc, bc = (maxc - r) / divisor, (maxc - g) / divisor, (maxc - b) / divisor
    hr = (maxc == r) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)) * (2.0 + rc - bc)
    hb = ((maxc != g) & (maxc != r)) * (4.0 + gc - rc)
    h = torch.fmod((hr + hg + hb) / 6.0 + 1.0, 1.0)
    return h, s, maxc


def _hsv_to_rgb(h, s, v):
    i = torch.floor(h * 6.0)
    f = h * 6.0 - i
    i = i.to(torch.int64) % 6
    p = (v * (1.0 - s)).clamp(0, 1)
    q = (v * (1.0 - s * f)).clamp(0, 1)
    t = (v * (1.0 - s * (1.0 - f))).clamp(0, 1)
    choices = (  # sectors 0..5 for r, g and b
        torch.stack((v, q, p, p, t, v), 1),
        torch.stack((t, v, v, q, p, p), 1),
        torch.stack((p, p, t, v, v, q), 1),
    )
    return torch.stack([c.gather(1, i.unsqueeze(1)).squeeze(1) for c in choices], 1)


def _adjust(x, op, params, index):
    if op == 0:
        return _blend(x, torch.zeros_like(x), params["brightness"][index])
    if op == 1:
        return _blend(x, _grayscale(x).mean((1, 2, 3), keepdim=True), params["contrast"][index])
    if op == 2:
        return _blend(x, _grayscale(x), params["saturation"][index])
    h, s, v = _rgb_to_hsv(x)
    return _hsv_to_rgb(torch.remainder(h + params["hue"][index].reshape(-1, 1, 1), 1.0), s, v)


def color_jitter(x, params):
    out = x.clone()
    for position in range(4):
        for op in range(4):
            index = torch.nonzero(params["order"][:, position] == op).reshape(-1)
            if index.numel():
                out[index] = _adjust(out[index], op, params, index)
    return out


def augment(x, params):
    """Crop, then flip, then colour jitter, as the authors' transform lists them; on x's device."""
    params = {k: v.to(x.device) for k, v in params.items()}
    return color_jitter(crop_and_flip(x, params["crop"], params["flip"]), params)
