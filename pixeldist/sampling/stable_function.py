"""A traced function under names that depend on its graph only.

TensorFlow names a traced function `__inference_<name>_<uid>`, the uid
counting every function the process has made before; nested functions
(while-loop bodies) are numbered the same way. The persistent XLA cache keys
a compiled program by the function's name and by its HLO, which holds the
nested names. So a process that made one more `tf.function` before
sampling (a `fit`, a `log_prob`) misses the program that another process
compiled, and compiles it again.

`StableFunction` registers a copy of a traced function and of every function
it calls under names made from a digest of their definitions (the names
replaced by their order of first use), and calls that copy: the same graph
gets the same names, whatever ran before, and a different graph different
names (two models in one process never collide).
"""

from __future__ import annotations

import hashlib

import tensorflow as tf
from tensorflow.core.framework import function_pb2
from tensorflow.python.eager import context

_PREFIX = "__pixeldist_"


class StableFunction:
    """Calls the concrete function `concrete` through a copy whose name and
    nested names are digests of its definition (see the module docstring).

    Eager calls only. The arguments are those of `concrete` (the same
    structure; `None` leaves are not inputs): `__call__` checks their dtypes
    and shapes against the traced inputs, flattens them, appends
    `concrete.captured_inputs` and packs the outputs like
    `concrete.structured_outputs`. The function keeps its attributes, so one
    traced with `jit_compile=True` is compiled by XLA.

    Args:
      concrete: a `tf.types.experimental.ConcreteFunction`.
    """

    def __init__(self, concrete):
        ctx = context.context()
        definitions = _definitions(ctx, concrete.function_def)
        order = list(definitions)
        indexed = {name: f"{_PREFIX}{i}" for i, name in enumerate(order)}
        digest = hashlib.sha256()
        for name in order:
            digest.update(
                _renamed(definitions[name], indexed).SerializeToString(
                    deterministic=True
                )
            )
        tag = digest.hexdigest()[:20]
        final = {name: f"{_PREFIX}{tag}_{i}" for i, name in enumerate(order)}
        for name in reversed(order):  # callees before their callers
            if not ctx.has_function(final[name]):
                ctx.add_function_def(_renamed(definitions[name], final))
        self.name = final[order[0]]
        arguments = len(concrete.inputs) - len(concrete.captured_inputs)
        self._inputs = [
            tf.TensorSpec(t.shape, t.dtype) for t in concrete.inputs[:arguments]
        ]
        self._captured = list(concrete.captured_inputs)
        self._structured_outputs = concrete.structured_outputs
        self._num_outputs = len(concrete.outputs)
        if len(tf.nest.flatten(self._structured_outputs)) != self._num_outputs:
            raise ValueError(
                f"{concrete.name}: only functions whose outputs are all tensors "
                "can be called by a stable name."
            )

    def __call__(self, *args):
        flat = [t for t in tf.nest.flatten(args) if t is not None]
        if len(flat) != len(self._inputs):
            raise ValueError(
                f"{self.name} takes {len(self._inputs)} tensors, got {len(flat)}."
            )
        for index, (value, spec) in enumerate(zip(flat, self._inputs, strict=True)):
            if value.dtype != spec.dtype or not spec.shape.is_compatible_with(
                value.shape
            ):
                raise ValueError(
                    f"{self.name}: input {index} must be a {spec.dtype.name} "
                    f"tensor of shape {spec.shape}, got {value.dtype.name} "
                    f"{value.shape}."
                )
        outputs = context.context().call_function(
            self.name.encode(), flat + self._captured, self._num_outputs
        )
        return tf.nest.pack_sequence_as(self._structured_outputs, outputs)


def _definitions(ctx, top) -> dict:
    """`{name: FunctionDef}` of `top` and of every function it calls, nested,
    in the order a depth-first walk from `top` first meets them."""
    definitions = {}

    def visit(definition):
        definitions[definition.signature.name] = definition
        for name in _called(definition):
            if name not in definitions and ctx.has_function(name):
                visit(ctx.get_function_def(name))

    visit(top)
    return definitions


def _called(definition) -> list[str]:
    """The names of the functions that `definition`'s nodes call, in node
    order: node ops that are functions and function-valued attributes."""
    names = []
    for node in definition.node_def:
        names.append(node.op)
        for key in sorted(node.attr):
            _attr_functions(node.attr[key], names)
    return names


def _attr_functions(value, names) -> None:
    if value.HasField("func"):
        names.append(value.func.name)
        for key in sorted(value.func.attr):
            _attr_functions(value.func.attr[key], names)
    elif value.HasField("list"):
        for function in value.list.func:
            names.append(function.name)
            for key in sorted(function.attr):
                _attr_functions(function.attr[key], names)


def _renamed(definition, names: dict):
    """A copy of `definition` with every function name in `names` replaced."""
    copy = function_pb2.FunctionDef()
    copy.CopyFrom(definition)
    copy.signature.name = names[definition.signature.name]
    # Argument names can hold a function's old name (a while-loop condition's
    # unused inputs are `<name>___redundant_placeholder<i>`).
    arguments = {}
    for index, argument in enumerate(copy.signature.input_arg):
        arguments[argument.name] = argument.name = f"arg{index}"
    for key in list(copy.ret):
        copy.ret[key] = arguments.get(copy.ret[key], copy.ret[key])
    for node in copy.node_def:
        node.input[:] = [_renamed_input(i, arguments) for i in node.input]
        if node.op in names:
            node.op = names[node.op]
        for value in node.attr.values():
            _rename_attr(value, names)
    return copy


def _renamed_input(name: str, arguments: dict) -> str:
    """A node input (`arg`, `node:output:index`, `^control`) with the
    arguments renamed."""
    control = name.startswith("^")
    base = name[1:] if control else name
    return ("^" if control else "") + arguments.get(base, base)


def _rename_attr(value, names) -> None:
    if value.HasField("func"):
        value.func.name = names.get(value.func.name, value.func.name)
        for inner in value.func.attr.values():
            _rename_attr(inner, names)
    elif value.HasField("list"):
        for function in value.list.func:
            function.name = names.get(function.name, function.name)
            for inner in function.attr.values():
                _rename_attr(inner, names)
