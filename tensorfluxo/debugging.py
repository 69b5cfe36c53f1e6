"""tf.debugging: assertions, check_numerics and the print ops."""

from .ops.check_ops import (
    Print,
    add_check_numerics_ops,
    assert_all_finite,
    assert_equal,
    assert_greater,
    assert_greater_equal,
    assert_integer,
    assert_less,
    assert_less_equal,
    assert_negative,
    assert_non_negative,
    assert_non_positive,
    assert_none_equal,
    assert_positive,
    assert_rank,
    assert_rank_at_least,
    assert_scalar,
    assert_type,
    check_numerics,
    is_numeric_tensor,
)
from .ops.control_flow_ops import Assert

__all__ = ["Assert", "Print", "add_check_numerics_ops", "assert_all_finite", "assert_equal",
           "assert_greater", "assert_greater_equal", "assert_integer", "assert_less",
           "assert_less_equal", "assert_negative", "assert_non_negative", "assert_non_positive",
           "assert_none_equal", "assert_positive", "assert_rank", "assert_rank_at_least",
           "assert_scalar", "assert_type", "check_numerics", "is_numeric_tensor"]
