"""tf.flags / tf.app.flags: absl-py's flags (TensorFlow's own flags library).

``flags.DEFINE_integer("batch_size", 100, "...")`` and ``FLAGS.batch_size`` work as in TF1:
reading ``FLAGS`` before ``tf.app.run`` parses ``sys.argv`` first (flags it does not know are
left for the program), so scripts that never call ``tf.app.run`` still get their values.
"""

from __future__ import annotations

import sys

from absl import flags as _absl_flags


class _AutoParsedFlags:
    """absl's FLAGS, parsed from sys.argv (tolerating unknown flags) on first read."""

    def __getattr__(self, name):
        fv = _absl_flags.FLAGS
        if not fv.is_parsed():
            fv(sys.argv, known_only=True)
        return getattr(fv, name)

    def __setattr__(self, name, value):
        setattr(_absl_flags.FLAGS, name, value)

    def __call__(self, argv, known_only: bool = False):
        return _absl_flags.FLAGS(argv, known_only=known_only)

    def __contains__(self, name) -> bool:
        return name in _absl_flags.FLAGS


FLAGS = _AutoParsedFlags()


def __getattr__(name: str):
    return getattr(_absl_flags, name)  # DEFINE_string, DEFINE_integer, mark_flag_as_required...
