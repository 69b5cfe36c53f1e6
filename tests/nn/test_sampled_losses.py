"""Embedding lookups over shards, candidate samplers, nce_loss and sampled_softmax_loss against
TensorFlow 2.21 (tests/data/sampled.json, made by scripts/make_sampled_reference.py), the
samplers' distributions checked statistically, finite differences, and word2vec training."""

import json
from pathlib import Path

import numpy as np
import pytest

import tensorfluxo as tf
from tensorfluxo.testing.gradient_check import check_gradients

DATA = json.loads((Path(__file__).parent.parent / "data" / "sampled.json").read_text())
F32 = np.float32


def _u(shape, k):  # the script's output weights
    return np.random.default_rng(100 + k).standard_normal(shape).astype(F32)


def _run(outs, xs):
    """Values of outs and the dense gradients of sum(out * u) wrt the named inputs."""
    target = tf.add_n([tf.reduce_sum(o * _u(o.shape.as_list(), k)) for k, o in enumerate(outs)])
    names = sorted(xs)
    grads = [tf.convert_to_tensor(g) for g in tf.gradients(target, [xs[n] for n in names])]
    with tf.Session() as sess:
        vals, gvals = sess.run([outs, grads])
    return vals, dict(zip(names, gvals))


def _check(case, vals, grads, tol=1e-5):
    for v, ref in zip(vals, case["outputs"]):
        np.testing.assert_allclose(v, ref, rtol=tol, atol=tol)
    for n, ref in case["grads"].items():
        np.testing.assert_allclose(grads[n], ref, rtol=tol, atol=tol, err_msg=n)


# ---- embedding_lookup ------------------------------------------------------------------------
E = DATA["embedding"]


@pytest.mark.parametrize("case", E["cases"], ids=lambda c: f"{c['strategy']}-{c['max_norm']}")
def test_partitioned_embedding_lookup_matches_tensorflow(case):
    shards = [tf.constant(np.asarray(p, F32)) for p in E["shards"][case["strategy"]]]
    out = tf.nn.embedding_lookup(shards, E["ids"], partition_strategy=case["strategy"],
                                 max_norm=case["max_norm"])
    assert out.shape.as_list() == [3, 2, 3]
    vals, grads = _run([out], {f"shard{i}": p for i, p in enumerate(shards)})
    _check(case, vals, grads)


def test_each_shard_gets_a_sparse_gradient_of_its_rows():
    shards = [tf.Variable(np.asarray(p, F32)) for p in E["shards"]["mod"]]
    out = tf.nn.embedding_lookup(shards, [4, 1, 4])
    grads = tf.gradients(tf.reduce_sum(out), shards)
    assert all(isinstance(g, tf.IndexedSlices) for g in grads)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        g1 = sess.run(grads[1])
    assert sorted(g1.indices.tolist()) == [0, 1, 1]   # ids 1 and 4 are rows 0 and 1 of shard 1
    assert g1.dense_shape.tolist() == [3, 3]


def test_embedding_lookup_gradient_by_finite_differences():
    ids = np.array([[0, 5], [5, 2]], np.int32)
    check_gradients(lambda a, b: tf.nn.embedding_lookup([a, b], ids, max_norm=1.0),
                    [np.random.default_rng(0).standard_normal((3, 2)),
                     np.random.default_rng(1).standard_normal((3, 2))])
    check_gradients(lambda a, b: tf.nn.embedding_lookup([a, b], ids, partition_strategy="div"),
                    [np.random.default_rng(2).standard_normal((3, 2)),
                     np.random.default_rng(3).standard_normal((3, 2))])


