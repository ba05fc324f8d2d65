"""`pixeldist train`: train a model, checkpoint every epoch, write pictures."""

from __future__ import annotations

import contextlib
import os
import sys

import keras
import numpy as np
import tensorflow as tf

from pixeldist.cli.command_error import CommandError
from pixeldist.cli.data_access import (
    class_names,
    condition_factor,
    condition_shape,
    data_info,
    examples_per_class,
    load_split,
    take_examples,
    with_condition,
)
from pixeldist.cli.model_registry import build_distribution
from pixeldist.cli.multi_worker_fit import (
    fit_multi_worker,
    held_out_metrics,
    multi_worker_strategy,
)
from pixeldist.cli.pictures import (
    save_class_rows,
    save_completions,
    save_super_resolutions,
)
from pixeldist.cli.run_directory import RunDirectory
from pixeldist.cli.sample_quality import train_classifier
from pixeldist.cli.sampling_progress import sample_with_progress
from pixeldist.keras_integration.density_model import DensityModel
from pixeldist.keras_integration.model_file import save_model_atomically
from pixeldist.keras_integration.resumable_checkpoint import ResumableCheckpoint
from pixeldist.keras_integration.tqdm_progress import TqdmProgress

#: Settings that define a run; a resumed run must use the same ones.
RUN_DEFINING = (
    "model",
    "dataset",
    "binarize",
    "resize",
    "classes",
    "condition",
    "background_mutation",
    "likelihood",
    "num_layers",
    "num_filters",
    "num_logistic_mix",
    "batch_size",
    "learning_rate",
    "seed",
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _strategy(name: str | None):
    """`(scope, strategy, is_chief, worker_index)` for `--distribute`."""
    if name in (None, "none"):
        return contextlib.nullcontext(), None, True, 0
    if name == "mirrored":
        strategy = tf.distribute.MirroredStrategy()
        return strategy.scope(), strategy, True, 0
    if name == "multi_worker":
        try:
            strategy, is_chief, index = multi_worker_strategy()
        except (ValueError, KeyError) as error:
            raise CommandError(
                f"--distribute multi_worker needs a valid TF_CONFIG: {error}"
            ) from None
        return strategy.scope(), strategy, is_chief, index
    raise CommandError(
        f"Unknown --distribute {name!r}; choose none, mirrored or multi_worker."
    )


def _settings(args) -> dict:
    return {
        "model": args.model,
        "dataset": args.dataset,
        "binarize": bool(args.binarize),
        "resize": list(args.resize) if args.resize else None,
        "classes": list(args.classes) if args.classes else None,
        "condition": args.condition,
        "background_mutation": args.background_mutation,
        "likelihood": args.likelihood,
        "num_layers": args.num_layers,
        "num_filters": args.num_filters,
        "num_logistic_mix": args.num_logistic_mix,
        "batch_size": args.batch_size,
        "learning_rate": args.learning_rate,
        "seed": args.seed,
        "epochs": args.epochs,
        "data_dir": args.data_dir,
    }


def run_train(args) -> int:
    settings = _settings(args)
    run = RunDirectory(args.out)
    info = data_info(settings)
    num_classes = info.num_classes if info.has_labels else None
    condition = {}
    if settings["condition"]:  # low-resolution images instead of labels
        condition = {"conditional_shape": condition_shape(settings, info.image_shape)}
        num_classes = None
    keras.utils.set_random_seed(args.seed)
    scope, strategy, is_chief, worker_index = _strategy(args.distribute)
    multi_worker = args.distribute == "multi_worker"
    source = run  # where a killed run is resumed from (the chief's directory)
    if not is_chief:
        # Non-chief workers train in step with the chief; only the chief writes
        # the run directory. Their files go to workers/<index>/.
        run = RunDirectory(os.path.join(args.out, "workers", str(worker_index)))

    with scope:
        model, state = source.resume_state()
        if model is not None:
            previous = source.read_settings()
            changed = [k for k in RUN_DEFINING if previous.get(k) != settings.get(k)]
            if changed:
                raise CommandError(
                    f"{run.path} holds a run with different settings "
                    f"({', '.join(changed)}); use another --out or the same options."
                )
            log(f"resuming {run.path} after epoch {state['epoch']}")
        else:
            distribution = build_distribution(
                args.model,
                info.image_shape,
                info.high,
                num_classes,
                likelihood=args.likelihood,
                num_layers=args.num_layers,
                num_filters=args.num_filters,
                num_logistic_mix=args.num_logistic_mix,
                **condition,
            )
            model = DensityModel(distribution)
            model.compile(optimizer=keras.optimizers.Adam(args.learning_rate))
            state = {"epoch": 0, "history": {}}
    run.write_settings(settings)

    initial_epoch = int(state["epoch"])
    if args.background_mutation:
        log(
            "training a background model: each value is replaced at random with "
            f"probability {args.background_mutation}"
        )
    train = with_condition(load_split(settings, "train"), settings, info.high)
    train, steps = _training_batches(train, args, initial_epoch, info.high)
    held_out = with_condition(load_split(settings, "test"), settings, info.high)
    held_out = held_out.batch(256).prefetch(tf.data.AUTOTUNE)
    callbacks = [
        ResumableCheckpoint(run.path, state["history"]),
        TqdmProgress(args.epochs, steps, disable=args.quiet or not is_chief),
    ]
    if multi_worker and initial_epoch < args.epochs:
        fit_multi_worker(
            model,
            strategy,
            train,
            held_out,
            args.epochs,
            steps,
            initial_epoch,
            callbacks,
            global_batch_size=args.batch_size,
        )
    elif initial_epoch < args.epochs:
        model.fit(
            train,
            epochs=args.epochs,
            steps_per_epoch=steps,
            initial_epoch=initial_epoch,
            validation_data=held_out,
            callbacks=callbacks,
            verbose=0,
        )
    save_model_atomically(model, run.file(RunDirectory.MODEL))
    if not is_chief:
        return 0

    if multi_worker:
        bits = held_out_metrics(model.distribution, held_out)["bits_per_dim"]
    else:
        bits = model.evaluate(held_out, verbose=0, return_dict=True)["bits_per_dim"]
    run.write_metrics({"bits_per_dim": float(bits), "split": "test"})
    print(f"held-out bits/dim: {bits:.4f}")

    distribution = model.distribution
    _write_samples(
        run, distribution, settings, args.samples_per_class, args.seed, args.quiet
    )
    write_completions(run.file("completions.png"), distribution, settings, args.seed)
    written = "model.keras, history.csv, metrics.json, samples.png, completions.png"
    if not args.background_mutation:
        train_classifier(
            run, settings, info, args.classifier_epochs, args.max_steps_per_epoch, log
        )
        if run.has_classifier():
            written += ", classifier.keras"
    log(f"wrote {run.path}: {written}")
    return 0


def _training_batches(data, args, initial_epoch, high):
    """Shuffled batches for epochs `initial_epoch .. epochs-1`, and steps per epoch.

    One seeded shuffle is repeated over the epochs and the batches of the
    completed epochs are skipped, so a resumed run sees exactly the batches
    an uninterrupted run would have seen. With `--background-mutation`, the
    images of batch k are mutated with the seed `(seed, k)`: fresh noise
    every epoch, and the same on a resumed run.
    """
    batches = data.shuffle(10_000, seed=args.seed, reshuffle_each_iteration=True)
    batches = batches.batch(args.batch_size)
    steps = int(batches.cardinality())
    if steps < 0:  # unknown after a filter (e.g. --classes): count once
        steps = int(batches.reduce(0, lambda count, _: count + 1))
    if steps <= 0:
        raise CommandError("The training split is empty or of unknown size.")
    if args.max_steps_per_epoch:
        steps = min(steps, args.max_steps_per_epoch)
    remaining = max(args.epochs - initial_epoch, 0)
    batches = batches.repeat()
    if args.background_mutation:
        batches = batches.enumerate().map(
            lambda index, batch: _mutated(batch, index, args, high),
            num_parallel_calls=tf.data.AUTOTUNE,
            deterministic=True,
        )
    batches = batches.skip(initial_epoch * steps).take(remaining * steps)
    return batches.prefetch(tf.data.AUTOTUNE), steps


def _mutated(batch, index, args, high):
    """The batch with its images (not their labels) mutated, seed `(seed, index)`."""
    from pixeldist.evaluation import mutate

    seed = tf.stack([tf.constant(args.seed, tf.int64), index])
    if isinstance(batch, tuple):
        return (mutate(batch[0], args.background_mutation, 0, high, seed), *batch[1:])
    return mutate(batch, args.background_mutation, 0, high, seed)


def _write_samples(run, distribution, settings, per_class, seed, quiet=False):
    if condition_factor(settings):
        images, _ = take_examples(load_split(settings, "test"), per_class)
        write_super_resolutions(
            run.file("samples.png"), distribution, settings, images, 2, seed, quiet
        )
        return
    if distribution.num_classes is None:
        images, _ = take_examples(load_split(settings, "test"), per_class)
        generated = sample_with_progress(
            distribution, per_class, seed=seed, quiet=quiet
        )
        save_class_rows(
            run.file("samples.png"), images[None], generated[None], distribution.high
        )
        return
    classes = distribution.num_classes
    real = examples_per_class(load_split(settings, "test"), classes, per_class)
    labels = np.repeat(np.arange(classes), per_class)
    generated = sample_with_progress(
        distribution, len(labels), labels=labels, seed=seed, quiet=quiet
    )
    generated = generated.reshape(classes, per_class, *distribution.image_shape)
    save_class_rows(
        run.file("samples.png"),
        real,
        generated,
        distribution.high,
        class_names=class_names(data_info(settings), classes),
    )


def write_completions(
    path, distribution, settings, seed, count=8, num_known_rows=None, method="fast"
):
    """Held-out images, their top rows kept and the rest completed twice."""
    images, labels = take_examples(load_split(settings, "test"), count)
    rows = (
        distribution.image_shape[0] // 2 if num_known_rows is None else num_known_rows
    )
    condition = labels if distribution.num_classes is not None else None
    if condition_factor(settings):
        condition = low_resolution_of(images, settings, distribution)
    completions = [
        distribution.complete(
            images, rows, conditional_input=condition, seed=seed + k, method=method
        )
        for k in range(2)
    ]
    save_completions(
        path,
        images,
        np.stack([c.numpy() for c in completions]),
        rows,
        distribution.high,
    )


def low_resolution_of(images, settings, distribution):
    """The condition of a `lowres:F` run's model for full-size `images`."""
    from pixeldist.data import low_resolution

    factor = condition_factor(settings)
    return low_resolution(images, factor, distribution.high, distribution.low).numpy()


def write_super_resolutions(
    path, distribution, settings, images, count, seed, quiet=False, **sampling
):
    """`count` samples for each of `images` (full size), or for each of their
    low-resolution versions (`images` of the condition's shape), as a picture.
    """
    factor = condition_factor(settings)
    high, low = distribution.high, distribution.low
    images = np.asarray(images, np.float32)
    if images.shape[1:] == tuple(distribution.image_shape):
        originals, condition = images, low_resolution_of(images, settings, distribution)
    else:  # already small: only scaled
        from pixeldist.data import low_resolution

        originals, condition = None, low_resolution(images, 1, high, low).numpy()
    generated = sample_with_progress(
        distribution,
        count * len(condition),
        labels=np.tile(condition, (count, 1, 1, 1)),
        seed=seed,
        quiet=quiet,
        **sampling,
    )
    generated = generated.reshape(count, len(condition), *distribution.image_shape)
    inputs = (condition + 1) / 2 * (high - low) + low  # pixel values again
    save_super_resolutions(path, inputs, generated, factor, high, low, originals)
    return generated
