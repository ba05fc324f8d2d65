"""The shared checks every pixeldist layer and model goes through."""

from __future__ import annotations

import importlib.util
import os
import pathlib

import keras
import numpy as np
import scipy.stats
import tensorflow as tf

from pixeldist.layers import Shift, SpatialCondition, channel_group
from pixeldist.layers.cached_step import ring_caches
from pixeldist.sampling import IncrementalNetwork


def run_layer_test(
    layer_cls,
    init_kwargs: dict,
    input_data: np.ndarray,
    expected_output_shape,
    step_input: str | None = "position",
):
    """Builds `layer_cls(**init_kwargs)` and checks it the same way for all layers.

    Checks: eager call gives `expected_output_shape`; a symbolic call on a
    `keras.Input` gives the same shape; one `fit` step changes the weights;
    `from_config(get_config())` with copied weights gives identical outputs;
    and the layer's cached steps, driven over `input_data` in raster order,
    give its call's outputs (`assert_steps_match_call`), with the input
    computed per position (`step_input="position"`) or known by rows
    (`"row"`: shifted down one row first). `step_input=None` skips that check
    for a layer whose input is not an image-sized map (checked on its own).
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

    if step_input is not None:
        inputs = keras.Input(shape=input_data.shape[1:])
        x = Shift("down")(inputs) if step_input == "row" else inputs
        model = keras.Model(inputs, layer_cls(**init_kwargs)(x))
        perturb_weights(model, 0.3)
        assert_steps_match_call(model, input_data)
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


def step_through(model, inputs, condition=None, groups=None, rng=None):
    """Steps `IncrementalNetwork(model)` over `inputs [N, H, W, C]` in raster
    order, as the cached sampler does, and returns the outputs `[N, H, W, P]`
    of its steps. The caches are rings (`ring_caches`), as in the plain
    sampler.

    With `groups=None` every step sees the whole input at its position (a
    layer's input, which the layer may read at the output's position). With
    `groups=G` (a network reading an image), output group g comes from a step
    that sees only the current pixel's channel groups < g (none when G = 1;
    the input's channels form G contiguous groups, one-hot codes included);
    the other channels hold noise from `rng`, which must not matter. The final
    pixel is written after its last step.
    """
    net = IncrementalNetwork(model)
    start_row = tf.function(net.start_row)
    write_pixel = tf.function(net.write_pixel)
    step = tf.function(net.step)
    inputs = tf.convert_to_tensor(inputs)
    num_images, height, width, channels = inputs.shape
    constants = net.prepare(condition)
    with ring_caches():  # (whole caches: the XLA fast == naive tests)
        state = net.initial_state(num_images)
    junk = None
    input_groups = tf.constant(
        channel_group(np.arange(channels), channels, groups or 1)
    )
    if groups is not None:
        junk = tf.constant(rng.uniform(-1, 1, (num_images, channels)), inputs.dtype)
    outputs = []
    for row in range(height):
        row_t = tf.constant(row)
        state = start_row(constants, state, row_t)
        for col in range(width):
            col_t = tf.constant(col)
            pixel = inputs[:, row, col]
            pieces = []
            for group in range(groups or 1):
                seen = pixel
                if groups is not None:  # the input's channels in `groups` groups
                    known = input_groups < (group if groups > 1 else 0)
                    seen = tf.where(known, pixel, junk)
                raw, stepped = step(
                    constants, write_pixel(state, seen, row_t, col_t), row_t, col_t
                )
                pieces.append(np.split(raw.numpy(), groups or 1, axis=-1)[group])
            outputs.append(np.concatenate(pieces, axis=-1))
            state = write_pixel(stepped, pixel, row_t, col_t)
    return np.stack(outputs, axis=1).reshape(num_images, height, width, -1)


def assert_steps_match_call(model, inputs, condition=None, tolerance=1e-5):
    """A functional model's cached steps, driven over `inputs` in raster order,
    give its call's outputs at every position (the check every layer of
    pixeldist passes, on a model made of it). A coarser output is compared at
    every image position it covers: each step computes it again there."""
    expected = model(inputs if condition is None else [inputs, condition])
    expected = np.asarray(expected)
    assert np.abs(expected).max() > 1e-2, "the outputs are too small to compare"
    height, width = np.shape(inputs)[1:3]
    expected = np.repeat(expected, height // expected.shape[1], axis=1)
    expected = np.repeat(expected, width // expected.shape[2], axis=2)
    stepped = step_through(model, inputs, condition)
    np.testing.assert_allclose(stepped, expected, rtol=tolerance, atol=tolerance)


def step_condition(kind: str, image_size, batch: int = 2, num_classes: int = 2):
    """A condition for a layer's step test: `(input, terms_input, value,
    num_classes)` — a label (`kind="label"`), or a condition map at a coarser
    resolution read through `SpatialCondition` (`"map"`)."""
    if kind == "label":
        label = keras.Input((), dtype="int32")
        return label, label, np.arange(batch) % num_classes, num_classes
    height, width = image_size
    shape = (max(height // 2, 1) if height % 2 == 0 else height, width, 3)
    condition = keras.Input(shape)
    value = np.random.default_rng(5).normal(size=(batch, *shape)).astype(np.float32)
    return condition, SpatialCondition(5, image_size)(condition), value, None


def assert_incremental_network_matches(dist, images, condition, rng, tolerance):
    """`dist`'s network stepped over `images [N, H, W, C]` in raster order as
    the cached sampler does (the channels of later groups holding noise)
    gives the full network's outputs at every pixel within `tolerance`."""
    scaled = dist._scale_images(images)  # [N, H, W, C]
    inputs = [scaled] if condition is None else [scaled, condition]
    expected = dist.network(inputs).numpy()  # [N, H, W, P]
    groups = dist.head.num_channel_groups
    stepped = step_through(dist.network, scaled, condition, groups, rng)
    np.testing.assert_allclose(stepped, expected, rtol=tolerance, atol=tolerance)


def chi_square_p_value(counts, probs, min_expected=5.0):
    """The chi-square test's p-value of `counts` against the law `probs`,
    the rarest outcomes merged so that every expected count is >= 5."""
    expected = probs * counts.sum()
    order = np.argsort(expected)
    # Merge the rarest outcomes into one bin so every expected count is >= 5.
    merged_obs, merged_exp, acc_o, acc_e = [], [], 0.0, 0.0
    for k in order:
        acc_o += counts[k]
        acc_e += expected[k]
        if acc_e >= min_expected:
            merged_obs.append(acc_o)
            merged_exp.append(acc_e)
            acc_o = acc_e = 0.0
    if acc_e > 0:
        merged_obs[-1] += acc_o
        merged_exp[-1] += acc_e
    return scipy.stats.chisquare(merged_obs, merged_exp).pvalue


def all_images(image_shape, low: int, high: int) -> np.ndarray:
    """Every image of `image_shape` with integer values in [low, high]."""
    size = int(np.prod(image_shape))
    levels = np.arange(low, high + 1, dtype=np.float32)
    grids = np.meshgrid(*([levels] * size), indexing="ij")
    flat = np.stack([g.reshape(-1) for g in grids], axis=-1)  # [L**size, size]
    return flat.reshape((-1, *image_shape))


def load_example(name: str):
    """The module `examples/{name}.py`, imported (its `main` not run)."""
    path = pathlib.Path(__file__).resolve().parents[1] / "examples" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def disable_tf_logging():
    tf.get_logger().setLevel("ERROR")