def test_lookups_inside_loops_and_conds_train_the_right_rows():
    """A gather in a while_loop / map_fn body or a cond branch: the table's gradient (sparse
    per iteration) is summed dense over the iterations, rows in place."""
    table = tf.Variable(np.arange(12, dtype=F32).reshape(6, 2))
    ids = tf.constant([1, 3, 3])
    _, out = tf.while_loop(lambda i, a: i < 3,
                           lambda i, a: (i + 1, a + tf.reduce_sum(tf.gather(table, ids[i:i + 1]))),
                           [tf.constant(0), tf.constant(0.0)])
    mapped = tf.map_fn(lambda i: tf.gather(table, i), tf.constant([0, 4, 4]), dtype=tf.float32)
    pick = tf.placeholder(tf.bool, [])
    branch = tf.cond(pick, lambda: tf.reduce_sum(tf.gather(table, [0, 0])),
                     lambda: tf.reduce_sum(table[5]))
    grads = [tf.convert_to_tensor(tf.gradients(y, table)[0])
             for y in (out, tf.reduce_sum(mapped), branch)]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        g_loop, g_map, g_cond = sess.run(grads, {pick: True})
    np.testing.assert_array_equal(g_loop[:, 0], [0, 1, 0, 2, 0, 0])
    np.testing.assert_array_equal(g_map[:, 0], [1, 0, 0, 0, 2, 0])
    np.testing.assert_array_equal(g_cond[:, 0], [2, 0, 0, 0, 0, 0])


def test_embedding_lookup_bad_input():
    with pytest.raises(TypeError, match="ids must be int32 or int64, got float32"):
        tf.nn.embedding_lookup(tf.zeros([4, 2]), [0.5])
    with pytest.raises(ValueError, match="Unrecognized partition strategy: mix"):
        tf.nn.embedding_lookup([tf.zeros([4, 2])] * 2, [0], partition_strategy="mix")


def test_dense_conversion_warns_only_where_tensorflow_warns(recwarn):
    table = tf.Variable(tf.zeros([50000, 300]))   # a word2vec-sized table: no warning
    g = tf.gradients(tf.reduce_sum(tf.gather(table, [1, 2])), table)[0]
    tf.convert_to_tensor(g)
    assert not [w for w in recwarn if "IndexedSlices" in str(w.message)]
    ph = tf.placeholder(tf.float32, [None, 3])
    g = tf.gradients(tf.reduce_sum(tf.gather(ph, [1])), ph)[0]
    with pytest.warns(UserWarning, match="dense Tensor of unknown shape"):
        tf.convert_to_tensor(g)


SP = DATA["embedding_sparse"]


def _sparse(values):
    return tf.SparseTensor(tf.constant(SP["indices"], tf.int64), values, [5, 3])


@pytest.mark.parametrize("case", SP["cases"], ids=lambda c: "-".join(
    str(c[k]) for k in ("combiner", "weighted", "sharded")))
def test_embedding_lookup_sparse_matches_tensorflow(case):
    table = tf.constant(np.asarray(SP["table"], F32))
    params = [tf.gather(table, [0, 2, 4]), tf.gather(table, [1, 3, 5])] if case["sharded"] \
        else table
    weights = _sparse(tf.constant(SP["weights"])) if case["weighted"] else None
    out = tf.nn.embedding_lookup_sparse(params, _sparse(tf.constant(SP["ids"], tf.int64)),
                                        weights, combiner=case["combiner"])
    vals, grads = _run([tf.reshape(out, [4, 3])], {"table": table})
    _check(case, vals, grads)


def test_embedding_lookup_sparse_gradient_and_errors():
    check_gradients(lambda t: tf.nn.embedding_lookup_sparse(
        t, _sparse(tf.constant(SP["ids"], tf.int64)),
        _sparse(tf.constant(SP["weights"], tf.float64)), combiner="sqrtn"),
        [np.asarray(SP["table"], np.float64)])
    ids = _sparse(tf.constant(SP["ids"], tf.int64))
    table = tf.Variable(np.asarray(SP["table"], F32))
    g = tf.gradients(tf.reduce_sum(tf.nn.embedding_lookup_sparse(table, ids, None)), table)[0]
    assert isinstance(g, tf.IndexedSlices)
    with pytest.raises(ValueError, match="combiner must be one of 'mean', 'sqrtn' or 'sum'"):
        tf.nn.embedding_lookup_sparse(table, ids, None, combiner="max")
    with pytest.raises(TypeError, match="sp_ids must be a SparseTensor, got list"):
        tf.nn.embedding_lookup_sparse(table, [1, 2], None)


