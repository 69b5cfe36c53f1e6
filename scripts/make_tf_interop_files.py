"""Make and cross-check the TensorFlow / Keras 3 reference files in tests/data/interop/.

Needs the real TensorFlow 2.21 (with Keras 3), which is never a dependency of tensorfluxo: run it
with a throwaway environment, e.g. ``/tmp/tfvenv/bin/python scripts/make_tf_interop_files.py``.
Not run in CI.

  write   (default) TensorFlow writes meta graphs + checkpoints, GraphDefs and SavedModels, and
          Keras 3 writes .keras / .h5 / .weights.h5 files, into tests/data/interop/, with the
          outputs they compute on fixed inputs in expected.npz (tests/interop/ compares).
  check   tensorfluxo (imported from this checkout) writes the same kinds of files and
          TensorFlow / Keras 3 load them and compute the outputs tensorfluxo computed; prints
          "check: N passed, M failed" with one line per file.
"""

import glob
import os
import shutil
import sys
import tempfile

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT = os.path.join(ROOT, "tests", "data", "interop")


def inputs() -> dict:
    rng = np.random.RandomState(0)
    return {"x": rng.rand(5, 6).astype(np.float32), "y": rng.randint(0, 3, 5).astype(np.int64)}


def tf1_mlp(tf1, optimizer: str):
    """The seed-000 style MLP (low-level ops, VariableV2 variables) with a training op."""
    X = tf1.placeholder(tf1.float32, (None, 6), name="X")
    y = tf1.placeholder(tf1.int64, (None,), name="y")
    with tf1.name_scope("dnn"):
        h = X
        for i, (n_in, n_out) in enumerate(((6, 8), (8, 3))):
            with tf1.name_scope(f"layer{i}"):
                W = tf1.Variable(tf1.truncated_normal([n_in, n_out], stddev=0.5, seed=i),
                                 name="weights", use_resource=False)
                b = tf1.Variable(tf1.zeros([n_out]) + 0.1, name="biases", use_resource=False)
                h = tf1.matmul(h, W) + b
                if i == 0:
                    h = tf1.nn.relu(h)
    logits = tf1.identity(h, name="logits")
    probs = tf1.nn.softmax(logits, name="probs")
    with tf1.name_scope("loss"):
        xent = tf1.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
        loss = tf1.reduce_mean(xent, name="loss")
    opt = {"sgd": lambda: tf1.train.GradientDescentOptimizer(0.1),
           "adam": lambda: tf1.train.AdamOptimizer(0.01),
           "momentum": lambda: tf1.train.MomentumOptimizer(0.1, 0.9)}[optimizer]()
    train = opt.minimize(loss, name="train")
    correct = tf1.nn.in_top_k(logits, y, 1)
    tf1.reduce_mean(tf1.cast(correct, tf1.float32), name="accuracy")
    return X, y, logits, probs, loss, train


def write_meta_graphs(tf, expected: dict) -> None:
    tf1 = tf.compat.v1
    data = inputs()
    for opt in ("sgd", "adam", "momentum"):
        g = tf.Graph()
        with g.as_default():
            tf1.set_random_seed(1)
            X, y, logits, probs, loss, train = tf1_mlp(tf1, opt)
            saver = tf1.train.Saver()
            feed = {X: data["x"], y: data["y"]}
            with tf1.Session() as s:
                s.run(tf1.global_variables_initializer())
                s.run(train, feed)
                prefix = saver.save(s, os.path.join(OUT, f"tf_mlp_{opt}"),
                                    write_meta_graph=True, write_state=False)
                expected[f"tf_mlp_{opt}/logits"] = s.run(logits, feed)
                if opt == "sgd":  # the same model as a SavedModel, served by signature
                    sm_dir = os.path.join(OUT, "tf_saved_model_mlp")
                    shutil.rmtree(sm_dir, ignore_errors=True)
                    tf1.saved_model.simple_save(s, sm_dir, {"X": X},
                                                {"logits": logits, "probs": probs})
                    expected["tf_saved_model_mlp/probs"] = s.run(probs, feed)
                s.run(train, feed)  # one more step: tensorfluxo must train identically
                expected[f"tf_mlp_{opt}/logits_after_step"] = s.run(logits, feed)
            print("wrote", prefix)
        with open(os.path.join(OUT, f"tf_mlp_{opt}.pb"), "wb") as f:
            f.write(g.as_graph_def().SerializeToString())


