"""The op-table harness fails rows that are wrong in each way it claims to check."""

import numpy as np
import pytest

import tensorfluxo as tf
from tensorfluxo.framework.ops import apply_op
from tensorfluxo.framework.registry import defop
from tensorfluxo.testing.op_test import (
    check_row,
    covered,
    declared_op_types,
    missing_rows,
    row,
    row_ids,
    u,
)

_same = lambda op: (op.inputs[0].dtype, op.inputs[0].shape)  # noqa: E731
defop("TestCube", infer=_same, kernel=lambda x: x ** 3,
      grad=lambda op, dy: [apply_op("TestCubeGrad", [op.inputs[0], dy])])
# d/dx (3 x^2 dy) is 6 x dy; this declares 5 x dy on purpose.
defop("TestCubeGrad", infer=_same, kernel=lambda x, dy: 3 * x * x * dy,
      grad=lambda op, dd: [5.0 * op.inputs[0] * op.inputs[1] * dd, 3.0 * op.inputs[0] ** 2 * dd])
defop("TestWrongGrad", infer=_same, kernel=lambda x: 2 * x, grad=lambda op, dy: [3.0 * dy])
# Right only when the input's shape is known statically.
defop("TestStaticOnlyGrad", infer=_same, kernel=lambda x: 2 * x,
      grad=lambda op, dy: [dy * 2.0 if op.inputs[0].shape.is_fully_defined() else dy])
defop("TestAlwaysFloat64", infer=lambda op: (tf.float64, op.inputs[0].shape),
      kernel=lambda x: x.astype(np.float64), grad=lambda op, dy: [tf.cast(dy, op.inputs[0].dtype)])


def op(type_name):
    return lambda x: apply_op(type_name, [x])


def test_a_right_row_passes():
    check_row(row("TestCube TestCubeGrad", op("TestCube"), u(3), ref=lambda x: x ** 3))


def test_wrong_forward_value():
    with pytest.raises(AssertionError, match=r"output 0 vs reference: differs at \[0\]"):
        check_row(row("TestCube", op("TestCube"), u(3), ref=lambda x: x ** 2))


def test_wrong_first_and_second_order_gradients():
    with pytest.raises(AssertionError, match="gradient check failed"):
        check_row(row("TestWrongGrad", op("TestWrongGrad"), u(3), ref=lambda x: 2 * x))
    with pytest.raises(AssertionError, match="gradient check failed"):
        check_row(row("TestCube", op("TestCube"), u(3), ref=lambda x: x ** 3, order=2))


def test_gradient_wrong_only_with_unknown_shapes():
    r = row("TestStaticOnlyGrad", op("TestStaticOnlyGrad"), u(2, 3), ref=lambda x: 2 * x)
    with pytest.raises(AssertionError, match="gradient with unknown shapes vs static"):
        check_row(r)
    check_row(row("TestStaticOnlyGrad", op("TestStaticOnlyGrad"), u(2, 3), ref=lambda x: 2 * x,
                  unknown=False))


def test_float32_output_promoted_to_float64():
    with pytest.raises(AssertionError, match="float32 static shapes: output 0 is float64, "
                                             "expected float32"):
        check_row(row("TestAlwaysFloat64", op("TestAlwaysFloat64"), u(3), ref=lambda x: x))


def test_op_type_not_built_and_order_zero_with_a_gradient():
    with pytest.raises(AssertionError, match=r"built no \['Relu'\] op"):
        check_row(row("Relu", tf.tanh, u(3), ref=np.tanh))
    with pytest.raises(AssertionError, match="says order=0 .* but tf.gradients gives a gradient"):
        check_row(row("Tanh", tf.tanh, u(3), ref=np.tanh, order=0))


def test_missing_rows_and_stale_references():
    problems = missing_rows([row("Relu", tf.nn.relu, u(3), ref=lambda x: np.maximum(x, 0)),
                             covered("Tanh", by="tests/nowhere.py::test_x", why="-")])
    assert "op type 'Relu'" not in "\n".join(problems)
    assert any(p.startswith("op type 'Sigmoid' (declared in tensorfluxo.ops.math_ops) has no "
                            "row") for p in problems)
    assert "covered('Tanh') points to tests/nowhere.py::test_x, which does not exist" in problems


def test_ops_declared_outside_tensorfluxo_need_no_row():
    types = declared_op_types()
    assert "TestCube" not in types and types["MatMul"] == "tensorfluxo.ops.math_ops"


def test_row_ids_are_unique():
    rows = [row("Relu", tf.nn.relu, u(3), ref=None)] * 2 + \
        [row("Relu", tf.nn.relu, u(3), ref=None, id="x")]
    assert row_ids(rows) == ["Relu", "Relu-2", "Relu-x"]