# ---- nce_loss, sampled_softmax_loss ------------------------------------------------------------
L = DATA["losses"]


def _loss(case, v):
    w, b, x = v
    weights = w
    if case["partition_strategy"] == "div":
        weights = [w[0:6], w[6:12]]
    elif case["partition_strategy"] == "mod":
        weights = [tf.gather(w, list(range(p, 12, 2))) for p in range(2)]
    nt = case["num_true"]
    sv = (tf.constant(L["sampled"], tf.int64), tf.constant(np.asarray(L[f"true_expected{nt}"],
                                                                       F32)),
          tf.constant(np.asarray(L["sampled_expected"], F32)))
    fn = getattr(tf.nn, case["loss"])
    return fn(weights, b, tf.constant(L[f"labels{nt}"], tf.int64), x, num_sampled=5,
              num_classes=12, num_true=nt, sampled_values=sv,
              remove_accidental_hits=case["remove_accidental_hits"],
              partition_strategy=case["partition_strategy"] or "mod")


@pytest.mark.parametrize("case", L["cases"], ids=lambda c: "-".join(
    str(c[k]) for k in ("loss", "num_true", "remove_accidental_hits", "partition_strategy")))
def test_sampled_losses_match_tensorflow(case):
    v = [tf.constant(np.asarray(L[k], F32)) for k in ("weights", "biases", "inputs")]
    out = _loss(case, v)
    assert out.shape.as_list() == [3]
    vals, grads = _run([out], dict(zip(("weights", "biases", "inputs"), v)))
    _check(case, vals, grads)


@pytest.mark.parametrize("case", L["cases"][:5:2], ids=lambda c: c["loss"])
def test_sampled_losses_by_finite_differences(case):
    # accidental hits add -FLOAT_MAX: the finite differences skip those cases
    case = {**case, "remove_accidental_hits": False}
    check_gradients(lambda w, b, x: _loss(case, [w, b, x]),
                    [np.asarray(L[k], np.float64) for k in ("weights", "biases", "inputs")])


def test_sampled_loss_gradients_are_sparse_for_the_tables():
    w = tf.Variable(np.asarray(L["weights"], F32))
    b = tf.Variable(np.asarray(L["biases"], F32))
    loss = tf.nn.sampled_softmax_loss(w, b, [[1], [2], [3]], tf.ones([3, 4]), 4, 12)
    gw, gb = tf.gradients(tf.reduce_sum(loss), [w, b])
    assert isinstance(gw, tf.IndexedSlices) and isinstance(gb, tf.IndexedSlices)


def test_sampled_losses_bad_input():
    w, b, x = tf.zeros([12, 4]), tf.zeros([12]), tf.zeros([3, 4])
    with pytest.raises(ValueError, match=r"labels must be a matrix \[batch_size, num_true\] "
                                         r"with num_true = 1, got shape \(3,\)"):
        tf.nn.nce_loss(w, b, [1, 2, 3], x, 4, 12)
    with pytest.raises(ValueError, match="num_true = 2, got shape"):
        tf.nn.sampled_softmax_loss(w, b, [[1], [2], [3]], x, 4, 12, num_true=2)
    with pytest.raises(ValueError, match=r"inputs must be a matrix \[batch_size, dim\]"):
        tf.nn.nce_loss(w, b, [[1], [2], [3]], tf.zeros([3, 2, 2]), 4, 12)
    with pytest.raises(ValueError, match="cannot draw num_sampled=20 distinct classes"):
        tf.nn.sampled_softmax_loss(w, b, [[1], [2], [3]], x, 20, 12)
    with pytest.raises(TypeError, match="labels must be integer class ids"):
        tf.nn.nce_loss(w, b, [[1.0], [2.0], [3.0]], x, 4, 12)


