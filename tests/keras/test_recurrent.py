"""Keras recurrent layers: values against tf.keras 2 (tests/data/keras_rnn, made by
scripts/make_keras_rnn_reference.py), the fused path against the loop, masks, dropout,
stateful layers, wrappers, saving and errors."""

import json
import os
import runpy

import numpy as np
import pytest

import tensorfluxo as tf
from tensorfluxo.keras import layers
from tensorfluxo.keras.layers import recurrent

DATA = os.path.join(os.path.dirname(__file__), "..", "data", "keras_rnn")
_CASES = runpy.run_path(os.path.join(DATA, "cases.py"))  # the reference script's cases
CASES, IDS, inputs = _CASES["CASES"], _CASES["IDS"], _CASES["inputs"]


def _case_model(name):
    make, ids = CASES[name]
    x = IDS if ids else inputs()
    inp = layers.Input(x.shape[1:], dtype="int32" if ids else "float32")
    return tf.keras.Model(inp, make(layers)(inp)), x


@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("name", sorted(CASES))
def test_outputs_match_tf_keras(name, fused, monkeypatch):
    monkeypatch.setattr(recurrent, "FUSED", fused)
    ref = np.load(os.path.join(DATA, name + ".npz"))
    model, x = _case_model(name)
    tf_names = json.loads(str(ref["names"]))
    ours = [w.name for w in model.weights]
    # same weights in the same order, named as tf.keras 2 names them (up to the numbering)
    strip = lambda n: "/".join(p.rstrip("_0123456789") for p in n.split("/"))  # noqa: E731
    assert [strip(n) for n in ours] == [strip(n) for n in tf_names]
    model.set_weights([ref[f"w{i}"] for i in range(len(ours))])
    ys = model.predict(x)
    ys = ys if isinstance(ys, list) else [ys]
    for i, y in enumerate(ys):
        np.testing.assert_allclose(y, ref[f"y{i}"], atol=1e-5, rtol=1e-5)


def _sess(init=False):
    sess = tf.keras.backend.get_session()
    if init:
        sess.run(tf.global_variables_initializer())
    return sess


@pytest.mark.parametrize("make", [
    lambda: layers.LSTM(4, return_sequences=True),
    lambda: layers.LSTM(3, go_backwards=True),
    lambda: layers.SimpleRNN(4, return_sequences=True, use_bias=False),
    lambda: layers.GRU(3, reset_after=False, return_sequences=True),
    lambda: layers.GRU(2, reset_after=False, go_backwards=True, use_bias=False),
])
def test_fused_path_equals_the_loop_values_and_gradients(make, monkeypatch):
    x = inputs()
    results = []
    for fused in (True, False):
        monkeypatch.setattr(recurrent, "FUSED", fused)
        tf.reset_default_graph()
        tf.keras.backend.clear_session()
        inp = tf.constant(x)
        layer = make()
        y = layer(inp)
        ops = {op.type for op in tf.get_default_graph().get_operations()}
        assert ("FusedRNN" in ops) == fused and ("While" in ops) == (not fused)
        if not results:
            weights = layer.get_weights()
        layer.set_weights(weights)
        loss = tf.reduce_sum(y * np.linspace(-1, 1, y.shape[-1]).astype("float32"))
        grads = tf.gradients(loss, [inp] + layer.trainable_weights)
        results.append(_sess().run([y] + grads))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("make", [lambda: layers.LSTM(2, return_sequences=True, dtype="float64"),
                                  lambda: layers.GRU(2, dtype="float64", go_backwards=True)])
def test_input_gradients_match_finite_differences(make, fused, monkeypatch):
    monkeypatch.setattr(recurrent, "FUSED", fused)
    x = inputs().astype(np.float64)[:2, :3]
    inp = tf.placeholder(tf.float64, x.shape)
    y = make()(inp)
    u = np.random.default_rng(2).normal(size=y.shape.as_list())
    loss = tf.reduce_sum(y * u)
    sess = _sess(init=True)
    g = sess.run(tf.gradients(loss, inp)[0], {inp: x})
    eps, num = 1e-6, np.empty_like(x)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        num[i] = (sess.run(loss, {inp: x + d}) - sess.run(loss, {inp: x - d})) / (2 * eps)
    np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-8)


