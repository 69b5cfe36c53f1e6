"""Every test runs on a fresh default graph with kernel output checking on."""

import pytest

import tensorfluxo as tf
from tensorfluxo.client import session as _session

_session.CHECK_KERNELS = True


@pytest.fixture(autouse=True)
def _fresh_graph():
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()
