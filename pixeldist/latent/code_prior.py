"""A pixeldist prior over the code maps of a `VQVAE`, and code-map data sets."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

#: `model` names of `code_prior`, and the keyword arguments they add.
PRIOR_MODELS = {
    "pixelcnn": ("PixelCNN", {}),
    "gated_pixelcnn": ("GatedPixelCNN", {}),
    "pixelcnn_plus_plus": ("PixelCNNPlusPlus", {}),
    "row_lstm": ("PixelRNN", {"cell": "row_lstm"}),
    "diagonal_bilstm": ("PixelRNN", {"cell": "diagonal_bilstm"}),
    "spatial_lstm": ("PixelRNN", {"cell": "spatial_lstm"}),
    "pixelsnail": ("PixelSNAIL", {}),
}


def code_prior(
    vq_vae,
    model="pixelcnn",
    num_classes: int | None = None,
    conditional_shape=None,
    code_map_shape=None,
    **kwargs,
):
    """An autoregressive distribution over the code maps of `vq_vae`.

    The prior of the VQ-VAE's second stage: `p(k | y) = prod_p p(k_p | k_<p, y)`
    over code maps `k` of shape `(h, w, 1)` in raster order, each factor a
    categorical over the `K = vq_vae.num_codes` codes (`high = K - 1`), the
    network reading each earlier code as a one-hot vector
    (`input_encoding="one_hot"`: codes are names, not intensities, so code 3
    is no closer to 4 than to 11). Train it on `encode_dataset(vq_vae, ...)`
    with `pixeldist.DensityModel`; its `bits_per_dim` is then bits per code.
    New images: `vq_vae.decode(prior.sample(n, conditional_input=labels))`.

    Args:
      vq_vae: a `VQVAE` (its `code_map_shape` and `num_codes` are used).
      model: "pixelcnn", "gated_pixelcnn", "pixelcnn_plus_plus", "row_lstm",
        "diagonal_bilstm", "spatial_lstm", "pixelsnail" (VQ-VAE-2's prior),
        or a pixeldist distribution class.
      num_classes: for a class-conditional prior `p(k | y)`.
      conditional_shape: for a prior conditioned on a float vector or map
        (e.g. `TwoLevelVQVAE.bottom_condition_shape()` for the bottom codes
        of a two-level model).
      code_map_shape: `(h, w)`, the code maps' size; default
        `vq_vae.code_map_shape` (`vq_vae.top_code_map_shape` for the top
        codes of a two-level model).
      **kwargs: the model's own arguments (`num_layers`, `num_filters`, ...).

    Returns:
      A pixeldist distribution with event shape `[h, w, 1]`.
    """
    import pixeldist.distributions as distributions

    for fixed in ("image_shape", "high", "low", "likelihood", "input_encoding"):
        if fixed in kwargs:
            raise ValueError(f"`{fixed}` is set by the VQ-VAE; do not pass it.")
    if isinstance(model, str):
        if model not in PRIOR_MODELS:
            raise ValueError(
                f"`model` must be one of {sorted(PRIOR_MODELS)} or a distribution "
                f"class, got {model!r}."
            )
        class_name, extra = PRIOR_MODELS[model]
        model = getattr(distributions, class_name)
        kwargs = {**extra, **kwargs}
    return model(
        image_shape=(*(code_map_shape or vq_vae.code_map_shape), 1),
        num_classes=num_classes,
        conditional_shape=conditional_shape,
        likelihood="categorical",
        high=vq_vae.num_codes - 1,
        low=0,
        input_encoding="one_hot",
        **kwargs,
    )


def encode_dataset(vq_vae, dataset: tf.data.Dataset, batch_size: int = 256):
    """The code maps of a data set's images, as a new data set.

    Encodes every element of `dataset` (images `[H, W, C]`, or
    `(image, label)` pairs; unbatched) with `vq_vae.encode` once, eagerly, and
    returns an unbatched `tf.data.Dataset` of code maps `float32 [h, w, 1]`
    holding the integer codes (the image convention of pixeldist), paired
    with the labels when the input had them.
    """
    codes, labels = [], []
    for batch in dataset.batch(batch_size):
        images = batch[0] if isinstance(batch, (tuple, list)) else batch
        codes.append(np.asarray(vq_vae.encode(images)))  # [B, h, w]
        if isinstance(batch, (tuple, list)):
            labels.append(np.asarray(batch[1]))
    code_maps = np.concatenate(codes).astype(np.float32)[..., None]  # [N, h, w, 1]
    if labels:
        return tf.data.Dataset.from_tensor_slices((code_maps, np.concatenate(labels)))
    return tf.data.Dataset.from_tensor_slices(code_maps)
