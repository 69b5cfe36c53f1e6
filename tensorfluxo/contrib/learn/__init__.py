"""tf.contrib.learn (TFLearn): DNNClassifier & co. with fit / predict / evaluate on arrays."""

from ...estimator.estimator import RunConfig
from .estimators import (
                         DNNClassifier,
                         DNNRegressor,
                         LinearClassifier,
                         LinearRegressor,
                         SKCompat,
                         infer_real_valued_columns_from_input,
)

__all__ = ["DNNClassifier", "DNNRegressor", "LinearClassifier", "LinearRegressor", "RunConfig",
           "SKCompat", "infer_real_valued_columns_from_input"]
