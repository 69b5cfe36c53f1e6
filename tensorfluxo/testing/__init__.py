"""Test helpers: finite-difference gradient checks and op declarations tests."""

from .gradient_check import check_gradients, compute_gradient_error, numeric_jacobian

__all__ = ["check_gradients", "compute_gradient_error", "numeric_jacobian"]