def keras3_models(keras):
    """Keras 3 models using every layer class tensorfluxo has: name -> (model, input)."""
    L = keras.layers
    rng = np.random.RandomState(1)
    mlp = keras.Sequential([keras.Input((6,)), L.Dense(8, activation="relu", name="d1"),
                            L.BatchNormalization(name="bn"), L.Dropout(0.2, name="drop"),
                            L.Dense(3, activation="softmax", name="out")], name="mlp")
    i = keras.Input((8, 8, 1), name="img")
    x = L.ZeroPadding2D(1)(i)
    x = L.Conv2D(4, 3, activation="relu")(x)
    x = L.BatchNormalization()(x)
    x = L.MaxPooling2D()(x)
    x = L.DepthwiseConv2D(3, padding="same")(x)
    x = L.SeparableConv2D(4, 3, padding="same")(x)
    x = L.UpSampling2D()(x)
    x = L.Cropping2D(1)(x)
    x = L.Conv2DTranspose(2, 3)(x)
    x = L.SpatialDropout2D(0.1)(x)
    x = L.AveragePooling2D(2)(x)
    x = L.Flatten()(x)
    x = L.LeakyReLU(negative_slope=0.2)(L.Dense(6)(x))
    x = L.Reshape((3, 2))(x)
    x = L.Conv1D(4, 2, activation="elu")(x)
    x = L.MaxPooling1D(1)(L.AveragePooling1D(1)(x))
    x = L.GlobalAveragePooling1D()(x)
    x = L.ReLU(max_value=6.0)(L.Dense(3)(x))
    out = L.Softmax()(L.Activation("tanh")(x))
    cnn = keras.Model(i, out, name="cnn")
    return {"mlp": (mlp, rng.rand(5, 6).astype(np.float32)),
            "cnn": (cnn, rng.rand(2, 8, 8, 1).astype(np.float32))}


def write_keras3(expected: dict) -> None:
    import keras
    keras.utils.set_random_seed(0)
    for name, (model, x) in keras3_models(keras).items():
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        y = np.arange(len(x)) % 3
        model.fit(x, y, epochs=2, verbose=0)  # moving statistics and weights move off init
        base = os.path.join(OUT, f"keras3_{name}")
        model.save(base + ".keras")
        model.save(base + ".h5")
        model.save_weights(base + ".weights.h5")
        expected[f"keras3_{name}/x"] = x
        expected[f"keras3_{name}/y"] = model.predict(x, verbose=0)
        print("wrote", base + ".{keras,h5,weights.h5}")


def write() -> None:
    import tensorflow as tf  # TF1 graphs are built inside tf.Graph() blocks; Keras runs eager
    os.makedirs(OUT, exist_ok=True)
    expected = dict(inputs())
    write_meta_graphs(tf, expected)
    write_keras3(expected)
    np.savez(os.path.join(OUT, "expected.npz"), **expected)
    print("wrote expected.npz:", ", ".join(sorted(expected)))


