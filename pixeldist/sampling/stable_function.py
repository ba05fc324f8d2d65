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
names (two models in one process never collide). Arguments, outputs and
nodes are named by position too: TensorFlow derives them from op names,
which hold the same counters and Keras's layer names (a second instance of
a model has other ones), and XLA names its instructions after them.

A `StableFunction` saves its definitions (`save`) and a later process loads
them (`load`) without tracing; captured variables are saved as positions in
a list of variables that the loading process hands over again.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os

import keras
import tensorflow as tf
from google.protobuf.message import DecodeError
from tensorflow.core.framework import function_pb2
from tensorflow.core.protobuf import config_pb2
from tensorflow.python.eager import context, execute

_PREFIX = "__pixeldist_"


class StableFunction:
    """Calls the concrete function `concrete` through a copy whose name and
    nested names are digests of its definition (see the module docstring).

    Eager calls only. The arguments are those of `concrete` (the same
    structure; `None` leaves are not inputs): `__call__` checks their dtypes
    and shapes against the traced inputs, flattens them, appends
    `concrete.captured_inputs` and packs the outputs like
    `concrete.structured_outputs` (`None` leaves kept). The function keeps
    its attributes, so one traced with `jit_compile=True` is compiled by XLA.

    Args:
      concrete: a `tf.types.experimental.ConcreteFunction`.
      graph_optimizer: False runs the function without TensorFlow's graph
        optimizer (Grappler), which otherwise rewrites it at its first call
        in every process: worth it for a function that runs once per call
        on small tensors.
    """

    def __init__(self, concrete, graph_optimizer: bool = True):
        definitions, final = _stable_names(concrete)
        order = list(definitions)
        # The top function last (its callees found first).
        renamed_outputs = {}
        library = [
            _renamed(definitions[name], final, renamed_outputs)
            for name in reversed(order)
        ]
        arguments = len(concrete.inputs) - len(concrete.captured_inputs)
        inputs = [tf.TensorSpec(t.shape, t.dtype) for t in concrete.inputs[:arguments]]
        outputs = self.specs_of(concrete)
        if _count(outputs) != len(concrete.outputs):
            raise ValueError(
                f"{concrete.name}: only functions whose outputs are tensors or "
                "None can be called by a stable name."
            )
        captured = list(concrete.captured_inputs)
        self._define(library, inputs, outputs, captured, graph_optimizer)

    def _define(self, library, inputs, outputs, captured, graph_optimizer) -> None:
        ctx = context.context()
        for definition in library:
            if not ctx.has_function(definition.signature.name):
                ctx.add_function_def(definition)
        self.name = library[-1].signature.name
        self._library = library
        self._inputs = inputs
        self._output_specs = outputs
        self._num_outputs = _count(outputs)
        self._captured = captured
        self._graph_optimizer = graph_optimizer

    @staticmethod
    def specs_of(concrete):
        """The `tf.TensorSpec`s of a concrete function's outputs, in their
        structure (`None` leaves kept)."""
        return tf.nest.map_structure(
            lambda t: None if t is None else tf.TensorSpec(t.shape, t.dtype),
            concrete.structured_outputs,
        )

    def takes(self, specs) -> bool:
        """Whether the arguments described by `specs` (a nest of
        `tf.TensorSpec`s and Nones) are this function's inputs."""
        flat = [s for s in tf.nest.flatten(specs) if s is not None]
        return len(flat) == len(self._inputs) and all(
            isinstance(s, tf.TensorSpec) and _same_spec(s, i)
            for s, i in zip(flat, self._inputs, strict=True)
        )

    @property
    def output_specs(self):
        """The `tf.TensorSpec`s of the outputs, in their structure."""
        return self._output_specs

    # -- Across processes ------------------------------------------------------

    def save(self, path: str, variables=()) -> bool:
        """Writes the definitions and the signature to `path` (a file name
        without extension: `path.pb` and `path.json`, the latter last, with
        the former's SHA-256). Captured tensors are saved as positions in
        `variables` (Keras or TensorFlow variables): False, writing nothing,
        when one is not a variable's handle, or when the outputs are not a
        nest of tuples, lists and dicts; False also when the disk refuses
        (full, read-only: a later process traces again)."""
        outputs = _encoded_structure(self._output_specs)
        positions = {id(_handle(v)): i for i, v in enumerate(variables)}
        captured = [positions.get(id(t)) for t in self._captured]
        if outputs is None or None in captured:
            return False
        library = function_pb2.FunctionDefLibrary(function=self._library)
        data = library.SerializeToString(deterministic=True)
        signature = {
            "sha256": hashlib.sha256(data).hexdigest(),
            "inputs": [_encoded_spec(s) for s in self._inputs],
            "outputs": outputs,
            "captured": [
                [i, *_encoded_spec(_variable_spec(variables[i]))] for i in captured
            ],
            "graph_optimizer": self._graph_optimizer,
        }
        for extension, content in ((".pb", data), (".json", json.dumps(signature))):
            temporary = f"{path}{extension}.{os.getpid()}.tmp"
            try:
                with open(temporary, "wb" if extension == ".pb" else "w") as file:
                    file.write(content)
                os.replace(temporary, path + extension)
            except OSError:
                if os.path.exists(temporary):
                    os.remove(temporary)
                return False
        return True

    @classmethod
    def load(cls, path: str, variables=()) -> StableFunction | None:
        """The function that `save` wrote to `path`, registered in this
        process without tracing, capturing the `variables` at the saved
        positions; None when it is missing, incomplete or corrupt (its
        checksum differs), or a variable is missing or of another shape or
        dtype."""
        try:
            with open(path + ".json", encoding="utf-8") as file:
                signature = json.load(file)
            with open(path + ".pb", "rb") as file:
                data = file.read()
            if hashlib.sha256(data).hexdigest() != signature["sha256"]:
                return None
            library = function_pb2.FunctionDefLibrary.FromString(data)
            inputs = [_decoded_spec(spec) for spec in signature["inputs"]]
            outputs = _decoded_structure(signature["outputs"])
            captured = []
            for position, shape, dtype in signature["captured"]:
                if not 0 <= position < len(variables):
                    return None
                variable = variables[position]
                if _variable_spec(variable) != _decoded_spec([shape, dtype]):
                    return None
                captured.append(_handle(variable))
            graph_optimizer = bool(signature["graph_optimizer"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError, DecodeError):
            return None  # any damage: trace again
        if not library.function:
            return None
        function = cls.__new__(cls)
        function._define(
            list(library.function), inputs, outputs, captured, graph_optimizer
        )
        return function

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
        ctx = context.context()
        attrs = ctx.function_call_options.as_attrs()
        if not self._graph_optimizer:
            attrs["config_proto"] = _without_graph_optimizer(attrs["config_proto"])
        outputs = iter(
            execute.execute(
                self.name,
                num_outputs=self._num_outputs,
                inputs=flat + self._captured,
                attrs=tuple(item for pair in attrs.items() for item in pair),
                ctx=ctx,
            )
        )
        leaves = tf.nest.flatten(self._output_specs)
        return tf.nest.pack_sequence_as(
            self._output_specs, [None if s is None else next(outputs) for s in leaves]
        )


def _count(specs) -> int:
    """The number of tensors in a nest whose other leaves are None."""
    return sum(leaf is not None for leaf in tf.nest.flatten(specs))


def _same_spec(a: tf.TensorSpec, b: tf.TensorSpec) -> bool:
    """Equal dtypes and shapes, unknown dimensions equal to each other."""
    if a.dtype != b.dtype or a.shape.rank != b.shape.rank:
        return False
    return a.shape.rank is None or a.shape.as_list() == b.shape.as_list()


def _variable_spec(variable) -> tf.TensorSpec:
    return tf.TensorSpec(variable.shape, tf.as_dtype(variable.dtype))


def _handle(variable):
    """The resource handle of a Keras or TensorFlow variable."""
    if isinstance(variable, keras.Variable):
        variable = variable.value
    return variable.handle


@functools.lru_cache(maxsize=8)
def _without_graph_optimizer(config: bytes) -> bytes:
    """A serialized `ConfigProto` with Grappler turned off."""
    proto = config_pb2.ConfigProto.FromString(config)
    proto.graph_options.rewrite_options.disable_meta_optimizer = True
    return proto.SerializeToString()


def _encoded_spec(spec) -> list:
    return [None if spec.shape.rank is None else spec.shape.as_list(), spec.dtype.name]


def _decoded_spec(encoded) -> tf.TensorSpec:
    shape, dtype = encoded
    return tf.TensorSpec(shape, tf.as_dtype(dtype))


def _stable_names(concrete):
    """`(definitions, names)`: the definitions of `concrete` and of the
    functions it calls (in the order a depth-first walk meets them), and
    their stable names (`__pixeldist_<digest>_<index>`)."""
    definitions = _definitions(context.context(), concrete.function_def)
    order = list(definitions)
    indexed = {name: f"{_PREFIX}{i}" for i, name in enumerate(order)}
    digest, outputs = hashlib.sha256(), {}
    for name in reversed(order):  # callees first
        renamed = _renamed(definitions[name], indexed, outputs)
        digest.update(renamed.SerializeToString(deterministic=True))
    tag = digest.hexdigest()[:20]
    return definitions, {name: f"{_PREFIX}{tag}_{i}" for i, name in enumerate(order)}


def _encoded_structure(structure):
    """A JSON form of a nest of `tf.TensorSpec`s and Nones in tuples, lists
    and dicts, or None for any other nest."""
    if structure is None:
        return {"none": None}
    if isinstance(structure, tf.TensorSpec):
        return {"tensor": _encoded_spec(structure)}
    if type(structure) in (tuple, list):
        items = [_encoded_structure(item) for item in structure]
        if any(item is None for item in items):
            return None
        return {type(structure).__name__: items}
    if type(structure) is dict and all(isinstance(k, str) for k in structure):
        items = {k: _encoded_structure(v) for k, v in structure.items()}
        if any(item is None for item in items.values()):
            return None
        return {"dict": items}
    return None


def _decoded_structure(encoded):
    """The nest that `_encoded_structure` encoded."""
    ((kind, items),) = encoded.items()
    if kind == "none":
        return None
    if kind == "tensor":
        return _decoded_spec(items)
    if kind == "dict":
        return {k: _decoded_structure(v) for k, v in items.items()}
    return {"tuple": tuple, "list": list}[kind](_decoded_structure(i) for i in items)


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


def _renamed(definition, names: dict, outputs: dict):
    """A copy of `definition` with every function name in `names` replaced,
    and its arguments, outputs and nodes named by position (`arg<i>`,
    `out<i>`, `n<i>`): TensorFlow derives them from op names, which hold
    process counters and Keras layer names (`re_lu_5/Relu`), and XLA names
    its instructions after them.

    `outputs` maps the functions renamed so far to `{old output name: new}`,
    for nodes that call a function directly (`node:output:index` inputs;
    callees are renamed before their callers); it gains this function's."""
    copy = function_pb2.FunctionDef()
    copy.CopyFrom(definition)
    copy.signature.name = names[definition.signature.name]
    arguments = {}
    for index, argument in enumerate(copy.signature.input_arg):
        arguments[argument.name] = argument.name = f"arg{index}"
    results = {}
    for index, result in enumerate(copy.signature.output_arg):
        results[result.name] = result.name = f"out{index}"
    outputs[definition.signature.name] = results
    nodes = {node.name: f"n{index}" for index, node in enumerate(copy.node_def)}
    calls = {node.name: node.op for node in copy.node_def if node.op in outputs}

    def reference(name: str) -> str:
        control = "^" if name.startswith("^") else ""
        parts = name[len(control) :].split(":")
        if len(parts) == 1:
            return control + arguments.get(parts[0], nodes.get(parts[0], parts[0]))
        node, output, index = parts
        if node in calls:
            output = outputs[calls[node]].get(output, output)
        return control + ":".join((nodes.get(node, node), output, index))

    for node in copy.node_def:
        node.name = nodes[node.name]
        node.input[:] = [reference(i) for i in node.input]
        if node.op in names:
            node.op = names[node.op]
        for value in node.attr.values():
            _rename_attr(value, names)
    ret = {results[key]: reference(value) for key, value in copy.ret.items()}
    copy.ret.clear()
    copy.ret.update(ret)
    control_ret = {key: nodes.get(v, v) for key, v in copy.control_ret.items()}
    copy.control_ret.clear()
    copy.control_ret.update(control_ret)
    return copy


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
