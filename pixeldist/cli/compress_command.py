"""`pixeldist compress` and `pixeldist decompress`: files to a stream and back."""

from __future__ import annotations

import os

import numpy as np
from PIL import Image

from pixeldist.cli.command_error import CommandError
from pixeldist.cli.data_access import condition_factor
from pixeldist.cli.run_directory import RunDirectory
from pixeldist.cli.sample_command import check_condition_flags, condition_images
from pixeldist.cli.train_command import low_resolution_of
from pixeldist.compression import StreamHeader, compress, decompress

#: PNG modes read and written: grey 8-bit, grey 16-bit, RGB 8-bit.
_PNG_MODES = {"L": 1, "I;16": 1, "RGB": 3}


def run_compress(args) -> int:
    run = RunDirectory(args.run)
    distribution = run.load_model().distribution
    images = _read_inputs(args.inputs, distribution)
    condition = _condition(args, run, distribution, len(images))
    try:
        data = compress(distribution, images, condition, progress=not args.quiet)
    except (ValueError, TypeError) as error:
        raise CommandError(f"{_input_names(args.inputs)}: {error}") from None
    try:
        with open(args.out, "wb") as file:
            file.write(data)
    except OSError as error:
        raise CommandError(f"--out {args.out}: cannot write it ({error}).") from None
    bits_per_dim = 8 * len(data) / images.size
    print(
        f"wrote {args.out}: {len(images)} images in {len(data)} bytes "
        f"({bits_per_dim:.3f} bits/dim)"
    )
    return 0


def run_decompress(args) -> int:
    run = RunDirectory(args.run)
    distribution = run.load_model().distribution
    try:
        with open(args.stream, "rb") as file:
            data = file.read()
    except OSError as error:
        raise CommandError(f"{args.stream}: cannot read it ({error}).") from None
    try:
        num_images = StreamHeader.unpack(data)[0].num_images
        condition = _condition(args, run, distribution, num_images)
        images = decompress(distribution, data, condition, progress=not args.quiet)
    except ValueError as error:
        raise CommandError(f"{args.stream}: {error}") from None
    _write_outputs(args.out, images)
    print(f"wrote {args.out}: {len(images)} images")
    return 0


def _input_names(inputs) -> str:
    return inputs[0] if len(inputs) == 1 else f"{inputs[0]} (and {len(inputs) - 1})"


def _read_inputs(inputs, distribution) -> np.ndarray:
    """`[N, H, W, C]` from one `.npy` array or PNG files."""
    if any(path.lower().endswith(".npy") for path in inputs):
        if len(inputs) != 1:
            raise CommandError("Give one .npy array or PNG files, not both.")
        try:
            images = np.load(inputs[0], allow_pickle=False)
        except (OSError, ValueError) as error:
            raise CommandError(f"{inputs[0]}: cannot read it ({error}).") from None
        if images.ndim == 3 and distribution.image_shape[-1] == 1:
            images = images[..., np.newaxis]  # [N, H, W] grey
        return images
    pictures = [_read_png(path, distribution) for path in inputs]
    return np.stack(pictures)


def _read_png(path, distribution) -> np.ndarray:
    """`[H, W, C]` pixel values of a grey or RGB picture, unscaled."""
    try:
        with Image.open(path) as picture:
            mode = picture.mode
            values = np.asarray(picture)
    except OSError as error:
        raise CommandError(f"{path}: cannot read it as a picture ({error}).") from None
    if mode not in _PNG_MODES:
        raise CommandError(
            f"{path}: picture mode {mode}; expected grey (L, I;16) or RGB."
        )
    height, width, channels = distribution.image_shape
    values = values.reshape(*values.shape[:2], _PNG_MODES[mode])
    if values.shape != (height, width, channels):
        raise CommandError(
            f"{path}: a {values.shape[1]}x{values.shape[0]} picture with "
            f"{values.shape[2]} channels; this model's images are {width}x{height} "
            f"with {channels}."
        )
    return values


def _condition(args, run, distribution, num_images):
    """The labels or condition maps the run's model needs, from the flags."""
    settings = run.read_settings()
    check_condition_flags(args, distribution, settings)
    if condition_factor(settings):
        if not args.condition_from:
            raise CommandError(
                "This model is conditioned on low-resolution images: pass "
                "--condition-from IMAGES.npy (the same file to compress and "
                "decompress)."
            )
        images = condition_images(args.condition_from, distribution, settings)
        return _low_resolution(images, settings, distribution)
    classes = distribution.num_classes
    if classes is None:
        return None
    if not args.labels:
        raise CommandError(
            f"This model is class-conditional: pass --labels (in [0, {classes}), "
            "one per image or one for all)."
        )
    if len(args.labels) not in (1, num_images):
        raise CommandError(
            f"--labels: give one label per image ({num_images}) or one for all, "
            f"got {len(args.labels)}."
        )
    return np.asarray(args.labels)


def _low_resolution(images, settings, distribution):
    """The condition map of full-size images, or of low-resolution ones."""
    if images.shape[1:] == tuple(distribution.image_shape):
        return low_resolution_of(images.astype(np.float32), settings, distribution)
    from pixeldist.data import low_resolution

    high, low = distribution.high, distribution.low
    return low_resolution(images.astype(np.float32), 1, high, low).numpy()


def _write_outputs(out, images) -> None:
    """One `.npy` array, or PNG files `00000.png`, ... in the directory `out`."""
    try:
        if out.lower().endswith(".npy"):
            np.save(out, images)
            return
        _check_png_values(images)
        os.makedirs(out, exist_ok=True)
        for index, image in enumerate(images):
            values = image[..., 0] if image.shape[-1] == 1 else image
            dtype = np.uint8 if image.max(initial=0) <= 255 else np.uint16
            picture = Image.fromarray(values.astype(dtype))
            picture.save(os.path.join(out, f"{index:05d}.png"))
    except OSError as error:
        raise CommandError(f"--out {out}: cannot write it ({error}).") from None


def _check_png_values(images) -> None:
    channels = images.shape[-1]
    if channels not in (1, 3):
        raise CommandError(
            f"PNG files hold grey or RGB pictures, these images have {channels} "
            "channels: use --out FILE.npy."
        )
    top = 255 if channels == 3 else 65535
    if images.min() < 0 or images.max() > top:
        raise CommandError(
            f"The images' values [{images.min()}, {images.max()}] do not fit PNG "
            f"pixels [0, {top}]: use --out FILE.npy."
        )
