"""PixelVAE: the bound's parts, the IWAE bound, the decoder's use of z, fit, saving."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from harness import perturb_weights, run_model_saving_test

import pixeldist
from pixeldist.latent.pixel_vae import PixelVAE

IMAGE_SHAPE = (4, 4, 1)
HIGH = 3
LATENT_SHAPE = (2, 2, 2)


def tiny_vae(**kwargs) -> PixelVAE:
    options = dict(
        image_shape=IMAGE_SHAPE,
        high=HIGH,
        latent_shape=LATENT_SHAPE,
        decoder_layers=1,
        decoder_filters=8,
        encoder_filters=8,
        seed=0,
    )
    options.update(kwargs)
    return PixelVAE(**options)


def moved_vae(**kwargs) -> PixelVAE:
    """A tiny VAE with its weights moved off their initial values, so that the
    decoder depends on z and q(z | x) on x."""
    vae = tiny_vae(**kwargs)
    perturb_weights(vae, 0.3)
    return vae


def images(n=6, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, HIGH + 1, (n, *IMAGE_SHAPE))


def gaussian_kl(loc, scale):
    """KL(N(loc, scale) || N(0, 1)) summed over a latent map, by the formula."""
    terms = 0.5 * (scale**2 + loc**2 - 1.0) - np.log(scale)
    return terms.reshape(len(loc), -1).sum(-1)


def test_loss_is_kl_minus_log_likelihood():
    vae = moved_vae()
    x = images()
    terms = vae.loss_terms(x, seed=7)
    loc, scale = (t.numpy() for t in vae.encoder(2.0 * x / HIGH - 1.0))
    kl = gaussian_kl(loc, scale)
    log_likelihood = vae.decoder.log_prob(x, conditional_input=terms["latents"])
    np.testing.assert_allclose(terms["kl"], kl, rtol=1e-5)
    np.testing.assert_allclose(terms["reconstruction"], -log_likelihood, rtol=1e-6)
    np.testing.assert_allclose(terms["loss"], np.mean(kl - log_likelihood), rtol=1e-5)
    np.testing.assert_allclose(
        vae.elbo(x, seed=7), log_likelihood - kl, rtol=1e-5, atol=1e-4
    )
    # The same seed draws the same z; another seed another z.
    again = vae.loss_terms(x, seed=7)["latents"]
    np.testing.assert_array_equal(again, terms["latents"])
    assert not np.allclose(vae.loss_terms(x, seed=8)["latents"], again)


def test_latents_follow_the_posterior():
    vae = moved_vae()
    x = images(2)
    posterior = vae.posterior(x)
    draws = posterior.sample(4000, seed=tf.constant([1, 2]))
    standardized = (draws - posterior.distribution.loc) / posterior.distribution.scale
    # 4000 x 16 standard normals: mean within 5 / sqrt(64000), variance 1 +- 3%.
    assert abs(float(tf.reduce_mean(standardized))) < 5 / np.sqrt(64000)
    assert abs(float(tf.math.reduce_variance(standardized)) - 1.0) < 0.03


def test_free_bits_and_warmup_change_only_the_objective():
    x = images()
    free = moved_vae(free_bits=50.0)  # more than any channel's KL
    terms = free.loss_terms(x, seed=3)
    assert np.all(terms["kl"] < 50.0)
    expected = np.mean(terms["reconstruction"]) + LATENT_SHAPE[-1] * 50.0
    np.testing.assert_allclose(terms["loss"], expected, rtol=1e-6)

    warm = moved_vae(kl_warmup_steps=10)
    warm.compile(optimizer=keras.optimizers.SGD(0.0))
    terms = warm.loss_terms(x, seed=3)  # step 0: the KL weight is 0
    np.testing.assert_allclose(
        terms["loss"], np.mean(terms["reconstruction"]), rtol=1e-6
    )
    warm.fit(x, batch_size=2, epochs=1, verbose=0)  # 3 steps: weight 0.3
    terms = warm.loss_terms(x, seed=3)
    np.testing.assert_allclose(
        terms["loss"],
        np.mean(terms["reconstruction"] + 0.3 * terms["kl"]),
        rtol=1e-5,
    )


def test_importance_weighted_bound_with_one_sample_is_the_elbo_estimate():
    vae = moved_vae()
    x = images()
    iwae = vae.importance_weighted_bound(x, 1, seed=5)
    np.testing.assert_allclose(iwae, vae.elbo(x, seed=5, analytic_kl=False), rtol=1e-6)
    posterior = vae.posterior(x)
    z = vae.loss_terms(x, seed=5)["latents"]
    by_hand = (
        vae.decoder.log_prob(x, conditional_input=z)
        + vae.prior.log_prob(z)
        - posterior.log_prob(z)
    )
    np.testing.assert_allclose(iwae, by_hand, rtol=1e-5)


def test_importance_weighted_bound_grows_with_the_number_of_samples():
    vae = moved_vae()
    x = images(8)
    num_seeds = 12

    def bounds(k):  # [seeds, N]
        return np.stack(
            [
                vae.importance_weighted_bound(x, k, seed=s).numpy()
                for s in range(num_seeds)
            ]
        )

    elbo = np.stack([vae.elbo(x, seed=s).numpy() for s in range(num_seeds)])
    one, four, many = bounds(1), bounds(4), bounds(32)

    def margin(a, b):  # mean(a - b) in standard errors of the paired differences
        diff = (a - b).ravel()
        return diff.mean() / (diff.std(ddof=1) / np.sqrt(diff.size))

    # Analytic and sampled KL: the same ELBO in expectation.
    assert abs(margin(one, elbo)) < 4
    assert margin(four, elbo) > 4
    assert margin(four, one) > 4
    assert margin(many, four) > 4


def test_the_decoder_depends_on_z():
    vae = moved_vae()
    x = images(4)
    z = vae.prior.sample(2, seed=tf.constant([0, 1]))  # [2, h, w, d]
    first = vae.decoder.log_prob(x, conditional_input=z[:1])
    second = vae.decoder.log_prob(x, conditional_input=z[1:])
    assert np.all(np.abs(first - second) > 1e-3)


def test_samples_and_reconstructions_are_images_of_the_range():
    # The reference loop compiles in a fraction of the cached sampler's time
    # (the decoders' own tests prove that both draw the same images).
    vae = moved_vae()
    samples = vae.sample(5, seed=1, method="naive").numpy()
    assert samples.shape == (5, *IMAGE_SHAPE)
    assert samples.min() >= 0 and samples.max() <= HIGH
    np.testing.assert_array_equal(samples, np.round(samples))
    np.testing.assert_array_equal(vae.sample(5, seed=1, method="naive"), samples)
    assert not np.array_equal(vae.sample(5, seed=2, method="naive"), samples)
    reconstructions = vae.reconstruct(images(3), seed=1, method="naive").numpy()
    assert reconstructions.shape == (3, *IMAGE_SHAPE)
    assert reconstructions.min() >= 0 and reconstructions.max() <= HIGH


def striped_images(n=64, seed=0) -> np.ndarray:
    """Images with structure: one random row per image at HIGH, the rest 0."""
    rows = np.random.default_rng(seed).integers(0, IMAGE_SHAPE[0], n)
    x = np.zeros((n, *IMAGE_SHAPE), np.int64)
    x[np.arange(n), rows] = HIGH
    return x


def test_fit_decreases_the_negative_elbo():
    vae = tiny_vae()
    x = striped_images()
    labels = np.zeros(len(x), np.int64)
    before = -np.mean(vae.elbo(x, seed=0))
    vae.compile(optimizer=keras.optimizers.Adam(1e-2))
    data = tf.data.Dataset.from_tensor_slices((x, labels)).batch(16)
    history = vae.fit(data, epochs=4, verbose=0).history
    after = -np.mean(vae.elbo(x, seed=0))
    assert after < 0.8 * before
    assert set(history) == {"loss", "elbo_bits_per_dim", "kl", "reconstruction"}
    assert history["loss"][-1] < history["loss"][0]
    result = vae.evaluate(x, verbose=0, return_dict=True)
    np.testing.assert_allclose(
        result["loss"], result["kl"] + result["reconstruction"], rtol=1e-5
    )


def test_saves_and_loads_with_any_pixeldist_decoder(tmp_path):
    decoder = pixeldist.GatedPixelCNN(
        IMAGE_SHAPE,
        high=HIGH,
        conditional_shape=LATENT_SHAPE,
        num_layers=1,
        num_filters=8,
    )
    vae = PixelVAE(decoder=decoder, encoder_filters=8, kl_warmup_steps=5)
    assert vae.image_shape == IMAGE_SHAPE and vae.latent_shape == LATENT_SHAPE
    vae.compile(optimizer=keras.optimizers.Adam(1e-2))
    x = striped_images(16)
    vae.fit(x, batch_size=8, epochs=1, verbose=0)
    loaded = run_model_saving_test(
        vae, x, tmp_path, compare_fn=lambda m: m.elbo(x, seed=3)
    )
    assert isinstance(loaded.decoder, pixeldist.GatedPixelCNN)
    assert loaded.kl_warmup_steps == 5
    np.testing.assert_array_equal(
        loaded.sample(2, seed=4, method="naive"), vae.sample(2, seed=4, method="naive")
    )
    assert int(loaded.optimizer.iterations) == 2
    clone = PixelVAE.from_config(vae.get_config())
    assert clone.get_config() == vae.get_config()


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="rank-3"):
        PixelVAE(decoder=pixeldist.PixelCNN(IMAGE_SHAPE, high=HIGH, num_layers=1))
    with pytest.raises(ValueError, match="divide"):
        tiny_vae(latent_shape=(3, 2, 2))
    with pytest.raises(ValueError, match="image_shape"):
        PixelVAE(image_shape=(8, 8, 1), decoder=tiny_vae().decoder)
    with pytest.raises(ValueError, match="image_shape` and `high"):
        PixelVAE()
    with pytest.raises(ValueError, match="num_samples"):
        tiny_vae().importance_weighted_bound(images(), 0)
    with pytest.raises(ValueError, match="loss"):
        tiny_vae().compile(optimizer="adam", loss="mse")
    assert float(tiny_vae().bits_per_dim(-16 * np.log(2.0))) == pytest.approx(1.0)
