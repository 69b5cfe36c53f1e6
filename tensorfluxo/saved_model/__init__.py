"""tf.saved_model (TF1): simple_save, builder.SavedModelBuilder, loader.load and the
signature helpers, over one implementation in saved_model/saved_model.py."""

from types import SimpleNamespace as _NS

from . import saved_model as _sm
from .saved_model import (
    ASSETS_DIRECTORY,
    CLASSIFY_INPUTS,
    CLASSIFY_METHOD_NAME,
    CLASSIFY_OUTPUT_CLASSES,
    CLASSIFY_OUTPUT_SCORES,
    DEFAULT_SERVING_SIGNATURE_DEF_KEY,
    PREDICT_INPUTS,
    PREDICT_METHOD_NAME,
    PREDICT_OUTPUTS,
    REGRESS_INPUTS,
    REGRESS_METHOD_NAME,
    REGRESS_OUTPUTS,
    SAVED_MODEL_FILENAME_PB,
    SAVED_MODEL_FILENAME_PBTXT,
    SERVING,
    TRAINING,
    VARIABLES_DIRECTORY,
    VARIABLES_FILENAME,
    SavedModelBuilder,
    build_signature_def,
    build_tensor_info,
    classification_signature_def,
    contains_saved_model,
    get_tensor_from_tensor_info,
    is_valid_signature,
    load,
    predict_signature_def,
    regression_signature_def,
    simple_save,
)

Builder = SavedModelBuilder
builder = _NS(SavedModelBuilder=SavedModelBuilder)
loader = _NS(load=load, maybe_saved_model_directory=contains_saved_model)
tag_constants = _NS(SERVING=_sm.SERVING, TRAINING=_sm.TRAINING, EVAL=_sm.EVAL, GPU=_sm.GPU,
                    TPU=_sm.TPU)
signature_constants = _NS(
    DEFAULT_SERVING_SIGNATURE_DEF_KEY=DEFAULT_SERVING_SIGNATURE_DEF_KEY,
    PREDICT_METHOD_NAME=PREDICT_METHOD_NAME, PREDICT_INPUTS=PREDICT_INPUTS,
    PREDICT_OUTPUTS=PREDICT_OUTPUTS, CLASSIFY_METHOD_NAME=CLASSIFY_METHOD_NAME,
    CLASSIFY_INPUTS=CLASSIFY_INPUTS, CLASSIFY_OUTPUT_CLASSES=CLASSIFY_OUTPUT_CLASSES,
    CLASSIFY_OUTPUT_SCORES=CLASSIFY_OUTPUT_SCORES, REGRESS_METHOD_NAME=REGRESS_METHOD_NAME,
    REGRESS_INPUTS=REGRESS_INPUTS, REGRESS_OUTPUTS=REGRESS_OUTPUTS)
signature_def_utils = _NS(build_signature_def=build_signature_def,
                          predict_signature_def=predict_signature_def,
                          classification_signature_def=classification_signature_def,
                          regression_signature_def=regression_signature_def,
                          is_valid_signature=is_valid_signature)
utils = _NS(build_tensor_info=build_tensor_info,
            get_tensor_from_tensor_info=get_tensor_from_tensor_info)
constants = _NS(SAVED_MODEL_FILENAME_PB=SAVED_MODEL_FILENAME_PB,
                SAVED_MODEL_FILENAME_PBTXT=SAVED_MODEL_FILENAME_PBTXT,
                VARIABLES_DIRECTORY=VARIABLES_DIRECTORY, VARIABLES_FILENAME=VARIABLES_FILENAME,
                ASSETS_DIRECTORY=ASSETS_DIRECTORY)
maybe_saved_model_directory = contains_saved_model

__all__ = [n for n in dir() if not n.startswith("_")]
