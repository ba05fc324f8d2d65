"""`progress=True`: a bar over image rows, and the same images as without it."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from harness import perturb_weights
from model_zoo import MODEL_FACTORIES, make_distribution

SHAPE = (4, 3, 3)
HIGH = 7


@pytest.fixture(scope="module", params=sorted(MODEL_FACTORIES))
def dist(request):
    model = make_distribution(
        request.param, "categorical", SHAPE, HIGH, conditional=True
    )
    perturb_weights(model, 0.3)
    return model


@pytest.mark.parametrize("method", ["fast", "naive"])
def test_progress_bar_counts_rows_and_keeps_the_images(dist, method, capsys):
    labels = [0, 2, 1]
    kwargs = dict(seed=3, conditional_input=labels, temperature=0.8, method=method)
    plain = dist.sample(3, **kwargs).numpy()
    capsys.readouterr()
    shown = dist.sample(3, progress=True, **kwargs).numpy()
    bar = capsys.readouterr().err
    np.testing.assert_array_equal(shown, plain)
    assert f"{SHAPE[0]}/{SHAPE[0]}" in bar and "row" in bar
    # The images really are generated (the draws differ between images).
    assert len({image.tobytes() for image in shown}) > 1


def test_completion_with_progress_counts_the_missing_rows(dist, capsys):
    images = np.random.default_rng(1).integers(0, HIGH + 1, (2, *SHAPE))
    plain = dist.complete(images, 1, conditional_input=[1, 0], seed=4).numpy()
    capsys.readouterr()
    shown = dist.complete(
        images, 1, conditional_input=[1, 0], seed=4, progress=True
    ).numpy()
    bar = capsys.readouterr().err
    np.testing.assert_array_equal(shown, plain)
    np.testing.assert_array_equal(shown[:, :1], images[:, :1])
    assert f"{SHAPE[0] - 1}/{SHAPE[0] - 1}" in bar


def test_progress_reuses_one_compiled_graph_per_row_call(dist):
    dist.sample(2, seed=1, conditional_input=[0, 1], progress=True)
    traces = dist._generator._draw.experimental_get_tracing_count()
    dist.sample(2, seed=2, conditional_input=[1, 1], progress=True, temperature=2.0)
    assert dist._generator._draw.experimental_get_tracing_count() == traces


def test_progress_needs_eager_execution(dist):
    @tf.function
    def sample():
        return dist.sample(1, seed=1, conditional_input=[0], progress=True)

    with pytest.raises(ValueError, match="`progress=True` needs eager execution"):
        sample()


@pytest.mark.parametrize("progress", ["yes", 1, None])
def test_progress_must_be_a_bool(dist, progress):
    with pytest.raises(ValueError, match="`progress` must be True or False"):
        dist.sample(1, seed=1, conditional_input=[0], progress=progress)
    with pytest.raises(ValueError, match="`progress` must be True or False"):
        dist.complete(
            np.zeros((1, *SHAPE)), 1, conditional_input=[0], progress=progress
        )
