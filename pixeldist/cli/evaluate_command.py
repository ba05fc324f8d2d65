"""`pixeldist evaluate`: held-out bits/dim of a trained run, and the quality
of its samples where the run has an image classifier."""

from __future__ import annotations

import json

from pixeldist.cli.data_access import (
    check_fits,
    data_info,
    load_split,
    with_condition,
)
from pixeldist.cli.run_directory import RunDirectory
from pixeldist.cli.sample_quality import sample_quality
from pixeldist.cli.train_command import log


def run_evaluate(args) -> int:
    run = RunDirectory(args.run)
    settings = run.read_settings()
    model = run.load_model()
    dataset = args.dataset or settings["dataset"]
    info = data_info(settings, dataset)
    check_fits(info, model.distribution)
    data = with_condition(
        load_split(settings, args.split, dataset),
        settings,
        model.distribution.high,
        model.distribution.low,
    )
    if not info.has_labels and model.distribution.num_classes is not None:
        from pixeldist.cli.command_error import CommandError

        raise CommandError(
            f"Data set {dataset!r} has no labels, but the model is class-conditional."
        )
    log(f"evaluating on {dataset} ({args.split})")
    result = model.evaluate(data.batch(256), verbose=0, return_dict=True)
    report = {
        "bits_per_dim": float(result["bits_per_dim"]),
        "dataset": dataset,
        "split": args.split,
    }
    classifier = run.load_classifier()
    if classifier is not None and args.num_samples > 0:
        log(f"sampling {args.num_samples} images for the sample-quality numbers")
        report.update(
            sample_quality(
                model,
                classifier,
                settings,
                data,
                args.num_samples,
                args.seed,
                args.quiet or args.json,
            )
        )
    if args.json:
        print(json.dumps(report))
        return 0
    print(
        f"held-out bits/dim on {dataset} ({args.split}): {report['bits_per_dim']:.4f}"
    )
    if "frechet_distance" in report:
        print(
            f"Fréchet distance of samples to held-out images: "
            f"{report['frechet_distance']:.4g}"
        )
    if "conditional_accuracy" in report:
        print(
            "share of samples the classifier labels as their class: "
            f"{report['conditional_accuracy']:.3f}"
        )
    return 0
