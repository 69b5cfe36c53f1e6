"""Embedding, Masking and Keras masks: propagation through models, loss and metric weighting."""

import numpy as np
import pytest

import tensorfluxo as tf
from tensorfluxo.keras import layers
from tensorfluxo.keras.engine import get_mask

IDS = np.array([[4, 2, 0, 0], [1, 3, 2, 0]], dtype="int32")


def _run(t, feed=None):
    return tf.keras.backend.get_session().run(t, feed)


def test_embedding_rows_and_zero_mask():
    x = layers.Input((4,), dtype="int32")
    emb = layers.Embedding(5, 3, mask_zero=True)
    y = emb(x)
    assert y.shape.as_list() == [None, 4, 3]
    assert emb.weights[0].name == "embedding/embeddings:0"
    table = emb.get_weights()[0]
    assert np.abs(table).max() <= 0.05  # 'uniform': RandomUniform(-0.05, 0.05)
    values, mask = _run([y, get_mask(y)], {x: IDS})
    np.testing.assert_array_equal(values, table[IDS])
    np.testing.assert_array_equal(mask, IDS != 0)
    assert get_mask(layers.Embedding(5, 3)(x)) is None


def test_embedding_input_length_gives_the_input_shape_and_config():
    model = tf.keras.Sequential([layers.Embedding(1000, 64, input_length=10)])
    assert model.output_shape == (None, 10, 64)
    cfg = model.layers[0].get_config()
    assert cfg["input_length"] == 10 and cfg["batch_input_shape"] == [None, 10]
    assert cfg["embeddings_initializer"]["class_name"] == "RandomUniform"
    out = model.predict(np.zeros((2, 10)))  # float ids (Keras casts them)
    assert out.shape == (2, 10, 64)


def test_embedding_errors():
    with pytest.raises(ValueError, match="Both `input_dim` and `output_dim` should be "
                                         "positive, received input_dim = 0"):
        layers.Embedding(0, 3)
    with pytest.raises(ValueError, match=r'"input_length" is 5, but received input has shape '
                                         r"\(None, 4\)"):
        layers.Embedding(5, 3, input_length=5).compute_output_shape((None, 4))


def test_masking_zeroes_and_masks_the_padded_steps():
    x = layers.Input((3, 2))
    y = layers.Masking(mask_value=-1.0)(x)
    z = layers.Dense(2)(y)  # supports masking: the mask passes through
    flat = layers.Flatten()(y)  # does not: the mask is dropped (tf.keras 2)
    data = np.array([[[1, 2], [-1, -1], [-1, 3]]], dtype=np.float32)
    v, m, mz = _run([y, get_mask(y), get_mask(z)], {x: data})
    np.testing.assert_array_equal(v, [[[1, 2], [0, 0], [-1, 3]]])
    np.testing.assert_array_equal(m, [[True, False, True]])
    np.testing.assert_array_equal(mz, m)
    assert get_mask(flat) is None


def test_masked_outputs_weight_the_loss_and_metrics():
    """A per-step output with a mask: the loss is the mean over the unmasked steps, and the
    metrics count only those (tf.keras 2's apply_valid_mask)."""
    tf.random.set_seed(0)
    model = tf.keras.Sequential([layers.Embedding(5, 2, mask_zero=True, input_length=4),
                                 layers.Dense(1)])
    model.compile("sgd", "mse", metrics=["mae"])
    y = np.arange(8, dtype=np.float32).reshape(2, 4, 1)
    pred = model.predict(IDS)
    keep = IDS != 0
    err = (pred - y)[..., 0]
    loss, mae = model.evaluate(IDS, y, verbose=0)
    np.testing.assert_allclose(loss, (err[keep] ** 2).mean(), rtol=1e-5)
    np.testing.assert_allclose(mae, np.abs(err[keep]).mean(), rtol=1e-5)
    sw = np.array([1.0, 3.0], dtype=np.float32)
    wloss = model.evaluate(IDS, y, sample_weight=sw, verbose=0)[0]
    w = keep * sw[:, None]
    np.testing.assert_allclose(wloss, (w * err ** 2).sum() / keep.sum(), rtol=1e-5)


def test_masks_follow_a_model_called_as_a_layer():
    inner_in = layers.Input((4,), dtype="int32")
    inner = tf.keras.Model(inner_in, layers.Dense(2)(layers.Embedding(5, 3, mask_zero=True)(
        inner_in)))
    x = layers.Input((4,), dtype="int32")
    y = inner(x)
    np.testing.assert_array_equal(_run(get_mask(y), {x: IDS}), IDS != 0)


def test_eager_embedding_and_mask(eager):
    emb = layers.Embedding(5, 3, mask_zero=True)
    y = emb(tf.constant(IDS))
    np.testing.assert_array_equal(y.numpy(), emb.embeddings.numpy()[IDS])
    np.testing.assert_array_equal(get_mask(y).numpy(), IDS != 0)
    z = layers.Dense(2)(y)
    np.testing.assert_array_equal(get_mask(z).numpy(), IDS != 0)


def test_merge_layers_combine_masks():
    x = layers.Input((4,), dtype="int32")
    a = layers.Embedding(5, 2, mask_zero=True)(x)
    b = layers.Embedding(5, 2)(x)  # no mask: all steps kept
    other = layers.Input((4,), dtype="int32")
    c = layers.Embedding(5, 2, mask_zero=True)(other)
    ids2 = np.array([[1, 0, 1, 1], [1, 1, 1, 0]], dtype="int32")
    cat, add, both, time = (layers.Concatenate()([a, b]), layers.Add()([a, b]),
                            layers.Average()([a, c]), layers.Concatenate(axis=1)([a, c]))
    _run(tf.global_variables_initializer())
    m_cat, m_add, m_both, m_time = _run([get_mask(t) for t in (cat, add, both, time)],
                                        {x: IDS, other: ids2})
    np.testing.assert_array_equal(m_cat, IDS != 0)
    np.testing.assert_array_equal(m_add, IDS != 0)
    np.testing.assert_array_equal(m_both, (IDS != 0) & (ids2 != 0))
    np.testing.assert_array_equal(m_time, np.concatenate([IDS != 0, ids2 != 0], 1))
    assert get_mask(layers.Add()([b, b])) is None
