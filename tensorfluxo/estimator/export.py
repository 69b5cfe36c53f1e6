"""tf.estimator.export: serving input receivers and export outputs for
``Estimator.export_saved_model`` (a TF1 SavedModel that TensorFlow serves)."""

from __future__ import annotations

from collections import namedtuple

from ..framework import dtypes
from ..framework.ops import Tensor
from ..ops import array_ops

_SINGLE_FEATURE, _SINGLE_RECEIVER = "feature", "input"


class ServingInputReceiver(namedtuple("ServingInputReceiver",
                                      ["features", "receiver_tensors",
                                       "receiver_tensors_alternatives"])):
    """What a serving_input_receiver_fn returns: the model's ``features`` and the tensors a
    request feeds (``receiver_tensors``, named in the signature)."""

    def __new__(cls, features, receiver_tensors, receiver_tensors_alternatives=None):
        if features is None:
            raise ValueError("features must be defined.")
        if not isinstance(features, dict):
            features = {_SINGLE_FEATURE: features}
        if not isinstance(receiver_tensors, dict):
            receiver_tensors = {_SINGLE_RECEIVER: receiver_tensors}
        for what, d in (("feature", features), ("receiver_tensor", receiver_tensors)):
            for k, v in d.items():
                if not isinstance(k, str) or not isinstance(v, Tensor):
                    raise ValueError(f"{what} {k!r} must be a string key with a Tensor, got "
                                     f"{v!r}")
        return super().__new__(cls, features, receiver_tensors, receiver_tensors_alternatives)


def build_raw_serving_input_receiver_fn(features: dict, default_batch_size=None):
    """A receiver fn feeding each feature through a placeholder of its dtype and shape."""
    def fn():
        phs = {}
        for k, t in features.items():
            shape = [default_batch_size] + t.shape.as_list()[1:] if t.shape.ndims else None
            phs[k] = array_ops.placeholder(t.dtype, shape, name=k)
        return ServingInputReceiver(phs, phs)
    return fn


def build_parsing_serving_input_receiver_fn(feature_spec: dict, default_batch_size=None):
    """A receiver fn taking serialized tf.Example strings ("examples") and parsing them."""
    def fn():
        from ..io.parsing_ops import parse_example
        serialized = array_ops.placeholder(dtypes.string, [default_batch_size],
                                           name="input_example_tensor")
        return ServingInputReceiver(parse_example(serialized, feature_spec),
                                    {"examples": serialized})
    return fn


class PredictOutput:
    """Export output: the signature predicts these named tensors."""

    def __init__(self, outputs):
        self.outputs = outputs if isinstance(outputs, dict) else {"output": outputs}

    def as_signature_def(self, receiver_tensors):
        from ..saved_model.saved_model import predict_signature_def
        return predict_signature_def(receiver_tensors, self.outputs)


class ClassificationOutput:
    def __init__(self, scores=None, classes=None):
        if scores is None and classes is None:
            raise ValueError("At least one of scores and classes must be set.")
        self.scores, self.classes = scores, classes

    def as_signature_def(self, receiver_tensors):
        from ..saved_model.saved_model import classification_signature_def
        (examples,) = receiver_tensors.values() if len(receiver_tensors) == 1 else (None,)
        if examples is None:
            raise ValueError("Classification signatures take one input tensor (serialized "
                             f"examples); the receiver has {sorted(receiver_tensors)}")
        return classification_signature_def(examples, self.classes, self.scores)


class RegressionOutput:
    def __init__(self, value):
        self.value = value

    def as_signature_def(self, receiver_tensors):
        from ..saved_model.saved_model import regression_signature_def
        if len(receiver_tensors) != 1:
            raise ValueError("Regression signatures take one input tensor (serialized "
                             f"examples); the receiver has {sorted(receiver_tensors)}")
        return regression_signature_def(next(iter(receiver_tensors.values())), self.value)
