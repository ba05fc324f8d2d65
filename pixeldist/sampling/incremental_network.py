"""Any functional network of cached-step layers, evaluated one pixel at a time."""

from __future__ import annotations

import dataclasses

import keras
import tensorflow as tf

from pixeldist.layers.cached_step import (
    CachedStep,
    cache_input,
    new_cache,
    write_cache,
)
from pixeldist.layers.concat_elu import ConcatELU
from pixeldist.layers.step_input import StepInput
from pixeldist.layers.step_schedule import Schedule

#: Layers that map each position's features on their own: a step is their
#: call on the position's (row's) features. (`Concatenate` along features.)
POSITION_WISE_LAYERS = (
    keras.layers.Activation,
    keras.layers.Add,
    keras.layers.Average,
    keras.layers.Concatenate,
    keras.layers.Dense,
    keras.layers.Dropout,
    keras.layers.ELU,
    keras.layers.Identity,
    keras.layers.LeakyReLU,
    keras.layers.Maximum,
    keras.layers.Minimum,
    keras.layers.Multiply,
    keras.layers.ReLU,
    keras.layers.Subtract,
    ConcatELU,
)


def _is_position_wise(layer) -> bool:
    if isinstance(layer, keras.layers.Concatenate):
        return layer.axis in (-1, 3)
    return isinstance(layer, POSITION_WISE_LAYERS)


def _call_position_wise(layer, args, kwargs):
    """`layer` on the features of one position `[N, D]` (or row `[N, W, D]`)."""
    if isinstance(layer, keras.layers.Concatenate):
        (tensors,) = args
        return tf.concat(tensors, axis=-1)
    return layer(*args, **kwargs)


class NoCachedStepError(ValueError):
    """A network that `IncrementalNetwork` cannot evaluate pixel by pixel.

    Attributes:
      layer_name: the name of the layer without a cached step (or the layer
        whose inputs make a raster-order step impossible).
    """

    def __init__(self, layer_name: str, reason: str):
        super().__init__(f"layer {layer_name!r}: {reason}")
        self.layer_name = layer_name


@dataclasses.dataclass
class _Tensor:
    """A tensor of the graph: when it is computed, and its cache."""

    key: str
    schedule: Schedule
    shape: tuple  # without the batch
    dtype: str
    factors: tuple[int, int] | None  # image rows (columns) per row (column)
    padding: list[int] | None = None  # [above, left, right] of its cache
    rows_back: int = 0  # rows before the latest that a step reads

    def keep(self, window=None) -> None:
        padding = (0, 0, 0) if window is None else window.cache_padding
        old = self.padding or padding
        self.padding = [max(a, b) for a, b in zip(old, padding, strict=True)]
        if window is not None:
            self.rows_back = max(self.rows_back, window.rows_back)

    def at(self, row, col=None):
        """Image position `(row, col)` (or row) in this tensor's coordinates."""
        if self.factors is None:  # a constant broadcast over the image
            return 0, 0
        return _divided(row, self.factors[0]), _divided(col, self.factors[1])


def _divided(index, factor: int):
    """`index // factor` (None for None), without an op for factor 1: a step
    is traced op by op, and most tensors are at the image's resolution."""
    return index if index is None or factor == 1 else index // factor


@dataclasses.dataclass
class _Node:
    """A call of a layer in the graph, and how the generation evaluates it."""

    key: str
    layer: keras.layers.Layer
    arguments: object  # keras' SymbolicArguments of the call
    outputs: list[_Tensor]
    kind: str  # "constant", "position_wise" or "cached"

    def computes(self, schedule: Schedule) -> bool:
        return any(output.schedule == schedule for output in self.outputs)


