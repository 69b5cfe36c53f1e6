"""tf.app: ``tf.app.run()`` and ``tf.app.flags`` (absl-py, as TensorFlow 1.x)."""

from __future__ import annotations

import sys

from . import flags

__all__ = ["flags", "run"]


def run(main=None, argv=None):
    """Parses the flags defined with tf.app.flags out of ``argv`` (default ``sys.argv``), calls
    ``main(remaining_argv)`` (default: the ``main`` of the ``__main__`` module) and exits with
    its return value, as TF1's tf.app.run. Flags it does not know stay in the argv main gets."""
    main = main or sys.modules["__main__"].main
    args = flags.FLAGS(sys.argv if argv is None else list(argv), known_only=True)
    sys.exit(main(args))
