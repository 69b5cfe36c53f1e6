"""Test helpers: finite-difference gradient checks (gradient_check) and the op table's harness
(op_test)."""

from .gradient_check import check_gradients, compute_gradient_error, numeric_jacobian

__all__ = ["check_gradients", "compute_gradient_error", "numeric_jacobian"]
