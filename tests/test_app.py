"""tf.app.run and tf.app.flags / tf.flags (absl-py), tf.arg_max / tf.arg_min."""

import subprocess
import sys
import textwrap

import numpy as np

import tensorfluxo as tf

PROGRAM = textwrap.dedent("""
    import tensorfluxo as tf
    flags = tf.app.flags
    FLAGS = flags.FLAGS
    flags.DEFINE_integer("batch_size", 100, "Batch size.")
    tf.flags.DEFINE_string("train_dir", "/tmp/data", "Where the data is.")
    print("before run:", FLAGS.batch_size)  # TF1 parses sys.argv on first read

    def main(argv):
        print("main:", FLAGS.batch_size, FLAGS.train_dir, argv[1:])
        return 3

    if __name__ == "__main__":
        tf.app.run()
""")


def test_app_run_parses_flags_calls_main_and_exits_with_its_value(tmp_path):
    script = tmp_path / "prog.py"
    script.write_text(PROGRAM)
    out = subprocess.run([sys.executable, str(script), "--batch_size=7", "pos", "--other=1"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 3, out.stderr
    assert out.stdout.splitlines() == ["before run: 7",
                                       "main: 7 /tmp/data ['pos', '--other=1']"]


def test_app_run_with_an_explicit_main_and_argv(tmp_path):
    script = tmp_path / "prog.py"
    script.write_text("import tensorfluxo as tf\n"
                      "tf.app.run(main=lambda argv: print('args', argv), argv=['p', 'x'])\n")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "args ['p', 'x']\n"


def test_arg_max_and_arg_min_are_tf1_names():
    x = tf.constant([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(tf.arg_max(x, 1)), [1, 0])
        np.testing.assert_array_equal(sess.run(tf.arg_min(x, dimension=0)), [0, 1, 0])
