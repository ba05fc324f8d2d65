"""A notebook's second call: other `n`, labels, temperature or seed reuse the
traced sampler; only a new model (image shape) traces again."""

import numpy as np

import pixeldist


def _model(image_shape=(3, 3, 1)):
    return pixeldist.PixelCNN(
        image_shape, num_classes=3, high=3, num_layers=1, num_filters=4
    )


def test_other_n_labels_temperature_and_seed_trace_nothing_new():
    dist = _model()
    fast = dist._generator._fast
    first = dist.sample(2, seed=0, conditional_input=[0, 1]).numpy()
    assert fast.experimental_get_tracing_count() == 1
    dist.sample(5, seed=1, conditional_input=[2, 2, 1, 0, 1], temperature=0.5)
    dist.sample(3, seed=2, conditional_input=[1, 0, 2], temperature=2.0)
    again = dist.sample(2, seed=0, conditional_input=[0, 1]).numpy()
    assert fast.experimental_get_tracing_count() == 1
    np.testing.assert_array_equal(first, again)
    completed = dist.complete(first, 1, conditional_input=[0, 1], seed=4)
    dist.complete(first, 2, conditional_input=[0, 1], seed=5)
    assert fast.experimental_get_tracing_count() == 1
    np.testing.assert_array_equal(completed[:, :1], first[:, :1])


def test_a_new_image_shape_traces_once():
    dist = _model((4, 5, 1))
    for n in (1, 2, 3):
        dist.sample(n, seed=n, conditional_input=np.arange(n) % 3)
    assert dist._generator._fast.experimental_get_tracing_count() == 1
