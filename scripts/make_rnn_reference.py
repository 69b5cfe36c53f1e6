"""Make the TensorFlow reference for the TF1 RNN cells and drivers: tests/data/rnn/.

Needs TensorFlow 2.x with its legacy Keras (the TF1 cells live there): run by hand, e.g.

    pip install --no-deps --target /tmp/tfk_site tf_keras==<TF's version>
    PYTHONPATH=/tmp/tfk_site TF_USE_LEGACY_KERAS=1 /tmp/tfvenv/bin/python \
        scripts/make_rnn_reference.py

It builds each case of ``cases`` (the same function builds the graph in tensorfluxo's test),
sets the variables to seeded random values, saves them with a tf.compat.v1 Saver
(rnn.ckpt.*) and writes the inputs, outputs, final states and gradients to expected.npz.
"""

import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(os.path.dirname(HERE), "tests", "data", "rnn")


def cases(tf1, nn, X, sl):
    """name -> (outputs, final_state) built with ``tf1`` (tf.compat.v1 or tensorfluxo)."""
    rc = nn.rnn_cell
    out = {}
    with tf1.variable_scope("basic_rnn"):
        out["basic_rnn"] = nn.dynamic_rnn(rc.BasicRNNCell(4), X, sequence_length=sl,
                                          dtype=tf1.float32)
    with tf1.variable_scope("basic_lstm"):
        out["basic_lstm"] = nn.dynamic_rnn(rc.BasicLSTMCell(4), X, dtype=tf1.float32)
    with tf1.variable_scope("lstm_peep_proj"):
        out["lstm_peep_proj"] = nn.dynamic_rnn(
            rc.LSTMCell(4, use_peepholes=True, num_proj=3, cell_clip=0.5), X,
            sequence_length=sl, dtype=tf1.float32)
    with tf1.variable_scope("gru"):
        out["gru"] = nn.dynamic_rnn(rc.GRUCell(4), X, dtype=tf1.float32)
    with tf1.variable_scope("multi"):
        cell = rc.MultiRNNCell([rc.BasicLSTMCell(4), rc.GRUCell(3)])
        out["multi"] = nn.dynamic_rnn(cell, X, sequence_length=sl, dtype=tf1.float32)
    with tf1.variable_scope("bidi"):
        (fw, bw), (sf, sb) = nn.bidirectional_dynamic_rnn(
            rc.LSTMCell(3), rc.GRUCell(3), X, sequence_length=sl, dtype=tf1.float32)
        out["bidi"] = (tf1.concat([fw, bw], 2), (sf, sb))
    with tf1.variable_scope("static"):
        outs, st = nn.static_rnn(rc.BasicLSTMCell(3), tf1.unstack(X, axis=1), dtype=tf1.float32,
                                 sequence_length=sl)
        out["static"] = (tf1.stack(outs, 1), st)
    return out


def flat_state(state):
    if isinstance(state, (list, tuple)):
        return [t for s in state for t in flat_state(s)]
    return [state]


def inputs():
    rng = np.random.RandomState(0)
    return rng.uniform(-1, 1, (2, 5, 3)).astype(np.float32), np.array([5, 3], np.int32)


def main() -> None:
    import tensorflow as tf
    tf1 = tf.compat.v1
    tf1.disable_eager_execution()
    tf1.disable_control_flow_v2()  # the TF1 loops: gradients of all cases in one session
    x, lengths = inputs()
    X = tf1.placeholder(tf.float32, [None, 5, 3], name="X")
    sl = tf1.placeholder(tf.int32, [None], name="sl")
    built = cases(tf1, tf1.nn, X, sl)
    variables = tf1.global_variables()
    rng = np.random.RandomState(1)
    expected = {"X": x, "sl": lengths}
    with tf1.Session() as sess:
        for v in variables:
            v.load(rng.uniform(-0.5, 0.5, v.shape.as_list()).astype(np.float32), sess)
        feed = {X: x, sl: lengths}
        for name, (o, st) in built.items():
            ys = [o] + flat_state(st)
            target = tf1.add_n([tf1.reduce_sum(y * (i + 1.0)) for i, y in enumerate(ys)])
            mine = [v for v in variables if v.name.startswith(name + "/")]
            grads = tf1.gradients(target, mine + [X])
            values = sess.run(ys + grads, feed)
            expected[f"{name}/output"] = values[0]
            for i, s in enumerate(values[1:len(ys)]):
                expected[f"{name}/state_{i}"] = s
            for v, g in zip(mine + [X], values[len(ys):]):
                expected[f"{name}/grad/{v.name}"] = g
        expected["variables"] = np.array([v.name for v in variables])
        tf1.train.Saver().save(sess, os.path.join(OUT, "rnn.ckpt"), write_meta_graph=False,
                               write_state=False)
    np.savez(os.path.join(OUT, "expected.npz"), **expected)
    print(f"wrote {len(built)} cases, {len(variables)} variables to {OUT}")


if __name__ == "__main__":
    main()
