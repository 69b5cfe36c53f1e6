"""A program the MPI tests launch on several ranks: `python -m tensorfluxo.launch -np 2
tests/horovod/worker.py MODE OUTDIR`. It imports Horovod's and TensorFlow's names as a user
program does (the runner resolves them) and writes one JSON file per rank into OUTDIR."""

import json
import os
import sys
import time

import horovod.tensorflow as hvd
import numpy as np
import tensorflow as tf

mode, outdir = sys.argv[1], sys.argv[2]
hvd.init()
r, n = hvd.rank(), hvd.size()
result = {"rank": r, "size": n, "local_rank": hvd.local_rank(), "local_size": hvd.local_size()}


def mlp(X, y, lr):
    h = tf.layers.dense(X, 64, activation=tf.nn.relu, name="hidden")
    logits = tf.layers.dense(h, 10, name="out")
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
    opt = hvd.DistributedOptimizer(tf.train.GradientDescentOptimizer(lr))
    step = tf.train.get_or_create_global_step()
    train = opt.minimize(loss, global_step=step)
    acc = tf.reduce_mean(tf.cast(tf.nn.in_top_k(logits, y, 1), tf.float32))
    return train, acc, step


def mnist_shard(n_train):
    (xt, yt), (xs, ys) = tf.keras.datasets.mnist.load_data()
    X = xt[:n_train].reshape(-1, 784).astype(np.float32) / 255.0
    Y = yt[:n_train].astype(np.int64)
    return X[r::n], Y[r::n], xs.reshape(-1, 784).astype(np.float32) / 255.0, ys.astype(np.int64)


if mode == "collectives":
    a = tf.constant(np.full((2, 3), r + 1.0, np.float32))
    rows = tf.constant(np.full((r + 1, 2), r, np.int32))
    with tf.Session() as s:
        result["avg"] = s.run(hvd.allreduce(a)).tolist()
        result["sum"] = s.run(hvd.allreduce(a, op=hvd.Sum)).tolist()
        result["gather"] = s.run(hvd.allgather(rows)).tolist()
        result["bcast"] = s.run(hvd.broadcast(a, root_rank=1)).tolist()
        g = hvd.grouped_allreduce([a, tf.constant([r], tf.int64)], op=hvd.Sum)
        result["grouped"] = [v.tolist() for v in s.run(g)]
        third = tf.constant(np.full(5, (r + 1) / 3, np.float32))
        fp16 = hvd.grouped_allreduce([third, tf.constant([r + 1])], op=hvd.Sum,
                                     compression=hvd.Compression.fp16)
        half, ints = s.run(fp16)
        result["fp16"] = [half.dtype.name, half.tolist(), ints.dtype.name, ints.tolist()]
        from tensorfluxo.horovod import basics
        basics.HALF_GATHER_RANKS = 0  # the many-ranks path: a ring allreduce with our own op
        result["fp16_ring"] = s.run(fp16)[0].tolist()
        x = tf.Variable(float(r + 1))
        grad = tf.gradients(hvd.allreduce(x * x, op=hvd.Sum), x)[0]
        s.run(x.initializer)
        result["grad"] = float(s.run(grad))

elif mode in ("train", "fault"):
    tf.set_random_seed(1234 + r)  # different initial weights per rank: the broadcast aligns them
    X, Y, Xt, Yt = mnist_shard(6000)
    Xp = tf.placeholder(tf.float32, (None, 784))
    Yp = tf.placeholder(tf.int64, (None,))
    train, acc, step = mlp(Xp, Yp, 0.05 * n)
    checksum = hvd.allgather(tf.reshape(tf.add_n([tf.reduce_sum(v) for v in
                                                  tf.trainable_variables()]), [1]))
    saver = tf.train.Saver()
    ckpt = os.path.join(outdir, "model.ckpt")
    same = True
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        if mode == "fault" and os.environ.get("RESUME"):
            saver.restore(s, tf.train.latest_checkpoint(outdir))
        s.run(hvd.broadcast_global_variables(0))
        rng = np.random.default_rng(r)
        for _ in range(2):
            order = rng.permutation(len(X))
            for k in range(0, len(order) - 49, 50):
                idx = order[k:k + 50]
                s.run(train, {Xp: X[idx], Yp: Y[idx]})
                sums = s.run(checksum)
                same = same and bool(np.all(sums == sums[0]))
                g = int(s.run(step))
                if mode == "fault" and g % 20 == 0 and r == 0:
                    saver.save(s, ckpt, global_step=g)
                if mode == "fault" and g == 50 and not os.environ.get("RESUME"):
                    if os.environ.get("FAULT") == "exit" and r == 1:
                        os._exit(7)  # a rank dies
                    if os.environ.get("FAULT") == "hang" and r == 1:
                        time.sleep(600)  # a rank stops taking part
        result["same_weights_every_step"] = same
        result["steps"] = int(s.run(step))
        result["accuracy"] = float(s.run(acc, {Xp: Xt, Yp: Yt}))

elif mode == "keras":
    import horovod.tensorflow.keras as khvd
    from tensorflow import keras
    tf.set_random_seed(99 + r)
    X, Y, Xt, Yt = mnist_shard(4000)
    model = keras.Sequential([keras.layers.Dense(32, activation="relu", input_shape=(784,)),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer=khvd.DistributedOptimizer(keras.optimizers.SGD(0.05 * n)),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    cbs = [khvd.callbacks.BroadcastGlobalVariablesCallback(0),
           khvd.callbacks.MetricAverageCallback(),
           khvd.callbacks.LearningRateWarmupCallback(0.05 * n, warmup_epochs=1)]
    h = model.fit(X, Y, batch_size=32, epochs=2, callbacks=cbs, verbose=0, shuffle=False)
    result["weights_sum"] = float(sum(w.sum() for w in model.get_weights()))
    result["loss"] = h.history["loss"]
    result["lr"] = h.history["lr"]
    result["accuracy"] = float(model.evaluate(Xt, Yt, verbose=0)[1])

with open(os.path.join(outdir, f"rank{r}.json"), "w") as f:
    json.dump(result, f)
