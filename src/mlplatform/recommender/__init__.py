"""Project 2, the movie recommender on MovieLens 100K.

Data: `movielens` (loaders), `splits`, `validation`, `exploration`, `features` and `side_features`
(Feast features for the models). Models: `baselines`, `models` (surprise), `rankers` (popularity,
item-KNN, EASE), `torch_model` and `torch_training` (factorisation with side features), `blend`.
Evaluation: `metrics`, `ranking`, `evaluation` (the protocol of design section 9), `search`.
Release: `tracked`, `registered`, `model_card`, `pipeline` and `champion_pipeline` (KFP, with the
step bodies they share in `pipeline_steps`), `champion`
(recommendations from the model under an alias).
"""
