"""The trainer's neural recommender: a context-aware two-tower model with a repeat signal."""

from cloud_trainer.model.train import TrainConfig, TrainedModel, train_model

__all__ = ["TrainConfig", "TrainedModel", "train_model"]
