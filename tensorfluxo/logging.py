"""tf.logging: TF1's logging helpers on Python's logging module ("tensorfluxo" logger)."""

from __future__ import annotations

import logging as _logging

DEBUG = _logging.DEBUG
INFO = _logging.INFO
WARN = WARNING = _logging.WARNING
ERROR = _logging.ERROR
FATAL = _logging.FATAL

_logger = _logging.getLogger("tensorfluxo")
debug, info, warning, error, fatal = (_logger.debug, _logger.info, _logger.warning,
                                      _logger.error, _logger.critical)
warn = warning


def set_verbosity(level) -> None:
    _logger.setLevel(level)


def get_verbosity() -> int:
    return _logger.getEffectiveLevel()


__all__ = ["DEBUG", "ERROR", "FATAL", "INFO", "WARN", "WARNING", "debug", "error", "fatal",
           "get_verbosity", "info", "set_verbosity", "warn", "warning"]
