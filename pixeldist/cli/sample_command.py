"""`pixeldist sample` and `pixeldist complete`: pictures from a trained run."""

from __future__ import annotations

import numpy as np

from pixeldist.cli.command_error import CommandError
from pixeldist.cli.data_access import (
    class_names,
    condition_factor,
    condition_shape,
    data_info,
    load_split,
    take_examples,
)
from pixeldist.cli.pictures import save_generated_rows
from pixeldist.cli.run_directory import RunDirectory
from pixeldist.cli.sampling_progress import sample_with_progress
from pixeldist.cli.train_command import log, write_completions, write_super_resolutions


def condition_images(path, distribution, settings):
    """The images of `--condition-from`: full size or of the condition's shape,
    finite pixel values in the model's range."""
    try:
        images = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as error:
        raise CommandError(
            f"--condition-from {path}: cannot read it ({error})."
        ) from None
    full = tuple(distribution.image_shape)
    small = condition_shape(settings, full)
    if images.ndim == 3:
        images = images[None]
    if images.ndim != 4 or images.shape[1:] not in (full, small) or not len(images):
        raise CommandError(
            f"--condition-from {path}: expected images [N, {', '.join(map(str, full))}]"
            f" or [N, {', '.join(map(str, small))}], got shape {list(images.shape)}."
        )
    if not np.issubdtype(images.dtype, np.number) or not np.all(np.isfinite(images)):
        raise CommandError(f"--condition-from {path}: values must be finite numbers.")
    low, high = distribution.low, distribution.high
    if images.min() < low or images.max() > high:
        raise CommandError(
            f"--condition-from {path}: values must be pixel values in [{low}, {high}], "
            f"got [{images.min():g}, {images.max():g}]."
        )
    return images


def check_condition_flags(args, distribution, settings) -> None:
    """Refuses `--labels` and `--condition-from` where the run's model does
    not take them, and labels outside its classes (`sample`, `compress`,
    `decompress`)."""
    classes = distribution.num_classes
    if condition_factor(settings):
        if args.labels:
            raise CommandError(
                "This model is conditioned on low-resolution images, not labels; "
                "pass --condition-from IMAGES.npy instead of --labels."
            )
    elif args.condition_from:
        raise CommandError(
            "--condition-from is for models trained with --condition lowres:F."
        )
    elif classes is None and args.labels:
        raise CommandError("This model is unconditional; do not pass --labels.")
    bad = [label for label in args.labels or () if not 0 <= label < classes]
    if bad:
        raise CommandError(
            f"--labels {bad} are outside the model's classes [0, {classes})."
        )


def _sample_super_resolutions(args, run, distribution) -> int:
    settings = run.read_settings()
    if args.condition_from:
        images = condition_images(args.condition_from, distribution, settings)
    else:
        images, _ = take_examples(load_split(settings, "test"), 8)
    log(f"sampling {args.num} images for each of {len(images)} inputs")
    write_super_resolutions(
        args.out,
        distribution,
        settings,
        images,
        args.num,
        args.seed,
        temperature=args.temperature,
        method=args.method,
    )
    print(f"wrote {args.out}")
    return 0


def run_sample(args) -> int:
    run = RunDirectory(args.run)
    distribution = run.load_model().distribution
    check_condition_flags(args, distribution, run.read_settings())
    if condition_factor(run.read_settings()):
        return _sample_super_resolutions(args, run, distribution)
    classes = distribution.num_classes
    if classes is None:
        images = sample_with_progress(
            distribution,
            args.num,
            seed=args.seed,
            temperature=args.temperature,
            method=args.method,
        )
        grid, names = images[None], None
    else:
        labels = list(range(classes)) if not args.labels else list(args.labels)
        log(f"sampling {args.num} images for each of {len(labels)} labels")
        condition = np.repeat(np.asarray(labels), args.num)
        images = sample_with_progress(
            distribution,
            len(condition),
            labels=condition,
            seed=args.seed,
            temperature=args.temperature,
            method=args.method,
        )
        grid = images.reshape(len(labels), args.num, *distribution.image_shape)
        every_name = class_names(data_info(run.read_settings()), classes)
        names = [every_name[label] for label in labels]
    save_generated_rows(
        args.out, grid, high=distribution.high, low=distribution.low, row_names=names
    )
    print(f"wrote {args.out}")
    return 0


def run_complete(args) -> int:
    run = RunDirectory(args.run)
    settings = run.read_settings()
    distribution = run.load_model().distribution
    height = distribution.image_shape[0]
    rows = height // 2 if args.num_known_rows is None else args.num_known_rows
    if not 0 <= rows <= height:
        raise CommandError(
            f"--num-known-rows must be in [0, {height}] (the image height), got {rows}."
        )
    write_completions(
        args.out, distribution, settings, args.seed, args.num, rows, args.method
    )
    print(f"wrote {args.out}")
    return 0
