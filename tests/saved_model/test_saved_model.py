"""SavedModels (TF1 style): written by tensorfluxo and loaded back, and the one TensorFlow 2.21
wrote in tests/data/interop/ (TF loading ours: scripts/make_tf_interop_files.py check)."""

import os

import numpy as np
import pytest

import tensorfluxo as tf

DATA = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "interop")
EXPECTED = np.load(os.path.join(DATA, "expected.npz"))


def serve(export_dir, key="serving_default", tags=("serve",), **feeds):
    with tf.Graph().as_default(), tf.Session() as sess:
        meta = tf.saved_model.loader.load(sess, list(tags), export_dir)
        sig = meta.signature_def[key]
        fetch = {k: v.name for k, v in sig.outputs.items()}
        return sess.run(fetch, {sig.inputs[k].name: v for k, v in feeds.items()})


def test_tensorflow_saved_model_serves_its_predictions():
    out = serve(os.path.join(DATA, "tf_saved_model_mlp"), X=EXPECTED["x"])
    np.testing.assert_allclose(out["probs"], EXPECTED["tf_saved_model_mlp/probs"], rtol=1e-6)


def small_model():
    x = tf.placeholder(tf.float32, (None, 3), name="x")
    w = tf.Variable(np.arange(6, dtype=np.float32).reshape(3, 2) / 6, name="w")
    y = tf.nn.softmax(tf.matmul(x, w), name="y")
    return x, y


def test_simple_save_and_load(tmp_path):
    x, y = small_model()
    feed = np.ones((2, 3), np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        want = sess.run(y, {x: feed})
        tf.saved_model.simple_save(sess, str(tmp_path / "m"), {"x": x}, {"y": y})
    assert sorted(os.listdir(tmp_path / "m")) == ["saved_model.pb", "variables"]
    assert tf.saved_model.loader.maybe_saved_model_directory(str(tmp_path / "m"))
    np.testing.assert_array_equal(serve(str(tmp_path / "m"), x=feed)["y"], want)


def test_builder_tag_sets_text_format_and_main_op(tmp_path):
    x, y = small_model()
    counter = tf.Variable(0, name="counter")
    main_op = tf.assign(counter, 41, name="main_op")
    sig = tf.saved_model.signature_def_utils.predict_signature_def({"in": x}, {"out": y})
    path = str(tmp_path / "b")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        b = tf.saved_model.builder.SavedModelBuilder(path)
        with pytest.raises(AssertionError, match="has not been saved yet"):
            b.add_meta_graph(["eval"])
        b.add_meta_graph_and_variables(sess, [tf.saved_model.tag_constants.SERVING],
                                       {"predict": sig}, main_op=main_op)
        with pytest.raises(AssertionError, match="already been saved"):
            b.add_meta_graph_and_variables(sess, ["x"])
        with pytest.raises(AssertionError, match=r"tags \['serve'\] already exists"):
            b.add_meta_graph(["serve"])
        b.add_meta_graph(["eval", "gpu"], {"predict": sig})
        assert b.save(as_text=True).endswith(b"saved_model.pbtxt")
    out = serve(path, "predict", ("gpu", "eval"), **{"in": np.zeros((1, 3), np.float32)})
    np.testing.assert_allclose(out["out"], [[0.5, 0.5]])
    with tf.Graph().as_default(), tf.Session() as sess:
        tf.saved_model.loader.load(sess, ["serve"], path)
        assert sess.run("counter:0") == 41  # the main op ran after the restore
    with pytest.raises(AssertionError, match="isn't empty"):
        tf.saved_model.builder.SavedModelBuilder(path)


def test_loading_errors(tmp_path):
    x, y = small_model()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        tf.saved_model.simple_save(sess, str(tmp_path / "m"), {"x": x}, {"y": y})
        bad = tf.saved_model.build_signature_def(
            {"x": tf.saved_model.utils.build_tensor_info(x)},
            {"y": tf.saved_model.utils.build_tensor_info(y)}, "m")
        bad.outputs["y"].name = "nowhere:0"
        with pytest.raises(ValueError, match="Signature 'bad' names tensor 'nowhere:0'"):
            tf.saved_model.builder.SavedModelBuilder(str(tmp_path / "n")) \
                .add_meta_graph_and_variables(sess, ["serve"], {"bad": bad})
    with tf.Graph().as_default(), tf.Session() as sess:
        with pytest.raises(RuntimeError, match=r"tags \['train'\] could not be found in "
                                               r"SavedModel .*Available tag-sets: \[\['serve'\]\]"):
            tf.saved_model.loader.load(sess, ["train"], str(tmp_path / "m"))
        with pytest.raises(OSError, match="SavedModel file does not exist at"):
            tf.saved_model.loader.load(sess, ["serve"], str(tmp_path))
        with open(tmp_path / "m" / "saved_model.pb", "wb") as f:
            f.write(b"\xff\xff\xff")
        with pytest.raises(tf.errors.DataLossError, match="is not a SavedModel"):
            tf.saved_model.loader.load(sess, ["serve"], str(tmp_path / "m"))
    with pytest.raises(ValueError, match="Prediction outputs cannot be None or empty"):
        tf.saved_model.signature_def_utils.predict_signature_def({"x": x}, {})


def test_estimator_export_saved_model(tmp_path):
    rng = np.random.RandomState(0)
    x = rng.rand(40, 4).astype(np.float32)
    y = (x.sum(1) > 2).astype(np.int32)
    est = tf.estimator.DNNClassifier(
        hidden_units=[5], feature_columns=[tf.feature_column.numeric_column("x", [4])],
        n_classes=2, model_dir=str(tmp_path / "est"))
    fn = tf.estimator.export.build_raw_serving_input_receiver_fn(
        {"x": tf.placeholder(tf.float32, [None, 4])})
    with pytest.raises(ValueError, match="Couldn't find trained model"):
        est.export_saved_model(str(tmp_path / "export"), fn)
    est.train(tf.estimator.inputs.numpy_input_fn({"x": x}, y, batch_size=20, num_epochs=1,
                                                 shuffle=False))
    path = est.export_savedmodel(str(tmp_path / "export"), fn)
    assert os.path.dirname(path) == str(tmp_path / "export").encode()
    want = [p["probabilities"] for p in est.predict(
        tf.estimator.inputs.numpy_input_fn({"x": x[:3]}, shuffle=False))]
    out = serve(path.decode(), x=x[:3])
    np.testing.assert_allclose(out["probabilities"], want, rtol=1e-6)
    assert {"class_ids", "logits", "probabilities"} <= set(out)