# ---------------------------------------------------------------- check: TF reads our files
def tfx_graphs():
    """Graphs built with tensorfluxo: name -> build(tfx) returning (feed, fetches, train_op,
    deterministic). ``deterministic`` says TF's training step must match ours exactly."""
    def mlp(tfx, opt):
        X = tfx.placeholder(tfx.float32, (None, 6), name="X")
        y = tfx.placeholder(tfx.int64, (None,), name="y")
        h = X
        for i, n in enumerate((8, 3)):
            with tfx.name_scope(f"layer{i}"):
                W = tfx.Variable(tfx.truncated_normal([int(h.shape[1]), n], stddev=0.5),
                                 name="weights")
                b = tfx.Variable(tfx.zeros([n]), name="biases")
                h = tfx.matmul(h, W) + b
                h = tfx.nn.relu(h) if i == 0 else h
        logits = tfx.identity(h, name="logits")
        loss = tfx.reduce_mean(tfx.nn.sparse_softmax_cross_entropy_with_logits(
            labels=y, logits=logits), name="loss")
        train = opt(tfx).minimize(loss, name="train")
        tfx.reduce_mean(tfx.cast(tfx.nn.in_top_k(logits, y, 1), tfx.float32), name="accuracy")
        return ["logits:0", "loss:0", "accuracy:0"], train, True

    def layers_net(tfx):
        X = tfx.placeholder(tfx.float32, (None, 6), name="X")
        y = tfx.placeholder(tfx.int64, (None,), name="y")
        training = tfx.placeholder_with_default(False, (), name="training")
        h = tfx.layers.dense(X, 8, activation=tfx.nn.elu, name="hidden")
        h = tfx.layers.batch_normalization(h, training=training, name="bn")
        h = tfx.layers.dropout(h, rate=0.3, training=training, seed=1)
        parts = tfx.split(h, 2, axis=1)
        h = tfx.concat([parts[1], tfx.tile(parts[0][:, :2], [1, 2]), h[:, ::-2]], axis=1)
        h = tfx.pad(h, [[0, 0], [1, 0]])
        logits = tfx.layers.dense(tfx.nn.tanh(h), 3, name="out")
        tfx.nn.softmax(logits, name="probs")
        loss = tfx.losses.sparse_softmax_cross_entropy(y, logits)
        update = tfx.get_collection(tfx.GraphKeys.UPDATE_OPS)
        with tfx.control_dependencies(update):
            train = tfx.train.AdamOptimizer(0.01).minimize(loss, name="train")
        return ["probs:0"], train, False

    return {
        "sgd_mlp": lambda tfx: mlp(tfx, lambda t: t.train.GradientDescentOptimizer(0.1)),
        "momentum_mlp": lambda tfx: mlp(tfx, lambda t: t.train.MomentumOptimizer(0.1, 0.9)),
        "rmsprop_mlp": lambda tfx: mlp(tfx, lambda t: t.train.RMSPropOptimizer(0.01)),
        "adam_mlp": lambda tfx: mlp(tfx, lambda t: t.train.AdamOptimizer(0.01)),
        "layers_bn_dropout_adam": layers_net,
    }


def check_meta_graphs(tf, tfx, tmp, results):
    data = inputs()
    for name, build in tfx_graphs().items():
        try:
            g = tfx.Graph()
            with g.as_default():
                tfx.set_random_seed(3)
                fetches, train, deterministic = build(tfx)
                saver = tfx.train.Saver()
                feed = {"X:0": data["x"], "y:0": data["y"]}
                with tfx.Session() as s:
                    s.run(tfx.global_variables_initializer())
                    s.run(train, feed)
                    prefix = saver.save(s, os.path.join(tmp, name))
                    ours = s.run(fetches, feed)
                    s.run(train, feed)
                    ours_after = s.run(fetches, feed)
            size = os.path.getsize(prefix + ".meta")
            tg = tf.Graph()
            with tg.as_default(), tf.compat.v1.Session() as s:
                tf_saver = tf.compat.v1.train.import_meta_graph(prefix + ".meta")
                tf_saver.restore(s, prefix)
                theirs = s.run(fetches, feed)
                s.run("train", feed)
                theirs_after = s.run(fetches, feed)
            ok = all(np.allclose(a, b, rtol=1e-5, atol=1e-6) for a, b in zip(ours, theirs))
            if deterministic:
                ok = ok and all(np.allclose(a, b, rtol=1e-4, atol=1e-5)
                                for a, b in zip(ours_after, theirs_after))
            results.append((f"meta graph {name} ({size} bytes): TF imports, restores, "
                            f"computes {', '.join(fetches)}, trains a step", ok, ""))
        except Exception as e:  # noqa: BLE001 - report and go on with the next file
            results.append((f"meta graph {name}", False, f"{type(e).__name__}: {e}"[:400]))


