"""The mnist helper module of TF1's fully_connected_feed tutorial, driven as that tutorial
drives it (argparse flags, tf.app.run, fake_data, six.moves.xrange), under tensorfluxo.run."""

import subprocess
import sys
import textwrap

import numpy as np

import tensorfluxo as tf
from tensorfluxo.examples.tutorials.mnist import mnist

PROGRAM = textwrap.dedent("""
    import argparse, os, sys
    from six.moves import xrange
    import tensorflow as tf
    from tensorflow.examples.tutorials.mnist import input_data, mnist

    FLAGS = None

    def main(_):
        data_sets = input_data.read_data_sets(FLAGS.input_data_dir, FLAGS.fake_data)
        with tf.Graph().as_default():
            images = tf.placeholder(tf.float32, shape=(FLAGS.batch_size, mnist.IMAGE_PIXELS))
            labels = tf.placeholder(tf.int32, shape=(FLAGS.batch_size))
            logits = mnist.inference(images, FLAGS.hidden1, FLAGS.hidden2)
            loss = mnist.loss(logits, labels)
            train_op = mnist.training(loss, FLAGS.learning_rate)
            eval_correct = mnist.evaluation(logits, labels)
            summary = tf.summary.merge_all()
            sess = tf.Session()
            writer = tf.summary.FileWriter(FLAGS.log_dir, sess.graph)
            sess.run(tf.global_variables_initializer())
            for step in xrange(FLAGS.max_steps):
                x, y = data_sets.train.next_batch(FLAGS.batch_size, FLAGS.fake_data)
                _, loss_value, s = sess.run([train_op, loss, summary], {images: x, labels: y})
                writer.add_summary(s, step)
            x, y = data_sets.test.next_batch(FLAGS.batch_size, FLAGS.fake_data)
            print("loss %.4f correct %d" % (loss_value, sess.run(eval_correct, {images: x,
                                                                               labels: y})))
            tf.train.Saver().save(sess, os.path.join(FLAGS.log_dir, "model.ckpt"),
                                  global_step=step)

    if __name__ == "__main__":
        parser = argparse.ArgumentParser()
        parser.add_argument("--learning_rate", type=float, default=0.1)
        parser.add_argument("--max_steps", type=int, default=20)
        parser.add_argument("--hidden1", type=int, default=16)
        parser.add_argument("--hidden2", type=int, default=8)
        parser.add_argument("--batch_size", type=int, default=10)
        parser.add_argument("--input_data_dir", type=str, default="MNIST_data")
        parser.add_argument("--log_dir", type=str)
        parser.add_argument("--fake_data", default=False, action="store_true")
        FLAGS, unparsed = parser.parse_known_args()
        tf.app.run(main=main, argv=[sys.argv[0]] + unparsed)
""")


def test_fully_connected_feed_style_program_runs_with_fake_data(tmp_path):
    script = tmp_path / "fully_connected_feed.py"
    script.write_text(PROGRAM)
    out = subprocess.run([sys.executable, "-m", "tensorfluxo.run", str(script), "--fake_data",
                          f"--log_dir={tmp_path / 'logs'}"], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    # every fake example is class 0: the network learns it, all 10 test examples right
    assert out.stdout.strip().endswith("correct 10"), out.stdout
    assert (tmp_path / "logs" / "checkpoint").exists()


def test_inference_builds_the_tutorial_variables():
    images = tf.placeholder(tf.float32, [None, mnist.IMAGE_PIXELS])
    logits = mnist.inference(images, 8, 4)
    assert logits.shape.as_list() == [None, mnist.NUM_CLASSES]
    assert [v.name for v in tf.trainable_variables()] == [
        "hidden1/weights:0", "hidden1/biases:0", "hidden2/weights:0", "hidden2/biases:0",
        "softmax_linear/weights:0", "softmax_linear/biases:0"]
    labels = tf.constant([3, 1])
    x = np.zeros((2, 784), np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        value = sess.run(mnist.loss(logits, labels), {images: x})
        assert abs(value - np.log(10)) < 1e-6  # zero images: zero logits, uniform softmax
        # ties straddling the top-1 boundary count as in the top 1 (TF's in_top_k)
        assert sess.run(mnist.evaluation(logits, labels), {images: x}) == 2
