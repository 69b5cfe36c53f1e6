import numpy as np
import pytest

import tensorfluxo as tf
from tensorfluxo.keras import backend as K
from tensorfluxo.keras import optimizers as O

# tf.keras (TensorFlow 2.21) after 5 steps on sum((w - c)^2), w0 = [1, -2, 3], c = [.5, .5, -1]
TF_REFERENCE = {
    "adam": [0.5278186798095703, -1.5022286176681519, 2.5012714862823486],
    "sgdm": [0.20979003608226776, 1.951050043106079, -3.3216798305511475],
    "nesterov": [0.29214122891426086, 1.5392937660217285, -2.662869930267334],
    "rmsprop": [0.5021746754646301, -1.0230522155761719, 1.9872779846191406],
    "adagrad": [0.7296373844146729, -1.6850411891937256, 2.6818079948425293],
    "adadelta": [0.9928195476531982, -1.992799162864685, 2.992797374725342],
}


def steps(opt, n=5):
    w = tf.Variable(np.array([1.0, -2.0, 3.0], np.float32))
    loss = tf.reduce_sum((w - np.array([0.5, 0.5, -1.0], np.float32)) ** 2)
    up = opt.get_updates(loss, [w])
    sess = K.get_session()
    sess.run(tf.global_variables_initializer())
    for _ in range(n):
        sess.run(up)
    return sess.run(w)


@pytest.mark.parametrize("name,opt", [
    ("adam", lambda: O.Adam(0.1)), ("sgdm", lambda: O.SGD(0.1, momentum=0.9)),
    ("nesterov", lambda: O.SGD(lr=0.1, momentum=0.9, nesterov=True)),
    ("rmsprop", lambda: O.RMSprop(learning_rate=0.1)), ("adagrad", lambda: O.Adagrad(0.1)),
    ("adadelta", lambda: O.Adadelta(1.0))])
def test_update_rules_match_tf_keras(name, opt):
    np.testing.assert_allclose(steps(opt()), TF_REFERENCE[name], rtol=2e-5, atol=1e-5)


def test_plain_sgd_and_nadam_against_numpy():
    np.testing.assert_allclose(steps(O.SGD(0.1), 1), [0.9, -1.5, 2.2], rtol=1e-6)
    # Nadam (Keras 3's schedule, as TF 2.21), one step from zero slots:
    # w -= lr * m_bar / (sqrt(v_hat) + eps)
    w0, g = np.array([1.0, -2.0, 3.0]), 2 * (np.array([1.0, -2.0, 3.0]) - [0.5, 0.5, -1.0])
    mu1 = 0.9 * (1 - 0.5 * 0.96 ** 1)
    mu2 = 0.9 * (1 - 0.5 * 0.96 ** 2)
    m_bar = (1 - mu1) * g / (1 - mu1) + mu2 * (0.1 * g) / (1 - mu1 * mu2)
    v_hat = 0.001 * g * g / (1 - 0.999)
    np.testing.assert_allclose(steps(O.Nadam(0.1), 1), w0 - 0.1 * m_bar / (np.sqrt(v_hat) + 1e-7),
                               rtol=1e-5)


def test_learning_rate_is_a_settable_variable():
    opt = O.Adam(lr=0.01)
    assert opt.lr == 0.01 and opt.learning_rate == 0.01
    steps(opt, 1)
    assert K.get_value(opt.lr) == pytest.approx(0.01)
    K.set_value(opt.lr, 0.5)
    assert K.get_value(opt.learning_rate) == pytest.approx(0.5)
    opt.lr = 0.25
    assert K.get_value(opt.lr) == pytest.approx(0.25)
    assert int(K.get_value(opt.iterations)) == 1


def test_get_by_name_and_errors():
    assert isinstance(O.get("adam"), O.Adam) and isinstance(O.get("Adam"), O.Adam)
    assert isinstance(O.get("rmsprop"), O.RMSprop)
    with pytest.raises(ValueError, match="Unknown optimizer: 'adamw'. Valid names: adadelta"):
        O.get("adamw")
    with pytest.raises(TypeError, match="Unexpected keyword argument passed to optimizer: 'betas'"):
        O.Adam(betas=(0.9, 0.99))
    assert O.deserialize(O.serialize(O.SGD(0.3, momentum=0.5))).get_config()["momentum"] == 0.5


def test_new_rules_by_name_and_config_round_trip():
    for name, cls in [("adamax", O.Adamax), ("nadam", O.Nadam), ("ftrl", O.Ftrl)]:
        assert isinstance(O.get(name), cls)
    for opt in (O.Adam(0.1, amsgrad=True), O.RMSprop(centered=True, momentum=0.5),
                O.Ftrl(0.2, l1_regularization_strength=0.1, beta=0.3), O.Adamax(beta_1=0.5)):
        again = O.deserialize(O.serialize(opt))
        assert type(again) is type(opt) and again.get_config() == opt.get_config()
    assert O.Adamax().get_config()["name"] == "Adamax"


def test_only_one_clipping_option():
    with pytest.raises(ValueError, match="Only one of `clipnorm`, `clipvalue` and "
                                         "`global_clipnorm` can be set. Received: clipnorm=1.0, "
                                         "clipvalue=0.5, global_clipnorm=None"):
        O.SGD(clipnorm=1.0, clipvalue=0.5)


def test_clipnorm_uses_the_clip_op():
    w = tf.Variable(np.array([3.0, 4.0], np.float32))
    up = O.SGD(1.0, clipnorm=1.0).get_updates(tf.reduce_sum(w * w), [w])
    assert any("/clip_by_norm/" in op.name for op in tf.get_default_graph().get_operations())
    sess = K.get_session()
    sess.run(tf.global_variables_initializer())
    sess.run(up)   # gradient [6, 8] scaled to norm 1
    np.testing.assert_allclose(sess.run(w), [3.0 - 0.6, 4.0 - 0.8], rtol=1e-6)


@pytest.mark.parametrize("kwargs, message", [
    ({"initial_accumulator_value": -1.0}, "`initial_accumulator_value` needs to be positive or "
                                          "zero. Received: initial_accumulator_value=-1.0."),
    ({"learning_rate_power": 0.5}, "`learning_rate_power` needs to be negative or zero"),
    ({"l1_regularization_strength": -1.0}, "`l1_regularization_strength` needs to be positive"),
    ({"l2_shrinkage_regularization_strength": -0.1},
     "`l2_shrinkage_regularization_strength` needs to be positive or zero")])
def test_ftrl_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        O.Ftrl(**kwargs)


@pytest.mark.parametrize("optimizer", ["adamax", "nadam", O.Ftrl(0.5), O.Adam(0.05, amsgrad=True),
                                       O.RMSprop(0.01, centered=True, momentum=0.5)])
def test_new_rules_train_a_model(optimizer):
    tf.random.set_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype(np.float32)
    y = x @ np.array([[1.0], [-2.0], [0.5]], np.float32)
    model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(3,))])
    model.compile(optimizer=optimizer, loss="mse")
    losses = model.fit(x, y, epochs=3, batch_size=16, verbose=0).history["loss"]
    assert losses[-1] < losses[0]
    assert float(K.get_value(model.optimizer.lr)) == pytest.approx(
        model.optimizer.get_config()["learning_rate"])