def check_saved_models(tf, tfx, tmp, results):
    """simple_save, a builder with two tag sets, and Estimator.export_saved_model: TF 2.21's
    tf.saved_model.load serves each signature with tensorfluxo's outputs."""
    data = inputs()
    g = tfx.Graph()
    with g.as_default():
        fetches, train, _ = tfx_graphs()["sgd_mlp"](tfx)
        X, logits = g.get_tensor_by_name("X:0"), g.get_tensor_by_name("logits:0")
        probs = tfx.nn.softmax(logits, name="probs")
        with tfx.Session() as s:
            s.run(tfx.global_variables_initializer())
            s.run(train, {"X:0": data["x"], "y:0": data["y"]})
            ours = s.run(probs, {X: data["x"]})
            simple = os.path.join(tmp, "simple")
            tfx.saved_model.simple_save(s, simple, {"X": X}, {"probs": probs})
            built = os.path.join(tmp, "built")
            b = tfx.saved_model.builder.SavedModelBuilder(built)
            sig = tfx.saved_model.signature_def_utils.predict_signature_def(
                {"features": X}, {"scores": probs, "logits": logits})
            b.add_meta_graph_and_variables(s, ["serve"], {"predict": sig})
            b.add_meta_graph(["eval"], {"predict": sig})
            b.save()
    for what, path, key, feed_key, out_key, tags in (
            ("simple_save", simple, "serving_default", "X", "probs", None),
            ("SavedModelBuilder", built, "predict", "features", "scores", ["serve"]),
            ("SavedModelBuilder (2nd tag set)", built, "predict", "features", "scores",
             ["eval"])):
        try:
            m = tf.saved_model.load(path, tags=tags)
            out = m.signatures[key](**{feed_key: tf.constant(data["x"])})[out_key].numpy()
            results.append((f"SavedModel {what}: tf.saved_model.load + signature '{key}'",
                            np.allclose(out, ours, rtol=1e-5, atol=1e-6), ""))
        except Exception as e:  # noqa: BLE001
            results.append((f"SavedModel {what}", False, f"{type(e).__name__}: {e}"[:400]))
    try:
        rng = np.random.RandomState(0)
        x = rng.rand(60, 4).astype(np.float32)
        y = (x.sum(1) > 2).astype(np.int32)
        est = tfx.estimator.DNNClassifier(
            hidden_units=[5], feature_columns=[tfx.feature_column.numeric_column("x", [4])],
            n_classes=2, model_dir=os.path.join(tmp, "est"))
        est.train(tfx.estimator.inputs.numpy_input_fn({"x": x}, y, batch_size=20,
                                                       num_epochs=2, shuffle=False))
        ph = tfx.placeholder(tfx.float32, [None, 4])
        path = est.export_saved_model(os.path.join(tmp, "export"), tfx.estimator.export.
                                      build_raw_serving_input_receiver_fn({"x": ph}))
        ours = np.array([p["probabilities"] for p in est.predict(
            tfx.estimator.inputs.numpy_input_fn({"x": x[:5]}, shuffle=False))])
        f = tf.saved_model.load(path.decode()).signatures["serving_default"]
        out = f(x=tf.constant(x[:5]))["probabilities"].numpy()
        results.append(("SavedModel Estimator.export_saved_model (DNNClassifier): TF serves "
                        "its probabilities", np.allclose(out, ours, rtol=1e-5, atol=1e-6), ""))
    except Exception as e:  # noqa: BLE001
        results.append(("SavedModel Estimator.export_saved_model", False,
                        f"{type(e).__name__}: {e}"[:400]))


