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


def make_distribution(
    model, likelihood, image_shape, high, conditional, low=0, **kwargs
):
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