def test_dropout_masks_are_fixed_across_time_and_only_while_training():
    layer = layers.SimpleRNN(6, activation="linear", use_bias=False, dropout=0.5,
                             return_sequences=True, kernel_initializer="identity",
                             recurrent_initializer="zeros")
    x = np.ones((4, 5, 6), np.float32)
    y_train = layer(tf.constant(x), training=True)
    y_test = layer(tf.constant(x), training=False)
    a, b = _sess(init=True).run([y_train, y_test])
    np.testing.assert_array_equal(b, x)
    assert set(np.unique(a)) <= {0.0, 2.0} and 0 < (a == 0).mean() < 1
    np.testing.assert_array_equal(a, np.repeat(a[:, :1], 5, axis=1))  # the same every step


def test_stateful_lstm_carries_state_between_batches_and_resets():
    tf.random.set_seed(0)
    model = tf.keras.Sequential([layers.LSTM(3, stateful=True, return_sequences=True,
                                             batch_input_shape=(2, 4, 1))])
    x = np.random.default_rng(0).normal(size=(2, 8, 1)).astype(np.float32)
    first = model.predict(x[:, :4], batch_size=2)
    second = model.predict(x[:, 4:], batch_size=2)
    model.reset_states()
    np.testing.assert_allclose(model.predict(x[:, :4], batch_size=2), first, rtol=1e-6)
    # two halves with the state carried == one pass over the whole sequence
    whole = tf.keras.Sequential([layers.LSTM(3, return_sequences=True,
                                             batch_input_shape=(2, 8, 1))])
    whole.set_weights(model.get_weights())
    np.testing.assert_allclose(np.concatenate([first, second], 1), whole.predict(x),
                               rtol=1e-5, atol=1e-6)
    assert len(model.weights) == 3 and model.count_params() == 4 * 3 * (1 + 3 + 1)
    model.layers[0].reset_states([np.ones((2, 3)), np.zeros((2, 3))])
    with pytest.raises(ValueError, match="expects 2 states, but it received 1"):
        model.layers[0].reset_states([np.ones((2, 3))])
    with pytest.raises(AttributeError, match="Layer must be stateful"):
        layers.LSTM(2).reset_states()


def test_return_state_and_initial_state_in_a_functional_model():
    enc_in = layers.Input((5, 3))
    _, h, c = layers.LSTM(4, return_state=True)(enc_in)
    dec_in = layers.Input((2, 3))
    dec = layers.LSTM(4, return_sequences=True)(dec_in, initial_state=[h, c])
    model = tf.keras.Model([enc_in, dec_in], dec)
    assert len(model.trainable_weights) == 6  # the encoder's weights are the model's too
    x = inputs()
    out = model.predict([x, x[:, :2]])
    assert out.shape == (3, 2, 4)
    states = tf.keras.Model(enc_in, [h, c]).predict(x)
    assert [s.shape for s in states] == [(3, 4), (3, 4)]


def test_summary_and_h5_of_a_tf_keras_2_model():
    model = tf.keras.models.load_model(os.path.join(DATA, "lstm_model.h5"))
    ref = np.load(os.path.join(DATA, "lstm_model.npz"))
    np.testing.assert_allclose(model.predict(ref["x"]), ref["y"], atol=1e-6)
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "lstm_4 (LSTM)" in text and "(None, 3)" in text and " 96 " in text


def test_keras_3_file_of_masked_recurrent_layers_loads():
    """Keras 3 nests an RNN's weights under cell/ and Bidirectional's under forward_layer/ and
    backward_layer/; its config names the copies forward_lstm / backward_lstm itself."""
    model = tf.keras.models.load_model(os.path.join(DATA, "keras3_rnn.keras"))
    ref = np.load(os.path.join(DATA, "keras3_rnn.npz"))
    np.testing.assert_allclose(model.predict(ref["x"]), ref["y"], atol=1e-6)
    assert model.layers[1].weights[0].name == \
        "bidirectional/forward_lstm/lstm_cell/kernel:0"


