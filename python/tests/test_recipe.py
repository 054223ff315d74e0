"""The recipe (schedule, losses) and the augmentation, against their definitions."""
import math
import unittest

import torch
import torch.nn.functional as F

from sll_lab.augment import augment, color_jitter, crop_and_flip, sample_params
from sll_lab.recipe import interp, learning_rate_at, offset_cross_entropy, total_steps, training_loss


class Schedule(unittest.TestCase):
    def test_interp_goes_through_its_knots(self):
        n, lr = 100, 0.01
        self.assertEqual([interp(t, n, lr) for t in (0, 40, 80, 100, 200)], [0, lr, lr / 20, 0, 0])
        self.assertAlmostEqual(interp(20, n, lr), lr / 2)

    def test_step_zero_trains_at_the_full_rate_and_step_k_at_interp_k_minus_1(self):
        self.assertEqual(learning_rate_at(0, 10, 0.01), 0.01)
        self.assertEqual(learning_rate_at(5, 10, 0.01), interp(4, 10, 0.01))

    def test_total_steps_drop_the_last_partial_batch(self):
        self.assertEqual(total_steps(1000, 50000, 64), 781000)
        self.assertEqual(total_steps(2, 128, 64), 4)


class Losses(unittest.TestCase):
    def test_offset_cross_entropy_by_its_formula(self):
        torch.manual_seed(0)
        logits, labels = torch.randn(5, 10, dtype=torch.float64), torch.tensor([0, 3, 9, 2, 2])
        o, t = 3 * math.sqrt(2) / 2, 0.25
        shifted = (logits - o * F.one_hot(labels, 10).double()) / t
        expected = -t * shifted.log_softmax(1)[torch.arange(5), labels].mean()
        self.assertAlmostEqual(float(offset_cross_entropy(logits, labels)), float(expected), places=12)

    def test_the_hinge_divides_by_the_class_count(self):
        logits, labels = torch.zeros(1, 10, dtype=torch.float64), torch.tensor([0])
        self.assertAlmostEqual(float(training_loss("margin", logits, labels)), 9 * 0.7 / 10)


class Augmentation(unittest.TestCase):
    def setUp(self):
        self.x = torch.rand(6, 3, 32, 32, generator=torch.Generator().manual_seed(0))

    def test_a_centred_crop_without_flip_is_the_image_and_a_flip_mirrors(self):
        centre = torch.full((6, 2), 4)
        self.assertTrue(torch.equal(crop_and_flip(self.x, centre, torch.zeros(6, dtype=torch.bool)), self.x))
        self.assertTrue(torch.equal(crop_and_flip(self.x, centre, torch.ones(6, dtype=torch.bool)), self.x.flip(3)))

    def test_crops_read_the_reflect_padded_image(self):
        corner = torch.zeros(6, 2, dtype=torch.long)
        out = crop_and_flip(self.x, corner, torch.zeros(6, dtype=torch.bool))
        padded = F.pad(self.x, (4, 4, 4, 4), mode="reflect")
        self.assertTrue(torch.equal(out, padded[:, :, :32, :32]))

    def test_neutral_factors_change_nothing(self):
        params = sample_params(6, torch.Generator().manual_seed(1))
        for key in ("brightness", "contrast", "saturation"):
            params[key] = torch.ones(6)
        params["hue"] = torch.zeros(6)
        self.assertLess(float((color_jitter(self.x, params) - self.x).abs().max()), 1e-6)

    def test_brightness_alone_scales_and_clamps(self):
        params = sample_params(6, torch.Generator().manual_seed(2))
        params.update(order=torch.tensor([[0, 1, 2, 3]] * 6), contrast=torch.ones(6), saturation=torch.ones(6),
                      hue=torch.zeros(6), brightness=torch.full((6,), 1.1))
        out = color_jitter(self.x, params)
        self.assertLess(float((out - (self.x * 1.1).clamp(0, 1)).abs().max()), 1e-6)

    def test_the_same_generator_gives_the_same_batch_and_values_stay_in_range(self):
        a = augment(self.x, sample_params(6, torch.Generator().manual_seed(3)))
        b = augment(self.x, sample_params(6, torch.Generator().manual_seed(3)))
        self.assertTrue(torch.equal(a, b))
        self.assertTrue(0 <= float(a.min()) and float(a.max()) <= 1)
        self.assertFalse(torch.equal(a, self.x))


if __name__ == "__main__":
    unittest.main()