# ---- samplers --------------------------------------------------------------------------------
def _log_uniform_p(k, n):
    return (np.log(k + 2.0) - np.log(k + 1.0)) / np.log(n + 1.0)


def test_expected_counts_match_tensorflow():
    true = tf.constant([[0, 1], [5, 99]], tf.int64)
    for name, ref in DATA["expected_counts"].items():
        s, te, se = getattr(tf.random, name)(true, 2, 7, False, 100, seed=3)
        with tf.Session() as sess:
            s, te, se = sess.run([s, te, se])
        np.testing.assert_allclose(te, ref["true_expected"], rtol=1e-6)
        p = _log_uniform_p(s, 100) if name.startswith("log") else np.full(7, 0.01)
        np.testing.assert_allclose(se, 7 * p, rtol=1e-6)


@pytest.mark.parametrize("unique", [False, True])
def test_log_uniform_sampler_draws_zipf(unique):
    """Frequencies of many draws against P(k) = log((k+2)/(k+1)) / log(range_max+1) (chi-square
    test, p-value far below chance level would fail) and, unique, the rejection sampling:
    distinct classes, expected count 1 - (1 - P)^tries."""
    n, draws = 20, 4 if unique else 8
    s, te, se = tf.nn.log_uniform_candidate_sampler(tf.constant([[0]], tf.int64), 1, draws,
                                                    unique, n, seed=7)
    counts = np.zeros(n)
    with tf.Session() as sess:
        for _ in range(3000):
            sv, tv, ev = sess.run([s, te, se])
            assert sv.dtype == np.int64 and sv.min() >= 0 and sv.max() < n
            np.add.at(counts, sv, 1)
            if unique:
                assert len(set(sv.tolist())) == draws
                tries = np.log1p(-ev) / np.log1p(-_log_uniform_p(sv, n))
                np.testing.assert_allclose(tries, np.round(tries[0]), rtol=1e-3)
                assert tries[0] >= draws - 1e-3
                np.testing.assert_allclose(tv, -np.expm1(tries[0] * np.log1p(
                    -_log_uniform_p(np.array([[0]]), n))), rtol=1e-4)
            else:
                np.testing.assert_allclose(ev, draws * _log_uniform_p(sv, n), rtol=1e-6)
    if not unique:  # chi-square against the law (19 degrees of freedom: 99.9% quantile 43.8)
        expected = counts.sum() * _log_uniform_p(np.arange(n), n)
        assert ((counts - expected) ** 2 / expected).sum() < 43.8
    else:  # the smallest ids are nearly always in a set of 4 distinct draws out of 20
        assert counts[0] > counts[5] > counts[19]


def test_uniform_and_fixed_unigram_samplers():
    true = tf.constant([[1]], tf.int64)
    s, _, _ = tf.nn.uniform_candidate_sampler(true, 1, 10, True, 10, seed=1)
    with tf.Session() as sess:
        assert sorted(sess.run(s).tolist()) == list(range(10))   # all classes, distinct
    s, te, se = tf.nn.fixed_unigram_candidate_sampler(
        true, 1, 6, False, 4, unigrams=[0, 1, 2], num_reserved_ids=1, distortion=0.5)
    counts = np.zeros(4)
    with tf.Session() as sess:
        for _ in range(2000):
            sv, tv = sess.run([s, te])
            np.add.at(counts, sv, 1)
    p = np.array([0, 0, 1, np.sqrt(2)]) / (1 + np.sqrt(2))
    np.testing.assert_allclose(tv, [[6 * p[1]]], rtol=1e-6)
    np.testing.assert_allclose(counts / counts.sum(), p, atol=0.02)


def test_compute_accidental_hits_matches_tensorflow():
    hits = tf.nn.compute_accidental_hits(tf.constant(L["labels2"], tf.int64),
                                         tf.constant(L["sampled"], tf.int64), num_true=2)
    with tf.Session() as sess:
        got = sess.run(hits)
    for g, ref in zip(got, DATA["accidental_hits"]):
        np.testing.assert_array_equal(g, np.asarray(ref, g.dtype))
    assert [g.dtype for g in got] == [np.int32, np.int64, np.float32]


