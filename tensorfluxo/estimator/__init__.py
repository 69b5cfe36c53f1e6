"""tf.estimator: Estimator with model_fn, canned DNN/linear estimators, numpy input fns."""

from . import export, inputs
from .canned import DNNClassifier, DNNRegressor, LinearClassifier, LinearRegressor
from .estimator import Estimator, EstimatorSpec, ModeKeys, RunConfig

__all__ = ["DNNClassifier", "DNNRegressor", "Estimator", "EstimatorSpec", "LinearClassifier",
           "LinearRegressor", "ModeKeys", "RunConfig", "export", "inputs"]
