"""A small rating model: data loading, a bias model, training and the champion gate."""