def test_bad_input_errors():
    with pytest.raises(ValueError, match=r"Input 0 of layer 'lstm' is incompatible with the "
                                         r"layer: expected ndim=3, found ndim=2. Full shape "
                                         r"received: \(None, 4\)"):
        layers.LSTM(2)(layers.Input((4,)))
    with pytest.raises(ValueError, match="If a RNN is stateful, it needs to know its batch "
                                         "size.*layer 'gru'"):
        layers.GRU(2, stateful=True)(layers.Input((3, 2)))
    with pytest.raises(ValueError, match="`Bidirectional` wraps a recurrent layer .* layer "
                                         "'dense' of type Dense"):
        layers.Bidirectional(layers.Dense(2))
    with pytest.raises(ValueError, match="Invalid merge mode. Received: max"):
        layers.Bidirectional(layers.LSTM(2), merge_mode="max")
    x = layers.Input((3, 2))
    with pytest.raises(ValueError, match=r"The mask given to layer 'simple_rnn' has shape "
                                         r"\(None, 4\), but it must be \(batch, timesteps\) "
                                         r"for inputs of shape \(None, 3, 2\)"):
        layers.SimpleRNN(2)(x, mask=tf.placeholder(tf.bool, (None, 4)))
    with pytest.raises(ValueError, match="`TimeDistributed` Layer should be passed an "
                                         r"`input_shape` with at least 3 dimensions, received: "
                                         r"\(None, 4\)"):
        layers.TimeDistributed(layers.Dense(2))(layers.Input((4,)))
    with pytest.raises(ValueError, match="Please initialize `TimeDistributed` layer"):
        layers.TimeDistributed("dense")
    lstm = layers.LSTM(2)
    lstm(x)
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 2, "
                                         r"but received input with shape \(None, 3, 5\)"):
        lstm(layers.Input((3, 5)))


def test_unroll_and_cell_attributes():
    layer = layers.LSTM(3, unroll=True, recurrent_activation="hard_sigmoid")
    assert layer.units == 3 and layer.unroll and layer.get_config()["unroll"] is True
    y = layer(tf.constant(inputs()))
    assert y.shape.as_list() == [3, 3]
    assert "While" in {op.type for op in tf.get_default_graph().get_operations()}  # not fused


