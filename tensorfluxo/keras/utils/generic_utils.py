"""keras.utils.generic_utils (Keras 2.2's module): Progbar, custom-object scopes."""

from . import CustomObjectScope, Progbar, custom_object_scope, get_custom_objects

__all__ = ["CustomObjectScope", "Progbar", "custom_object_scope", "get_custom_objects"]
