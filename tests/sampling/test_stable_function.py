"""`StableFunction`: a traced function called under names that depend on its
graph only (not on how many functions the process traced before)."""

import json
import os

import numpy as np
import pytest
import tensorflow as tf
from tensorflow.python.eager import context

from pixeldist.sampling.stable_function import StableFunction


def _loop(scale):
    """A function with a nested while loop whose condition ignores some of
    its inputs (TensorFlow names those after the condition's function)."""

    def function(x, extra):
        def body(i, total, unused):
            return i + 1, total + scale * x["a"] * tf.cast(i, x["a"].dtype), unused

        _, total, _ = tf.while_loop(
            lambda i, total, unused: i < 3, body, (0, tf.zeros_like(x["a"]), extra)
        )
        return {"total": total, "pair": (total + x["b"], extra)}

    return tf.function(function, jit_compile=True, autograph=False)


def _stable(scale):
    specs = (
        {"a": tf.TensorSpec([None, 2]), "b": tf.TensorSpec([None, 2])},
        tf.TensorSpec([], tf.int32),
    )
    concrete = _loop(scale).get_concrete_function(*specs)
    return concrete, StableFunction(concrete)


def test_the_same_graph_gets_the_same_names_whatever_was_traced_before():
    concrete, first = _stable(2.0)
    for i in range(3):  # other functions traced in between
        tf.function(lambda x, i=i: x + i)(tf.constant(1.0))
    other_concrete, second = _stable(2.0)
    assert concrete.name != other_concrete.name
    assert first.name == second.name
    assert first.name.startswith("__pixeldist_")
    # A different graph gets other names: two models never collide.
    assert _stable(3.0)[1].name != first.name


def test_it_returns_what_the_traced_function_returns():
    concrete, stable = _stable(2.0)
    x = {"a": tf.constant([[1.0, 2.0]]), "b": tf.constant([[10.0, 20.0]])}
    extra = tf.constant(5)
    expected = concrete(x, extra)
    result = stable(x, extra)
    assert set(result) == {"total", "pair"}
    np.testing.assert_array_equal(result["total"], expected["total"])
    np.testing.assert_array_equal(result["pair"][0], expected["pair"][0])
    assert int(result["pair"][1]) == 5
    np.testing.assert_array_equal(result["total"], [[6.0, 12.0]])


def test_it_keeps_the_xla_attribute_and_the_captured_variables():
    variable = tf.Variable(3.0)
    function = tf.function(lambda x: x * variable, jit_compile=True)
    stable = StableFunction(function.get_concrete_function(tf.TensorSpec([None])))
    definition = context.context().get_function_def(stable.name)
    assert definition.attr["_XlaMustCompile"].b
    np.testing.assert_array_equal(stable(tf.constant([1.0, 2.0])), [3.0, 6.0])
    variable.assign(4.0)  # read at each call, not copied
    np.testing.assert_array_equal(stable(tf.constant([1.0, 2.0])), [4.0, 8.0])


@pytest.mark.parametrize(
    "x, message",
    [
        ({"a": tf.zeros([1, 3]), "b": tf.zeros([1, 2])}, "input 0 must be a float32 "),
        ({"a": tf.zeros([1, 2], tf.float64), "b": tf.zeros([1, 2])}, "input 0 must"),
        ({"a": tf.zeros([1, 2])}, "takes 3 tensors, got 2"),
    ],
)
def test_wrong_inputs_are_refused_by_name(x, message):
    _, stable = _stable(2.0)
    with pytest.raises(ValueError, match=message):
        stable(x, tf.constant(1))


def test_a_saved_function_loads_without_tracing_and_gives_the_same_values(tmp_path):
    concrete, stable = _stable(2.0)
    path = str(tmp_path / "loop")
    assert stable.save(path)
    loaded = StableFunction.load(path)
    assert loaded.name == stable.name
    x = {"a": tf.constant([[1.0, 2.0]]), "b": tf.constant([[10.0, 20.0]])}
    expected, result = concrete(x, tf.constant(5)), loaded(x, tf.constant(5))
    np.testing.assert_array_equal(result["total"], expected["total"])
    np.testing.assert_array_equal(result["pair"][0], expected["pair"][0])
    assert isinstance(result["pair"], tuple)


@pytest.mark.parametrize(
    "damage", ["missing", "truncated", "flipped", "json", "outputs", "position"]
)
def test_a_damaged_saved_function_is_not_loaded(tmp_path, damage):
    variable = tf.Variable(tf.ones([2]))
    function = tf.function(lambda x: {"y": x * variable})
    stable = StableFunction(function.get_concrete_function(tf.TensorSpec([2])))
    path = str(tmp_path / "scaled")
    assert stable.save(path, [variable])
    assert StableFunction.load(path, [variable]) is not None
    data = open(path + ".pb", "rb").read()
    signature = json.load(open(path + ".json"))
    if damage == "missing":
        os.remove(path + ".json")
    elif damage == "truncated":
        open(path + ".pb", "wb").write(data[: len(data) // 2])
    elif damage == "flipped":
        open(path + ".pb", "wb").write(data[:-1] + bytes([data[-1] ^ 1]))
    elif damage == "json":
        open(path + ".json", "w").write("{")
    elif damage == "outputs":
        json.dump({**signature, "outputs": [1]}, open(path + ".json", "w"))
    else:
        signature["captured"][0][0] = -1
        json.dump(signature, open(path + ".json", "w"))
    assert StableFunction.load(path, [variable]) is None


def test_a_saved_function_needs_variables_of_the_saved_shapes(tmp_path):
    variable = tf.Variable(tf.ones([2]))
    function = tf.function(lambda x: x * variable)
    stable = StableFunction(function.get_concrete_function(tf.TensorSpec([2])))
    path = str(tmp_path / "scaled")
    assert stable.save(path, [variable])
    assert StableFunction.load(path, []) is None
    assert StableFunction.load(path, [tf.Variable(tf.ones([3]))]) is None
    other = tf.Variable([2.0, 5.0])
    loaded = StableFunction.load(path, [other])
    np.testing.assert_array_equal(loaded(tf.constant([1.0, 1.0])), [2.0, 5.0])


def test_a_function_that_captures_tensors_is_not_saved(tmp_path):
    variable = tf.Variable(3.0)
    function = tf.function(lambda x: x * variable)
    stable = StableFunction(function.get_concrete_function(tf.TensorSpec([None])))
    assert not stable.save(str(tmp_path / "captures"))
    assert not os.listdir(tmp_path)


def test_it_tells_whether_it_takes_arguments_of_some_specs():
    _, stable = _stable(2.0)
    a = {"a": tf.TensorSpec([None, 2]), "b": tf.TensorSpec([None, 2])}
    assert stable.takes((a, tf.TensorSpec([], tf.int32)))
    assert not stable.takes((a, tf.TensorSpec([], tf.int64)))
    assert not stable.takes((a, tf.TensorSpec([1], tf.int32)))
    assert not stable.takes(({**a, "b": tf.TensorSpec([3, 2])}, tf.TensorSpec([])))
    assert not stable.takes((a,))


def test_a_refused_disk_saves_nothing_and_raises_nothing(tmp_path):
    _, stable = _stable(2.0)
    assert not stable.save(str(tmp_path / "missing-folder" / "loop"))
    assert not os.listdir(tmp_path)
