"""Tiny configurations of every pixeldist model, for the parameterized suite.

Each module in `tests/zoo/` registers one architecture: a `NAME` and a
`factory(**kwargs)` that builds the smallest model that still exercises every
layer kind (it receives `image_shape`, `likelihood`, `num_logistic_mix`,
`num_classes`, `high`, `low` and possibly `dtype`).
"""

from __future__ import annotations

import importlib.util
import itertools
import pathlib

import numpy as np

NUM_CLASSES = 3
LIKELIHOODS = ("categorical", "logistic_mixture")


def _load_factories():
    factories = {}
    for path in sorted((pathlib.Path(__file__).parent / "zoo").glob("*.py")):
        spec = importlib.util.spec_from_file_location(f"zoo_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        factories[module.NAME] = module.factory
    return factories


MODEL_FACTORIES = _load_factories()


def condition_map_shape(image_shape):
    """A condition map `(h, w, 2)` for `image_shape`: half its resolution when
    both sides are even (the map is up-sampled), else the same."""
    height, width = image_shape[:2]
    if height % 2 == 0 and width % 2 == 0:
        return (height // 2, width // 2, 2)
    return (height, width, 2)


def make_distribution(
    model, likelihood, image_shape, high, conditional, low=0, **kwargs
):
    """`conditional`: False, True (class labels) or "map" (a condition map)."""
    condition = {"num_classes": NUM_CLASSES if conditional else None}
    if conditional == "map":
        condition = {"conditional_shape": condition_map_shape(image_shape)}
    return MODEL_FACTORIES[model](
        image_shape=image_shape,
        likelihood=likelihood,
        num_logistic_mix=2,
        high=high,
        low=low,
        **condition,
        **kwargs,
    )


def condition_values(dist, n, seed=0):
    """`n` conditional inputs of `dist` (labels or maps), or None."""
    if dist.num_classes is not None:
        return np.arange(n) % dist.num_classes
    if dist.conditional_shape is not None:
        rng = np.random.default_rng(seed)
        return rng.normal(size=(n, *dist.conditional_shape)).astype(np.float32)
    return None


def all_cases():
    """(model, likelihood, channels, conditional) for every combination."""
    return list(itertools.product(MODEL_FACTORIES, LIKELIHOODS, (1, 3), (False, True)))


def case_id(case):
    model, likelihood, channels, conditional = case
    colour = "grey" if channels == 1 else "rgb"
    return f"{model}-{likelihood}-{colour}-{'cond' if conditional else 'uncond'}"
