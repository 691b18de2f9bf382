"""A Bayesmark-style benchmark suite: evotune against random search, Optuna, Hyperopt and GASearchCV."""