def test_eager_recurrent_layers_match_graph_mode(eager):
    x = inputs()
    layer = layers.Bidirectional(layers.LSTM(3, return_sequences=True))
    y = layer(tf.constant(x))
    model = tf.keras.Sequential([layers.Embedding(9, 2, mask_zero=True),
                                 layers.GRU(3), layers.Dense(1)])
    model.compile("adam", "mse")
    hist = model.fit(IDS, np.ones((3, 1), np.float32), epochs=3, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    eager_out = model(tf.constant(IDS)).numpy()
    np.testing.assert_allclose(eager_out, model.predict(IDS), rtol=1e-5)
    w = layer.get_weights()
    tf.disable_eager_execution()
    try:
        tf.reset_default_graph()
        g = layers.Bidirectional(layers.LSTM(3, return_sequences=True))
        out = g(tf.constant(x))
        g.set_weights(w)
        np.testing.assert_allclose(_sess().run(out), y.numpy(), rtol=1e-5, atol=1e-6)
    finally:
        tf.enable_eager_execution()


def test_bidirectional_backward_layer_merge_modes_and_states():
    x = inputs()
    inp = layers.Input((5, 3))
    fw, bw = layers.GRU(2, return_sequences=True), layers.LSTM(2, return_sequences=True,
                                                              go_backwards=True)
    bi = layers.Bidirectional(fw, merge_mode="mul", backward_layer=bw)
    model = tf.keras.Model(inp, bi(inp))
    assert [w.name for w in bi.weights][::3] == [
        "bidirectional/forward_gru/gru_cell/kernel:0",
        "bidirectional/backward_lstm/lstm_cell/kernel:0"]
    y_f = tf.keras.Model(inp, bi.forward_layer(inp)).predict(x)
    y_b = tf.keras.Model(inp, bi.backward_layer(inp)).predict(x)[:, ::-1]
    np.testing.assert_allclose(model.predict(x), y_f * y_b, rtol=1e-5)
    clone = layers.Bidirectional.from_config(bi.get_config())
    assert type(clone.backward_layer) is layers.LSTM and clone.merge_mode == "mul"
    states = layers.Bidirectional(layers.LSTM(2, return_state=True))(inp)
    assert [s.shape.as_list() for s in states] == [[None, 4]] + [[None, 2]] * 4
    with pytest.raises(ValueError, match="should have different `go_backwards` value"):
        layers.Bidirectional(layers.GRU(2), backward_layer=layers.GRU(2))


def test_eager_stateful_lstm(eager):
    model = tf.keras.Sequential([layers.LSTM(3, stateful=True, return_sequences=True,
                                             batch_input_shape=(2, 4, 1))])
    x = np.random.default_rng(0).normal(size=(2, 4, 1)).astype(np.float32)
    first = model(x).numpy()
    assert not np.allclose(model(x).numpy(), first)  # the state carried over
    model.reset_states()
    np.testing.assert_allclose(model(x).numpy(), first, rtol=1e-6)


def test_stacked_cells_apply_each_cells_dropout():
    cells = [layers.SimpleRNNCell(4, activation="linear", use_bias=False, dropout=0.5,
                                  kernel_initializer="ones", recurrent_initializer="zeros"),
             layers.SimpleRNNCell(2, activation="linear", use_bias=False,
                                  kernel_initializer="ones", recurrent_initializer="zeros")]
    layer = layers.RNN(cells, return_sequences=True)
    x = np.ones((64, 3, 1), np.float32)
    y_train = layer(tf.constant(x), training=True)
    y_test = layer(tf.constant(x), training=False)
    a, b = _sess(init=True).run([y_train, y_test])
    np.testing.assert_array_equal(b, np.full((64, 3, 2), 4.0))  # no dropout in inference
    assert not np.allclose(a, b) and np.allclose(a, a[:, :1])  # one mask for all steps


def test_global_average_pooling_1d_averages_the_unmasked_steps():
    ids = np.array([[1, 2, 0], [3, 0, 0]], dtype="int32")
    inp = layers.Input((3,), dtype="int32")
    emb = layers.Embedding(4, 2, mask_zero=True)
    out = layers.GlobalAveragePooling1D()(emb(inp))
    model = tf.keras.Model(inp, out)
    table = emb.get_weights()[0]
    expected = np.stack([table[[1, 2]].mean(0), table[3]])
    np.testing.assert_allclose(model.predict(ids), expected, rtol=1e-6)


@pytest.mark.parametrize("make", [lambda: layers.LSTM(3), lambda: layers.GRU(3),
                                  lambda: layers.Bidirectional(layers.SimpleRNN(2, dropout=0.2))])
def test_eager_custom_training_loop(make, eager):
    x = inputs()
    model = tf.keras.Sequential([make(), layers.Dense(1)])
    opt = tf.keras.optimizers.Adam(0.05)
    losses = []
    for _ in range(20):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((model(x, training=True) - 1.0) ** 2)
        grads = tape.gradient(loss, model.trainable_variables)
        assert all(g is not None for g in grads)
        opt.apply_gradients(zip(grads, model.trainable_variables))
        losses.append(float(loss))
    assert losses[-1] < 0.2 * losses[0]


def test_keras_files_nest_recurrent_weights_as_keras_3(tmp_path):
    """Our .keras files nest an RNN's weights as Keras 3 does (TF 2.21's Keras loads them:
    checked by hand, see /work/notes/krnn.md), and load back here."""
    import zipfile

    import h5py
    inp = layers.Input((5,), dtype="int32")
    h = layers.Bidirectional(layers.LSTM(3, return_sequences=True))(
        layers.Embedding(10, 4, mask_zero=True)(inp))
    model = tf.keras.Model(inp, layers.GRU(2)(layers.TimeDistributed(layers.Dense(2))(h)))
    path = str(tmp_path / "m.keras")
    model.save(path)
    with zipfile.ZipFile(path) as z:
        z.extract("model.weights.h5", tmp_path)
    with h5py.File(tmp_path / "model.weights.h5") as f:
        names = []
        f.visit(names.append)
    for group in ("bidirectional/forward_layer/cell/vars/2",
                  "bidirectional/backward_layer/cell/vars/0", "gru/cell/vars/2",
                  "time_distributed/layer/vars/1"):
        assert "layers/" + group in names
    np.testing.assert_array_equal(tf.keras.models.load_model(path).predict(IDS),
                                  model.predict(IDS))
