"""Models-from-code entry point of the recommender's MLflow model.

`mlplatform.registry.log_recommender` logs this file as the model's code; MLflow runs it when the
model is loaded, then calls `load_context`, which reads the fitted biases from the model's artifacts.
"""

import mlflow

from mlplatform.registry import BiasRecommender

mlflow.models.set_model(BiasRecommender())
