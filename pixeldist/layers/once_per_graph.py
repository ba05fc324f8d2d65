"""Values made once per traced graph: the index arithmetic steps share."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable

import tensorflow as tf

#: The graph collection that holds `(weak reference to the graph, {key: value})`.
_COLLECTION = "pixeldist_once_per_graph"


def once_per_graph(key: Hashable, make: Callable[[], tf.Tensor]) -> tf.Tensor:
    """`make()`, made once per graph being traced for `key` (eagerly, at
    every call).

    A sampler's step is traced op by op (about 0.3 ms per op on a CPU, and
    as much again to hand the graph to XLA), and its layers read and write
    a few dozen caches at the same positions: the index arithmetic they
    share (`row + 1`, the batch indices of a write) is made once. A key
    names a tensor by `tensor.ref()`. The values live in a collection of
    the graph, so they live and die with it, and a function's graph (a loop
    body) makes its own instead of reading its outer graph's.
    """
    if tf.executing_eagerly():
        return make()
    graph = tf.compat.v1.get_default_graph()
    # A function's graph starts with copies of its outer graph's collections
    # (the same dicts): find this graph's own.
    collection = graph.get_collection_ref(_COLLECTION)
    values = next((v for owner, v in collection if owner() is graph), None)
    if values is None:
        values = {}
        collection.append((weakref.ref(graph), values))
    if key not in values:
        values[key] = make()
    return values[key]
