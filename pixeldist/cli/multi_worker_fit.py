"""Training under `MultiWorkerMirroredStrategy`, where Keras 3's `fit` fails.

Keras 3's `fit` raises "Attempt to convert a value (PerReplica…) to a Tensor"
under `tf.distribute.MultiWorkerMirroredStrategy` (keras-team/keras issue
20585). This loop runs the same loss (mean negative log-likelihood), logs the
same metrics (`loss`, `bits_per_dim`, `val_loss`, `val_bits_per_dim`) and
drives the same Keras callbacks (checkpoints, progress bars) as `fit`, with
each training step run on every replica through `strategy.run`. The Keras
optimizer all-reduces the gradients across workers, so every worker ends
each step with the same weights.
"""

from __future__ import annotations

import math

import tensorflow as tf


def multi_worker_strategy():
    """`(strategy, is_chief, worker_index)` from the `TF_CONFIG` environment."""
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    resolver = strategy.cluster_resolver
    task_type, task_id = resolver.task_type, resolver.task_id
    is_chief = task_type in (None, "chief") or (task_type == "worker" and task_id == 0)
    return strategy, is_chief, int(task_id or 0)


def held_out_metrics(distribution, dataset) -> dict:
    """Mean negative log-likelihood and bits/dim of `dataset`, computed locally."""
    dims = math.prod(distribution.image_shape)

    @tf.function
    def batch_log_prob(images, labels):
        return distribution.log_prob(images, conditional_input=labels)

    total, count = 0.0, 0
    for element in dataset:
        images, labels = element if isinstance(element, tuple) else (element, None)
        if distribution.num_classes is None:
            labels = None
        log_prob = batch_log_prob(images, labels)
        total += float(tf.reduce_sum(tf.cast(log_prob, tf.float64)))
        count += int(tf.shape(log_prob)[0])
    loss = -total / max(count, 1)
    return {"loss": loss, "bits_per_dim": loss / (dims * math.log(2.0))}


def fit_multi_worker(
    model,
    strategy,
    train,
    held_out,
    epochs,
    steps,
    initial_epoch,
    callbacks,
    global_batch_size,
):
    """Trains `model` (a compiled `DensityModel`) on `train` with `strategy`."""
    distribution = model.distribution
    dims = math.prod(distribution.image_shape)
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = (
        tf.data.experimental.AutoShardPolicy.DATA
    )
    batches = strategy.experimental_distribute_dataset(train.with_options(options))
    iterator = iter(batches)
    variables = model.trainable_variables
    optimizer = model.optimizer

    def replica_step(element):
        images, labels = element if isinstance(element, tuple) else (element, None)
        if distribution.num_classes is None:
            labels = None
        with tf.GradientTape() as tape:
            log_prob = distribution.log_prob(
                images, conditional_input=labels, training=True
            )
            loss = tf.nn.compute_average_loss(
                -tf.cast(log_prob, tf.float32), global_batch_size=global_batch_size
            )
        gradients = tape.gradient(loss, variables)
        optimizer.apply(gradients, variables)
        return loss

    @tf.function
    def train_step(iterator):
        losses = strategy.run(replica_step, args=(next(iterator),))
        return strategy.reduce(tf.distribute.ReduceOp.SUM, losses, axis=None)

    for callback in callbacks:
        callback.set_model(model)
    for epoch in range(initial_epoch, epochs):
        for callback in callbacks:
            callback.on_epoch_begin(epoch)
        running = 0.0
        for step in range(steps):
            running += float(train_step(iterator))
            mean = running / (step + 1)
            logs = {"loss": mean, "bits_per_dim": mean / (dims * math.log(2.0))}
            for callback in callbacks:
                callback.on_train_batch_end(step, logs)
        validation = held_out_metrics(distribution, held_out)
        logs.update({f"val_{k}": v for k, v in validation.items()})
        for callback in callbacks:
            callback.on_epoch_end(epoch, logs)
    return model
