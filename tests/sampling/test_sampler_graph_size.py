"""The cached sampler's graph grows with the layers, not with the image.

Tracing and handing the graph to XLA cost time per op (issue 16: the first
call of a process): the per-row and per-pixel work are loop bodies traced
once, so a larger image must not add a single op.
"""

import pytest
import tensorflow as tf

import pixeldist


def _ops(function) -> int:
    graph = function.get_concrete_function().graph.as_graph_def()
    return len(graph.node) + sum(len(f.node_def) for f in graph.library.function)


def _sampler_ops(make, size) -> int:
    dist = make((size, size, 1))
    return _ops(tf.function(lambda: dist.sample(2, seed=1), autograph=False))


@pytest.mark.parametrize(
    "make",
    [
        lambda shape: pixeldist.PixelCNNPlusPlus(
            shape,
            high=3,
            num_resnet=1,
            num_hierarchies=2,
            num_filters=4,
            num_logistic_mix=2,
        ),
        lambda shape: pixeldist.GatedPixelCNN(
            shape, high=3, num_layers=2, num_filters=4
        ),
    ],
    ids=["pixelcnn_plus_plus", "gated_pixelcnn"],
)
def test_a_larger_image_adds_no_op_to_the_sampler(make):
    small, large = _sampler_ops(make, 4), _sampler_ops(make, 8)
    assert small == large
    assert small > 100  # the loops were traced
