"""Fast against reference sampling with 256 levels, where float rounding shows.

With few levels the two samplers agree exactly (`test_cached_sampler.py` and
the per-model tests). With 256 levels the bins of the inverse CDF are narrow,
and the ~1e-7 relative differences between the network evaluated pixel by
pixel and in full (different summation orders; even the same graph with and
without XLA differs that much) can move a draw to the neighbouring bin. This
test allows exactly that and nothing else: at the first position where an
image from `method="fast"` differs from the reference, the fast value must be
the reference distribution's draw for a uniform within `TOLERANCE` of the
one used (so that uniform lies at a bin edge), and the images must agree
everywhere before it.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import tensorflow as tf
from harness import perturb_weights
from model_zoo import NUM_CLASSES, make_distribution

SHAPE_GREY, SHAPE_RGB = (5, 5, 1), (4, 4, 3)
HIGH = 255
NUM_IMAGES = 8
#: how far (in uniform units) the noise may move; rounding moves it ~1e-6.
TOLERANCE = 1e-4
MODELS = (
    "pixelcnn",
    "gated_pixelcnn",
    "pixelcnn_plus_plus",
    "pixelrnn_row_lstm",
    "pixelrnn_diagonal_bilstm",
    "pixelrnn_spatial_lstm",
    "pixelsnail",
)
CASES = [
    (model, likelihood, colour)
    for model in MODELS
    for likelihood in ("categorical", "logistic_mixture")
    for colour in ("grey", "rgb")
]


def _first_difference(fast, reference, channels_at_once):
    """`(image, row, col, channel)` of the first difference in sampling order,
    or None. `channels_at_once`: all channels of a pixel are drawn together."""
    num_images, height, width, channels = fast.shape
    for k in range(num_images):
        for i, j in itertools.product(range(height), range(width)):
            differing = np.flatnonzero(fast[k, i, j] != reference[k, i, j])
            if differing.size:
                return k, i, j, int(differing[0] if not channels_at_once else 0)
    return None


def _drawable_at_bin_edge(dist, images, noise, labels, position, value):
    """Whether the reference law at `position` of `images` gives `value` for a
    uniform within TOLERANCE of `noise` (component and channel coordinates).

    The reference law is the full network on `images`, whose pixels before
    `position` (and channels before it at that pixel) are the shared prefix.
    """
    k, i, j, c = position
    x = tf.constant(images[k : k + 1], dist.dtype)
    condition = None if labels is None else tf.constant(labels[k : k + 1])
    law = dist._pixel_distribution(x, condition)  # batch [1, H, W]
    for shift_component, shift_channel in itertools.product(
        (-TOLERANCE, 0.0, TOLERANCE), repeat=2
    ):
        moved = noise[k : k + 1].copy()
        moved[0, i, j, 0] += shift_component
        moved[0, i, j, 1:] += shift_channel
        moved = np.clip(moved, 0.0, np.nextafter(1.0, 0.0, dtype=moved.dtype))
        drawn = law.sample_from_noise(tf.constant(moved)).numpy()
        if drawn[0, i, j, c] == value:
            return True
    return False


def _noise(dist, seed):
    return dist._generator.noise(NUM_IMAGES, seed).numpy()


@pytest.mark.parametrize("case", CASES, ids=lambda case: "-".join(case))
def test_fast_images_differ_from_the_reference_only_at_bin_edges(case):
    model, likelihood, colour = case
    shape = SHAPE_GREY if colour == "grey" else SHAPE_RGB
    conditional = likelihood == "categorical"  # both kinds of model, all models
    dist = make_distribution(model, likelihood, shape, HIGH, conditional)
    perturb_weights(dist, 0.3, seed=2)
    labels = np.arange(NUM_IMAGES) % NUM_CLASSES if conditional else None
    kwargs = {} if labels is None else {"conditional_input": labels}
    channels_at_once = dist.head.num_channel_groups == 1
    noise = _noise(dist, 11)

    fast = dist.sample(NUM_IMAGES, seed=11, **kwargs).numpy()
    reference = dist.sample(NUM_IMAGES, seed=11, method="naive", **kwargs).numpy()
    identical = sum(np.array_equal(a, b) for a, b in zip(fast, reference, strict=True))
    assert identical >= NUM_IMAGES // 2, f"only {identical} identical images"
    # The reference is itself a deterministic function of the noise.
    assert np.unique(reference).size > 20

    remaining_fast, remaining_reference = fast.copy(), reference.copy()
    while (
        position := _first_difference(
            remaining_fast, remaining_reference, channels_at_once
        )
    ) is not None:
        k, i, j, c = position
        assert _drawable_at_bin_edge(
            dist, reference, noise, labels, position, fast[k, i, j, c]
        ), f"fast value {fast[k, i, j, c]} at {position} is not at a bin edge"
        # Later pixels of this image follow a different prefix: stop there.
        remaining_fast[k] = remaining_reference[k]

    # The check above can fail: a value off by a few levels is rejected.
    k, i, j = 0, shape[0] - 1, shape[1] - 1
    wrong = (reference[k, i, j, 0] + 37) % (HIGH + 1)
    assert not _drawable_at_bin_edge(
        dist, reference, noise, labels, (k, i, j, 0), wrong
    )