class IncrementalNetwork:
    """A functional Keras network computing one raster position per step.

    The generic loop of fast generation (Ramachandran et al. 2017): it reads
    the network's graph once, asks every layer when its outputs can be
    computed (`CachedStep.plan_steps`: once per generation, per image row,
    or per position) and which earlier values of its inputs it reads, and
    then drives the layers' own cached steps. It is the only code of
    pixeldist that reads a Keras graph.

    The network maps `[image [N, H, W, C], condition]` (the condition
    optional) to outputs `[N, H, W, P]`; every tensor is a feature map whose
    height and width divide the image's (PixelCNN++'s coarse levels), or a
    constant of the generation. Layers are evaluated by their cached steps
    (`CachedStep`), by their call when they act on each position alone
    (`POSITION_WISE_LAYERS`), and by their call once per generation when all
    their inputs are constant (`ConditionalBias`). A tensor whose earlier
    values a step reads has a zero-padded cache
    `[N, above + H_l, left + W_l + right, D]`. A tensor at a coarse level is
    computed again at every image position (row) that falls in its coarse
    position (row): the steps read only complete caches, so they give the
    same values each time, and the loop needs no branching.

    #### The interface of `pixeldist.sampling.cached_sampler`

    - `constants = net.prepare(condition)`: kernels, conditional terms, in
      the current graph;
    - `state = net.initial_state(batch_size)`: zero caches (a nest of
      tensors: the loop variables);
    - `state = net.start_row(constants, state, row)`: the row-scheduled
      tensors of image row `row`, and the layers' work once per row;
    - `state = net.write_pixel(state, pixel, row, col)`: the (partial) pixel
      `[N, C]`, scaled to the network's input range;
    - `raw, state = net.step(constants, state, row, col)`: the outputs
      `[N, P]` at `(row, col)`. Output group g ignores the pixel's channels
      >= g, as in the network.

    Args:
      network: a functional `keras.Model`.

    Raises:
      NoCachedStepError: a layer has no cached step, a tensor's resolution
        does not divide the image's, or a layer reads positions that a
        raster-order loop has not computed yet.
    """

    def __init__(self, network: keras.Model):
        image, *conditions = network.inputs
        self._height, self._width = image.shape[1], image.shape[2]
        self._tensors: dict[int, _Tensor] = {}
        self._image = self._add(image, Schedule.POSITION, "the image")
        self._image.keep()
        for condition in conditions:
            self._add(condition, Schedule.CONSTANT, "the condition")
        self._condition_keys = [self._tensors[id(c)].key for c in conditions]
        self._nodes: list[_Node] = []
        for node in _nodes_in_order(network):
            self._nodes.append(self._plan(node))
        self._output = self._tensors[id(network.outputs[0])]
        if self._output.schedule == Schedule.ROW:
            self._output.keep()

    # -- Reading the graph ------------------------------------------------------

    def _add(self, tensor, schedule: Schedule, producer: str) -> _Tensor:
        shape = tuple(tensor.shape[1:])
        factors = None
        spatial = len(shape) == 3 and shape[:2] != (1, 1)
        if schedule != Schedule.CONSTANT or spatial:
            rows, cols = (shape[:2] + (None, None))[:2]
            if (
                len(shape) != 3
                or None in (rows, cols)
                or self._height % rows
                or self._width % cols
            ):
                raise NoCachedStepError(
                    producer,
                    f"its output {shape} is not a feature map whose height and "
                    f"width divide the image's ({self._height}, {self._width})",
                )
            factors = (self._height // rows, self._width // cols)
        record = _Tensor(
            f"t{len(self._tensors)}", schedule, shape, str(tensor.dtype), factors
        )
        self._tensors[id(tensor)] = record
        return record

    def _plan(self, node) -> _Node:
        layer = node.operation
        inputs = [self._tensors[id(t)] for t in node.arguments.keras_tensors]
        latest = Schedule.latest(*(t.schedule for t in inputs))
        if latest == Schedule.CONSTANT:
            kind, schedules = "constant", [Schedule.CONSTANT] * len(node.outputs)
        elif _is_position_wise(layer):
            kind, schedules = "position_wise", [latest] * len(node.outputs)
        elif isinstance(layer, CachedStep):
            kind = "cached"
            args, kwargs = node.arguments.convert(self._planning_input)
            try:
                schedules = layer.plan_steps(*args, **kwargs)
            except ValueError as error:
                raise NoCachedStepError(layer.name, str(error)) from error
            schedules = list(schedules) if isinstance(schedules, list) else [schedules]
        else:
            raise NoCachedStepError(
                layer.name,
                f"{type(layer).__name__} has no cached step (pixeldist layers "
                "and position-wise Keras layers have one)",
            )
        outputs = [
            self._add(tensor, schedule, layer.name)
            for tensor, schedule in zip(node.outputs, schedules, strict=True)
        ]
        if kind != "constant" and any(o.schedule == Schedule.POSITION for o in outputs):
            for record in inputs:  # read at each position from its cache
                if record.schedule == Schedule.ROW:
                    record.keep()
        return _Node(f"n{len(self._nodes)}", layer, node.arguments, outputs, kind)

    def _planning_input(self, value):
        if not isinstance(value, keras.KerasTensor):
            return value
        record = self._tensors[id(value)]
        if record.schedule == Schedule.CONSTANT:
            return value
        return StepInput(
            record.schedule, record.shape, record.dtype, on_keep=record.keep
        )

    # -- Once per generation ----------------------------------------------------

    def prepare(self, condition=None) -> dict:
        """The constants of a generation: constant tensors and layer constants."""
        constants = {key: condition for key in self._condition_keys}
        for node in self._nodes:
            if node.kind == "constant":
                args, kwargs = node.arguments.convert(
                    lambda v: (
                        constants[self._tensors[id(v)].key]
                        if isinstance(v, keras.KerasTensor)
                        else v
                    )
                )
                results = tf.nest.flatten(node.layer(*args, **kwargs))
                for output, result in zip(node.outputs, results, strict=True):
                    constants[output.key] = result
            elif node.kind == "cached":
                args, kwargs = self._static_inputs(node, constants)
                constants[node.key] = node.layer.prepare_steps(*args, **kwargs)
        return constants

    def initial_state(self, batch_size) -> dict:
        """Zero caches: one per cached tensor, and each layer's own."""
        buffers = {
            record.key: new_cache(
                batch_size, record.shape, record.padding, record.dtype, record.rows_back
            )
            for record in self._tensors.values()
            if record.padding is not None
        }
        layers = {}
        for node in self._nodes:
            if node.kind == "cached":
                args, kwargs = self._static_inputs(node, {})
                layers[node.key] = node.layer.initial_step_state(
                    batch_size, *args, **kwargs
                )
        return {"buffers": buffers, "layers": layers}

    def _static_inputs(self, node, constants):
        def convert(value):
            if not isinstance(value, keras.KerasTensor):
                return value
            record = self._tensors[id(value)]
            if record.schedule == Schedule.CONSTANT:
                return constants.get(record.key)
            return StepInput(record.schedule, record.shape, record.dtype)

        return node.arguments.convert(convert)

    # -- The steps --------------------------------------------------------------

    def start_row(self, constants, state, row):
        """The row-scheduled tensors of image row `row`, at every level."""
        return self._run(_Time(constants, state, row, None), Schedule.ROW).state

    def write_pixel(self, state, pixel, row, col):
        """Writes the scaled pixel `[N, C]` at `(row, col)` of the image cache."""
        return _Time(None, state, row, col).write(self._image, pixel).state

    def step(self, constants, state, row, col):
        """`(raw [N, P], state)`: the network's outputs at `(row, col)`."""
        time = _Time(constants, state, row, col)
        time.values[self._image.key] = time.view(self._image)
        time = self._run(time, Schedule.POSITION)
        return time.view(self._output), time.state

    def _run(self, time, schedule: Schedule):
        """Computes every tensor of `schedule`, in graph order, at `time`."""
        for node in self._nodes:
            if node.kind == "constant" or (
                not node.computes(schedule)
                and (node.kind == "position_wise" or schedule == Schedule.POSITION)
            ):
                continue  # a cached layer may have row work for later outputs
            if node.kind == "position_wise":
                args, kwargs = node.arguments.convert(time.value_of(self._tensors))
                results = _call_position_wise(node.layer, args, kwargs)
            else:
                args, kwargs = node.arguments.convert(time.input_of(self._tensors))
                i, j = time.at(node.outputs[0])
                constants, state = time.constants[node.key], time.layers[node.key]
                if schedule == Schedule.ROW:
                    results, state = node.layer.row_step(
                        constants, state, i, *args, **kwargs
                    )
                else:
                    results, state = node.layer.position_step(
                        constants, state, i, j, *args, **kwargs
                    )
                time.layers[node.key] = state
            results = results if isinstance(results, (list, tuple)) else [results]
            for output, result in zip(node.outputs, results, strict=True):
                if output.schedule != schedule:
                    continue
                if result is None:
                    raise ValueError(
                        f"{node.layer.name}: its {schedule.name.lower()} step "
                        "returned no value for an output it planned."
                    )
                time.values[output.key] = result
                time.write(output, result)
        return time


class _Time:
    """One row start (`col` None) or one step of a generation: the values
    computed so far, and the state they update."""

    def __init__(self, constants, state, row, col):
        self.constants, self.row, self.col = constants, row, col
        self.buffers = dict(state["buffers"])
        self.layers = dict(state["layers"])
        self.values: dict[str, tf.Tensor] = {}
        self._positions: dict = {}

    def at(self, record: _Tensor):
        """This time's position `(row, col)` in `record`'s coordinates, made
        once per resolution (a step is traced op by op)."""
        if record.factors not in self._positions:
            self._positions[record.factors] = record.at(self.row, self.col)
        return self._positions[record.factors]

    @property
    def state(self) -> dict:
        return {"buffers": self.buffers, "layers": self.layers}

    def write(self, record: _Tensor, value) -> _Time:
        """Writes `record`'s value at this time into its cache, if it has one."""
        if record.padding is not None:
            i, j = self.at(record)
            self.buffers[record.key] = write_cache(
                self.buffers[record.key], record.padding, value, i, j, record.shape[0]
            )
        return self

    def view(self, record: _Tensor):
        """`record` at this position `[N, D]` (row `[N, W_l, D]`), or None
        when it is not known yet."""
        if record.schedule == Schedule.CONSTANT:
            value = self.constants[record.key]
            if len(record.shape) != 3:  # not a feature map: the condition
                return value
            i, j = self.at(record)
            value = value[:, i]  # [N, W_l, D] (W_l = 1: broadcast over the row)
            return value if j is None else value[:, j]  # [N, D]
        if record.key in self.values:
            return self.values[record.key]
        if record.padding is None or (
            self.col is None and record.schedule == Schedule.POSITION
        ):
            return None
        i, j = self.at(record)
        cache = cache_input(self.buffers[record.key], record.padding, record.shape)
        if j is None:
            return cache.read_row(i, 0, record.shape[1])
        return cache.read_at(i, j)

    def value_of(self, tensors):
        """Maps a call argument to its value at this time (position-wise)."""

        def convert(value):
            if not isinstance(value, keras.KerasTensor):
                return value
            return self.view(tensors[id(value)])

        return convert

    def input_of(self, tensors):
        """Maps a call argument to what a cached step receives for it."""

        def convert(value):
            if not isinstance(value, keras.KerasTensor):
                return value
            record = tensors[id(value)]
            if record.schedule == Schedule.CONSTANT:
                return self.constants[record.key]
            i, j = self.at(record)
            return StepInput(
                record.schedule,
                record.shape,
                record.dtype,
                value=self.view(record),
                cache=self.buffers.get(record.key),
                padding=tuple(record.padding or (0, 0, 0)),
                row=i,
                col=j,
            )

        return convert


def _nodes_in_order(network: keras.Model):
    """The calls of `network`'s graph, each after the calls it depends on."""
    for depth in sorted(network._nodes_by_depth, reverse=True):
        for node in network._nodes_by_depth[depth]:
            if node.operation is not None and not node.is_input:
                yield node