def check_keras3(tfx, tmp, results):
    """The Keras 3 models rebuilt, trained and saved by tensorfluxo (every layer class both
    have); Keras 3 loads .keras (and .weights.h5 into its own copy) and predicts the same."""
    import keras
    for name, (k3_model, x) in keras3_models(keras).items():
        try:
            tfx.keras.backend.clear_session()
            # the same architecture in tensorfluxo, from Keras 3's config (a Keras 3 file)
            src = os.path.join(tmp, f"k3_{name}.keras")
            k3_model.save(src)
            model = tfx.keras.models.load_model(src, compile=False)
            model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
            model.fit(x, np.arange(len(x)) % 3, epochs=2, verbose=0)
            ours = model.predict(x)
            path, wpath = os.path.join(tmp, f"{name}.keras"), os.path.join(
                tmp, f"{name}.weights.h5")
            model.save(path)
            model.save_weights(wpath)
            loaded = keras.models.load_model(path)
            ok = np.allclose(loaded.predict(x, verbose=0), ours, rtol=1e-5, atol=1e-6)
            k3_model.load_weights(wpath)
            ok_w = np.allclose(k3_model.predict(x, verbose=0), ours, rtol=1e-5, atol=1e-6)
            results.append((f"Keras 3 loads tensorfluxo's {name}.keras and predicts the same",
                            ok, ""))
            results.append((f"Keras 3 load_weights(tensorfluxo's {name}.weights.h5)", ok_w,
                            ""))
        except Exception as e:  # noqa: BLE001
            results.append((f"Keras 3 {name}", False, f"{type(e).__name__}: {e}"[:600]))


def check_keras3_native(tfx, tmp, results):
    """A Sequential written the tf.keras 1.x way (input_shape on the first layer, no Input)."""
    import keras
    try:
        K = tfx.keras
        K.backend.clear_session()
        model = K.Sequential([K.layers.Dense(5, activation="relu", input_shape=(6,)),
                              K.layers.Dense(3, activation="softmax")])
        model.compile("sgd", "sparse_categorical_crossentropy")
        x = inputs()["x"]
        model.fit(x, np.arange(5) % 3, epochs=1, verbose=0)
        path = os.path.join(tmp, "native.keras")
        model.save(path)
        out = keras.models.load_model(path).predict(x, verbose=0)
        results.append(("Keras 3 loads a tensorfluxo Sequential built with input_shape=",
                        np.allclose(out, model.predict(x), rtol=1e-5, atol=1e-6), ""))
    except Exception as e:  # noqa: BLE001
        results.append(("Keras 3 native Sequential", False, f"{type(e).__name__}: {e}"[:600]))


def check() -> None:
    import tensorflow as tf  # eager: SavedModels are loaded as TF 2 serves them
    sys.path.insert(0, ROOT)
    try:
        import tensorboard  # noqa: F401 - tensorfluxo's dependency, not tensorflow-cpu's
    except ImportError:  # borrow it from the checkout's venv (same Python)
        sys.path += glob.glob(os.path.join(ROOT, ".venv", "lib", "python3*", "site-packages"))
    import tensorfluxo as tfx
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        check_meta_graphs(tf, tfx, tmp, results)
        check_saved_models(tf, tfx, tmp, results)
        check_keras3(tfx, tmp, results)
        check_keras3_native(tfx, tmp, results)
    for what, ok, why in results:
        print("PASS" if ok else "FAIL", what, why)
    failed = sum(not ok for _, ok, _ in results)
    print(f"check: {len(results) - failed} passed, {failed} failed")


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else "write"
    {"write": write, "check": check}[mode]()
