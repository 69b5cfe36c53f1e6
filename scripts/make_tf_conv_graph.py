"""Write tests/data/interop/tf_conv_forward.{pb,npz}: a forward graph of TensorFlow's
convolution, pooling, LRN, resize and space_to_depth ops, and TF's values on a fixed input.

Run with the throwaway TensorFlow venv (never a dependency of tensorfluxo):
``/tmp/tfvenv/bin/python scripts/make_tf_conv_graph.py``. tests/framework/
test_conv_graph_def.py imports the GraphDef into tensorfluxo and compares the values.
"""

import os

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow.compat.v1 as tf  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "data",
                   "interop", "tf_conv_forward")


def build():
    X = tf.placeholder(tf.float32, [None, 8, 8, 2], name="X")
    rng = np.random.RandomState(0)
    w = tf.constant(rng.rand(3, 3, 2, 4).astype(np.float32))
    h = tf.nn.max_pool(tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(X, w, [1, 1, 1, 1], "SAME"),
                                                 tf.ones([4]))),
                       [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
    return X, [
        h,
        tf.nn.conv2d_transpose(h, tf.ones([3, 3, 2, 4]), [2, 8, 8, 2], [1, 2, 2, 1]),
        tf.image.resize_bilinear(h, [5, 5]),
        tf.image.resize_nearest_neighbor(h, [7, 9]),
        tf.nn.lrn(h),
        tf.nn.space_to_depth(h, 2),
        tf.nn.avg_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "VALID"),
        tf.nn.depthwise_conv2d(X, tf.ones([3, 3, 2, 2]), [1, 1, 1, 1], "VALID"),
        tf.nn.conv2d(X, w, [1, 1, 1, 1], [[0, 0], [1, 2], [0, 1], [0, 0]],
                     dilations=[1, 2, 2, 1]),
        tf.nn.conv2d(X, w, [1, 2, 1, 1], [[0, 0], [2, 1], [0, 3], [0, 0]]),
        tf.nn.bias_add(tf.transpose(X, [0, 3, 1, 2]), tf.ones([2]), data_format="NCHW"),
    ]


def main():
    tf.disable_eager_execution()
    X, outs = build()
    x = np.random.RandomState(1).rand(2, 8, 8, 2).astype(np.float32)
    with tf.Session() as sess:
        vals = sess.run(outs, {X: x})
    with open(OUT + ".pb", "wb") as f:
        f.write(tf.get_default_graph().as_graph_def().SerializeToString())
    np.savez(OUT + ".npz", x=x, names=np.array([o.name for o in outs]),
             **{f"out{i}": v for i, v in enumerate(vals)})
    print(f"wrote {OUT}.pb and .npz ({len(outs)} outputs)")


if __name__ == "__main__":
    main()
