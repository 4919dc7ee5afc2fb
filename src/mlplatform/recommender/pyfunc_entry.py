"""Models-from-code entry point of every registered recommender (`movie-recommender`).

MLflow runs this file when the model is loaded, then calls `load_context`, which rebuilds the
fitted model from the files `model_files.save_model` wrote (JSON, npz, a torch state_dict).
"""

import mlflow

from mlplatform.recommender.registered import RatingPyfunc

mlflow.models.set_model(RatingPyfunc())
