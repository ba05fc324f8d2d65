"""The key of a traced sampler graph kept across processes
(`RasterGenerator._graph_path`): other models, shapes or code get other
keys, and networks with code from outside pixeldist and Keras get none."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import pixeldist
from pixeldist.sampling import compilation_cache


@pytest.fixture
def cache_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(compilation_cache, "_directory", str(tmp_path / "xla" / "tf"))
    return tmp_path


def _path(dist):
    generator = dist._generator
    constants = generator._prepared(None)
    noise = generator.noise(2, 0)
    args = (noise, constants, tf.constant(1.0), tf.zeros([2, *dist.image_shape]))
    return generator._graph_path("_fast", generator._specs(args + (0,)))


def _pixelcnn(seed=0, **changes):
    keras.utils.set_random_seed(seed)
    arguments = dict(image_shape=(3, 3, 1), high=3, num_layers=1, num_filters=4)
    return pixeldist.PixelCNN(**{**arguments, **changes})


def test_the_key_follows_the_model_and_nothing_else(cache_folder):
    path = _path(_pixelcnn())
    assert path.startswith(str(cache_folder / "graphs"))
    assert _path(_pixelcnn(seed=1)) == path  # other weights, same graph
    assert _path(_pixelcnn(high=4)) != path
    assert _path(_pixelcnn(num_filters=5)) != path
    assert _path(_pixelcnn(image_shape=(4, 3, 1))) != path


def test_a_global_dtype_policy_changes_the_key(cache_folder):
    path = _path(_pixelcnn())
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        mixed = _pixelcnn()
    finally:
        keras.config.set_dtype_policy("float32")
    assert _path(mixed) != path


def test_code_from_outside_pixeldist_gets_no_key(cache_folder):
    class Outside(pixeldist.PixelCNN):
        pass

    Outside.__module__ = "my_project.models"
    dist = Outside((3, 3, 1), high=3, num_layers=1, num_filters=4)
    assert _path(dist) is None


def test_no_key_when_the_cache_is_off(monkeypatch):
    monkeypatch.setattr(compilation_cache, "_directory", None)
    assert _path(_pixelcnn()) is None


def test_two_instances_of_a_model_share_one_compiled_program(xla):
    first, second = _pixelcnn(), _pixelcnn()  # Keras names their layers apart
    assert first.name != second.name
    np.testing.assert_array_equal(first.sample(2, seed=0), second.sample(2, seed=0))
    names = [dist._generator._stable["_fast"].name for dist in (first, second)]
    assert names[0] == names[1]


def test_a_model_loads_the_saved_graphs_and_samples_with_its_own_weights(
    cache_folder, xla
):
    def gated(seed):
        keras.utils.set_random_seed(seed)
        return pixeldist.GatedPixelCNN(
            (3, 3, 1), high=3, num_layers=1, num_filters=4, num_classes=3
        )

    labels = tf.constant([0, 2])
    gated(0).sample(2, seed=1, conditional_input=labels)  # traces and saves
    assert len(list((cache_folder / "graphs").glob("*.pb"))) == 2
    dist = gated(1)  # other weights
    fast = dist.sample(2, seed=1, conditional_input=labels)
    generator = dist._generator
    assert generator._prepare.experimental_get_tracing_count() == 0
    assert generator._fast.experimental_get_tracing_count() == 0
    naive = dist.sample(2, seed=1, conditional_input=labels, method="naive")
    np.testing.assert_array_equal(fast, naive)
    # The loaded constants are this model's, op by op.
    loaded = generator._prepared(labels)
    eager = generator.incremental_network.prepare(labels)
    tf.nest.map_structure(np.testing.assert_allclose, loaded, eager)
