"""`PIXELDIST_JIT_COMPILE`: XLA for the cached sampler, on by default."""

import numpy as np
import pytest

import pixeldist
from pixeldist.sampling.raster_generator import sampler_jit_compile


def _model():
    return pixeldist.PixelCNN((3, 3, 1), high=3, num_layers=1, num_filters=4)


@pytest.mark.parametrize("value, expected", [(None, True), ("1", True), ("0", False)])
def test_the_setting_is_read_when_a_distribution_is_built(monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv("PIXELDIST_JIT_COMPILE", raising=False)
    else:
        monkeypatch.setenv("PIXELDIST_JIT_COMPILE", value)
    assert sampler_jit_compile() is expected
    dist = _model()
    monkeypatch.setenv("PIXELDIST_JIT_COMPILE", "0" if expected else "1")
    generator = dist._generator
    for function in (generator._fast, generator._draw):
        assert function._jit_compile is expected
    assert not generator._naive._jit_compile


def test_samples_are_the_same_with_and_without_xla(monkeypatch):
    monkeypatch.setenv("PIXELDIST_BACKGROUND_COMPILE", "0")  # XLA from the first call
    samples = []
    for value in ("1", "0"):
        monkeypatch.setenv("PIXELDIST_JIT_COMPILE", value)
        dist = _model()
        dist.set_weights(
            [np.full(w.shape, 0.1 * (k + 1)) for k, w in enumerate(dist.weights)]
        )
        samples.append(dist.sample(4, seed=3).numpy())
    np.testing.assert_array_equal(*samples)
    assert len(np.unique(samples[0])) > 1


def test_a_bad_value_names_the_variable(monkeypatch):
    monkeypatch.setenv("PIXELDIST_JIT_COMPILE", "yes")
    with pytest.raises(ValueError, match="PIXELDIST_JIT_COMPILE must be 0 or 1"):
        _model()