def test_sampler_bad_input():
    with pytest.raises(ValueError, match="cannot draw num_sampled=5 distinct classes"):
        tf.nn.uniform_candidate_sampler(tf.constant([[1]], tf.int64), 1, 5, True, 4)
    with pytest.raises(ValueError, match=r"true_classes must be a matrix \[batch_size, num_true"):
        tf.nn.log_uniform_candidate_sampler(tf.constant([1, 2], tf.int64), 1, 2, False, 4)
    with pytest.raises(TypeError, match="true_classes of UniformCandidateSampler must be int64, "
                                        "got int32"):
        tf.nn.uniform_candidate_sampler(tf.constant([[1]]), 1, 1, True, 4)
    with pytest.raises(ValueError, match="3 unigrams and 0 reserved ids do not make range_max=4"):
        tf.nn.fixed_unigram_candidate_sampler(tf.constant([[1]], tf.int64), 1, 2, False, 4,
                                              unigrams=[1, 2, 3])


# ---- word2vec (Géron ch14, the TF tutorial) ----------------------------------------------------
@pytest.mark.parametrize("optimizer", [lambda: tf.train.GradientDescentOptimizer(1.0),
                                       lambda: tf.train.AdamOptimizer(0.05)],
                         ids=["sgd-tutorial", "adam-geron"])
def test_word2vec_with_nce_loss_trains(optimizer):
    """Skip-gram on a tiny corpus where word i is followed by (i + 1) % V: the NCE loss falls
    and nearest neighbours by the trained embeddings' dot products become the true contexts."""
    tf.set_random_seed(3)
    vocab, dim, batch = 40, 16, 64
    rng = np.random.default_rng(0)
    train_inputs = tf.placeholder(tf.int32, shape=[batch])
    train_labels = tf.placeholder(tf.int32, shape=[batch, 1])
    embeddings = tf.Variable(tf.random_uniform([vocab, dim], -1.0, 1.0))
    embed = tf.nn.embedding_lookup(embeddings, train_inputs)
    nce_weights = tf.Variable(tf.truncated_normal([vocab, dim], stddev=1.0 / np.sqrt(dim)))
    nce_biases = tf.Variable(tf.zeros([vocab]))
    loss = tf.reduce_mean(tf.nn.nce_loss(weights=nce_weights, biases=nce_biases,
                                         labels=train_labels, inputs=embed, num_sampled=8,
                                         num_classes=vocab))
    train = optimizer().minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        losses = []
        for _ in range(300):
            x = rng.integers(0, vocab, batch)
            feed = {train_inputs: x, train_labels: ((x + 1) % vocab)[:, None]}
            losses.append(sess.run([train, loss], feed)[1])
        emb, w = sess.run([embeddings, nce_weights])
    assert np.mean(losses[-20:]) < 0.5 * np.mean(losses[:20])
    predicted = np.argmax(emb @ w.T, axis=1)
    assert np.mean(predicted == (np.arange(vocab) + 1) % vocab) > 0.9


