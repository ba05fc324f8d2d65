"""Tiny configurations of every pixeldist model, for the parameterized suite."""

from __future__ import annotations

import itertools

import pixeldist

NUM_CLASSES = 3

# Each entry builds the smallest model that still exercises every layer kind.
MODEL_FACTORIES = {
    "pixelcnn": lambda **kw: pixeldist.PixelCNN(num_layers=1, num_filters=12, **kw),
}

LIKELIHOODS = ("categorical", "logistic_mixture")


def make_distribution(model, likelihood, image_shape, high, conditional, low=0, **kwargs):
    return MODEL_FACTORIES[model](
        image_shape=image_shape,
        likelihood=likelihood,
        num_logistic_mix=2,
        num_classes=NUM_CLASSES if conditional else None,
        high=high,
        low=low,
        **kwargs,
    )


def all_cases():
    """(model, likelihood, channels, conditional) for every combination."""
    return list(itertools.product(MODEL_FACTORIES, LIKELIHOODS, (1, 3), (False, True)))


def case_id(case):
    model, likelihood, channels, conditional = case
    colour = "grey" if channels == 1 else "rgb"
    return f"{model}-{likelihood}-{colour}-{'cond' if conditional else 'uncond'}"
