"""Latent-variable models whose likelihoods are pixeldist distributions."""
