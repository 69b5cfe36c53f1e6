import numpy as np
import pytest

from tensorfluxo.keras import backend as K


@pytest.fixture(autouse=True)
def _fresh_keras():
    """Each test starts with a new graph, session and layer-name counters."""
    K.clear_session()
    yield
    K.clear_session()


@pytest.fixture
def circles():
    rng = np.random.default_rng(0)
    n = 200
    r = np.where(np.arange(n) % 2 == 0, 0.8, 0.4)
    t = rng.uniform(0, 2 * np.pi, n)
    X = np.stack([r * np.cos(t), r * np.sin(t)], 1) + rng.normal(0, 0.03, (n, 2))
    return X, (np.arange(n) % 2 == 0).astype(np.int64)
