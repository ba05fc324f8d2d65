"""The shared checks every pixeldist layer and model goes through."""

from __future__ import annotations

import os

import keras
import numpy as np
import tensorflow as tf


def run_layer_test(
    layer_cls, init_kwargs: dict, input_data: np.ndarray, expected_output_shape
):
    """Builds `layer_cls(**init_kwargs)` and checks it the same way for all layers.

    Checks: eager call gives `expected_output_shape`; a symbolic call on a
    `keras.Input` gives the same shape; one `fit` step changes the weights;
    `from_config(get_config())` with copied weights gives identical outputs.
    """
    layer = layer_cls(**init_kwargs)
    output = layer(input_data)
    assert tuple(output.shape) == tuple(expected_output_shape)

    symbolic = layer(
        keras.Input(shape=input_data.shape[1:], batch_size=input_data.shape[0])
    )
    assert tuple(symbolic.shape) == tuple(expected_output_shape)

    inputs = keras.Input(shape=input_data.shape[1:])
    model = keras.Model(inputs, layer_cls(**init_kwargs)(inputs))
    before = [w.numpy().copy() for w in model.trainable_weights]
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    model.fit(
        input_data, np.ones(expected_output_shape, np.float32), epochs=1, verbose=0
    )
    after = [w.numpy() for w in model.trainable_weights]
    assert any(not np.allclose(b, a) for b, a in zip(before, after, strict=True)), (
        "fit changed nothing"
    )

    clone = layer_cls.from_config(layer.get_config())
    clone(input_data)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(clone(input_data), output, rtol=1e-6, atol=1e-6)
    return layer


def run_model_saving_test(
    model: keras.Model, inputs, tmp_path, compare_fn=None
) -> keras.Model:
    """Saves `model` to `.keras`, loads it without `custom_objects`, compares.

    `compare_fn(model)` (default: `model(inputs)`) must give identical values
    before and after the round trip. Returns the loaded model.
    """
    compare_fn = compare_fn or (lambda m: m(inputs))
    expected = np.asarray(compare_fn(model))
    path = os.path.join(str(tmp_path), "model.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(np.asarray(compare_fn(loaded)), expected)
    return loaded


def perturb_weights(
    layer: keras.layers.Layer, scale: float = 0.3, seed: int = 0
) -> None:
    """Moves every weight away from its initial value (biases start at zero)."""
    rng = np.random.default_rng(seed)
    for weight in layer.weights:
        value = weight.numpy()
        weight.assign(
            value + scale * rng.standard_normal(value.shape).astype(value.dtype)
        )


def assert_incremental_network_matches(
    dist, net, images, condition, rng, tolerance: float
) -> None:
    """Drives the incremental network `net` of `dist` over `images [N, H, W, C]`
    in raster order, as the cached sampler does (`start_row` at each row, then
    `write_pixel` and `step` per channel group, the channels of later groups
    holding junk drawn from `rng`, which must not matter), and asserts that
    its outputs equal the full network's at every pixel within `tolerance`."""
    num_images, height, width, channels = images.shape
    scaled = dist._scale_images(images)  # [N, H, W, C]
    inputs = [scaled] if condition is None else [scaled, condition]
    expected = dist.network(inputs).numpy()  # [N, H, W, P]
    state = net.initial_state(num_images, condition)
    groups = dist.head.num_channel_groups
    junk = tf.constant(rng.uniform(-1, 1, (num_images, channels)), scaled.dtype)
    for row in range(height):
        if net.start_row is not None:
            state = net.start_row(state, tf.constant(row))
        for col in range(width):
            pixel = scaled[:, row, col]
            raws = []
            for group in range(groups):
                known = tf.range(channels) < (group if groups > 1 else 0)
                partial = tf.where(known, pixel, junk)
                raw, stepped = net.step(
                    net.write_pixel(state, partial, row, col),
                    tf.constant(row),
                    tf.constant(col),
                )
                raws.append(np.split(raw.numpy(), groups, axis=-1)[group])
            np.testing.assert_allclose(
                np.concatenate(raws, -1),
                expected[:, row, col],
                rtol=tolerance,
                atol=tolerance,
            )
            state = net.write_pixel(stepped, pixel, row, col)


def all_images(image_shape, low: int, high: int) -> np.ndarray:
    """Every image of `image_shape` with integer values in [low, high]."""
    size = int(np.prod(image_shape))
    levels = np.arange(low, high + 1, dtype=np.float32)
    grids = np.meshgrid(*([levels] * size), indexing="ij")
    flat = np.stack([g.reshape(-1) for g in grids], axis=-1)  # [L**size, size]
    return flat.reshape((-1, *image_shape))


def disable_tf_logging():
    tf.get_logger().setLevel("ERROR")
