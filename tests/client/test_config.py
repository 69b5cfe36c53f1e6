"""Session configuration messages are accepted; a server target is refused clearly."""

import pytest

import tensorfluxo as tf


def test_config_messages_are_tf_protobufs():
    config = tf.ConfigProto(log_device_placement=False, allow_soft_placement=True,
                            gpu_options=tf.GPUOptions(per_process_gpu_memory_fraction=0.4))
    config.gpu_options.allow_growth = True
    assert "allow_growth: true" in str(config)
    x = tf.constant(2.0) * 3.0
    with tf.Session(config=config) as sess:
        meta = tf.RunMetadata()
        opts = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
        assert sess.run(x, options=opts, run_metadata=meta) == 6.0


def test_log_device_placement_names_the_one_cpu(capsys):
    x = tf.multiply(tf.constant(2.0, name="two"), 3.0, name="six")
    with tf.Session(config=tf.ConfigProto(log_device_placement=True)) as sess:
        sess.run(x)
        sess.run(x)  # each op is reported once
    err = capsys.readouterr().err
    assert "Device mapping: tensorfluxo runs every op on " \
           "/job:localhost/replica:0/task:0/device:CPU:0" in err
    assert err.count("six: (Mul): /job:localhost/replica:0/task:0/device:CPU:0") == 1
    assert "two: (Const): /job:localhost/replica:0/task:0/device:CPU:0" in err


def test_device_scopes_are_accepted():
    with tf.device("/gpu:0"):
        x = tf.constant(1.0) + 1.0
    with tf.Session() as sess:
        assert sess.run(x) == 2.0


@pytest.mark.parametrize("target", ["grpc://localhost:2222", "local"])
def test_a_server_target_is_refused_not_run_locally(target):
    with pytest.raises(tf.errors.UnimplementedError,
                       match=rf"tf.Session\(target='{target}'\): tensorfluxo runs graphs in "
                             "this process only and cannot connect to a TensorFlow server"):
        tf.Session(target)
