"""Reference outputs of tf.keras 2's recurrent layers, for tests/keras/test_recurrent.py.

Run by hand with TensorFlow's legacy Keras (tf_keras; nothing is installed into /tmp/tfvenv):
    pip install --no-deps --target /tmp/tfk_site tf_keras==2.21.0
    PYTHONPATH=/tmp/tfk_site TF_USE_LEGACY_KERAS=1 /tmp/tfvenv/bin/python \
        scripts/make_keras_rnn_reference.py
Writes tests/data/keras_rnn/<case>.npz (input, weights in the layer's order, output) and
lstm_model.h5 (a small Embedding + LSTM + Dense model saved by tf.keras 2) with its
predictions in lstm_model.npz, and keras3_rnn.keras (Embedding + Bidirectional(LSTM) + GRU
saved by Keras 3) with keras3_rnn.npz. The cases are tests/data/keras_rnn/cases.py (the test
runs the same code).
"""

import json
import os
import runpy

import numpy as np
import tensorflow as tf

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "keras_rnn")
_CASES = runpy.run_path(os.path.join(OUT, "cases.py"))  # shared with the test
CASES, IDS, inputs = _CASES["CASES"], _CASES["IDS"], _CASES["inputs"]


def main() -> None:
    assert "tf_keras" in tf.keras.layers.Dense.__module__, "run with TF_USE_LEGACY_KERAS=1"
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(0)
    for name, (make, ids) in CASES.items():
        x = IDS if ids else inputs()
        inp = tf.keras.Input(x.shape[1:], dtype="int32" if ids else "float32")
        outs = make(tf.keras.layers)(inp)
        model = tf.keras.Model(inp, outs)
        weights = [rng.uniform(-0.5, 0.5, w.shape).astype("float32")
                   for w in model.get_weights()]
        model.set_weights(weights)
        ys = model.predict(x, verbose=0)
        ys = ys if isinstance(ys, list) else [ys]
        np.savez(os.path.join(OUT, name + ".npz"), x=x, **{f"w{i}": w for i, w in
                                                           enumerate(weights)},
                 **{f"y{i}": y for i, y in enumerate(ys)},
                 names=np.array(json.dumps([w.name for w in model.weights])))
        print(name, [y.shape for y in ys])
    tf.keras.utils.set_random_seed(1)
    model = tf.keras.Sequential([tf.keras.layers.Embedding(10, 4, mask_zero=True,
                                                           input_length=5),
                                 tf.keras.layers.LSTM(3), tf.keras.layers.Dense(1)])
    model.compile("adam", "mse")
    model.save(os.path.join(OUT, "lstm_model.h5"))
    np.savez(os.path.join(OUT, "lstm_model.npz"), x=IDS, y=model.predict(IDS, verbose=0))
    import keras  # Keras 3 (TF 2.21's own): a .keras file of masked recurrent layers
    keras.utils.set_random_seed(1)
    k3 = keras.Sequential([keras.Input((5,), dtype="int32"),
                           keras.layers.Embedding(10, 4, mask_zero=True),
                           keras.layers.Bidirectional(keras.layers.LSTM(3, return_sequences=True)),
                           keras.layers.GRU(2), keras.layers.Dense(1)])
    k3.save(os.path.join(OUT, "keras3_rnn.keras"))
    np.savez(os.path.join(OUT, "keras3_rnn.npz"), x=IDS, y=k3.predict(IDS, verbose=0))


if __name__ == "__main__":
    main()