def test_sampled_training_graph_saves_and_imports(tmp_path):
    """A .meta of nce_loss over a 'div'-partitioned table trained by Momentum (sparse updates)
    imports and trains; its sampler, partition and stitch nodes carry TF's attributes."""
    x = tf.placeholder(tf.int32, [None], name="x")
    y = tf.placeholder(tf.int32, [None, 1], name="y")
    table = tf.Variable(tf.random_uniform([20, 4]))
    shards = [tf.Variable(tf.zeros([10, 4])), tf.Variable(tf.zeros([10, 4]))]
    loss = tf.reduce_mean(tf.nn.nce_loss(shards, tf.Variable(tf.zeros([20])), y,
                                         tf.nn.embedding_lookup(table, x), 5, 20,
                                         partition_strategy="div"))
    tf.train.MomentumOptimizer(0.1, 0.9).minimize(loss, name="train")
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        path = saver.save(sess, str(tmp_path / "w2v"))
    nodes = {n.op: n for n in tf.get_default_graph().as_graph_def().node}
    assert nodes["LogUniformCandidateSampler"].attr["seed2"].i == 0
    assert nodes["DynamicPartition"].attr["T"].type == 3     # DT_INT32: the ids partitioned
    assert nodes["SparseApplyMomentum"].attr["Tindices"].type in (3, 9)
    # TF's optimizers sum repeated indices before TF's sparse kernels: the file does too
    assert nodes["SparseApplyMomentum"].input[3].endswith("/UnsortedSegmentSum")
    assert nodes["SparseApplyMomentum"].input[4].endswith("/Unique")
    tf.reset_default_graph()
    with tf.Session() as sess:
        tf.train.import_meta_graph(path + ".meta").restore(sess, path)
        feed = {"x:0": [1, 2], "y:0": [[3], [4]]}
        before = sess.run("Mean:0", feed)
        for _ in range(5):
            sess.run("train", feed)
        assert np.isfinite(before) and sess.run("Mean:0", feed) != before


def test_learned_unigram_sampler_learns_from_the_true_classes_as_tensorflow():
    """TF 2.21's expected counts for three runs (feeds [[3, 3]], [[3, 5]], [[1, 3], [3, 3]]):
    counts start at 1, a run draws then adds its true classes."""
    t = tf.placeholder(tf.int64, [None, 2])
    s, te, se = tf.random.learned_unigram_candidate_sampler(t, 2, 4, False, 10, seed=1)
    refs = [[[0.4, 0.4]], [[1.0, 1 / 3]], [[2 / 7, 8 / 7], [8 / 7, 8 / 7]]]
    with tf.Session() as sess:
        for feed, ref in zip(([[3, 3]], [[3, 5]], [[1, 3], [3, 3]]), refs):
            sv, tv, ev = sess.run([s, te, se], {t: feed})
            np.testing.assert_allclose(tv, ref, rtol=1e-6)
        counts = np.ones(10)
        np.add.at(counts, [3, 3, 3, 5], 1)    # the third run drew before adding its own
        np.testing.assert_allclose(ev, 4 * counts[sv] / counts.sum(), rtol=1e-6)
        freq = np.zeros(10)
        for _ in range(400):   # counts keep growing for class 3: it dominates the draws
            np.add.at(freq, sess.run(s, {t: [[3, 3]]}), 1)
    assert freq[3] > 0.9 * freq.sum()


@pytest.mark.parametrize("make", [lambda: tf.train.AdagradOptimizer(0.1),
                                  lambda: tf.train.FtrlOptimizer(0.1),
                                  lambda: tf.train.GradientDescentOptimizer(0.1)],
                         ids=["adagrad", "ftrl", "sgd"])
def test_sparse_updates_train_the_same_after_a_meta_graph_round_trip(make, tmp_path):
    """Written as TF writes them (Adagrad as TF's ApplyAdagradV2 / SparseApplyAdagradV2, with
    the epsilon input; TF 2.21 runs these files to the same values, checked by hand) and
    read back: two steps give the values of two steps in the original graph."""
    table = tf.Variable(np.ones((4, 2), F32), name="E")
    loss = tf.reduce_sum(tf.gather(table, [1, 1, 3]) * [[1.0, 2.0], [3.0, 1.0], [0.5, 0.5]])
    train = make().minimize(loss, name="train")
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        path = saver.save(sess, str(tmp_path / "m"))
        sess.run(train)
        sess.run(train)
        want = sess.run(table)
    types = {n.op for n in tf.get_default_graph().as_graph_def().node}
    assert "ApplyAdagrad" not in types and "SparseApplyAdagrad" not in types
    tf.reset_default_graph()
    with tf.Session() as sess:
        tf.train.import_meta_graph(path + ".meta").restore(sess, path)
        sess.run("train")
        sess.run("train")
        np.testing.assert_array_equal(sess.run("E:0"), want)
