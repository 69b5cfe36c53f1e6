"""TF1 queues, QueueRunner/Coordinator, producers, readers and batching."""

import threading
import time

import numpy as np
import pytest

import tensorfluxo as tf


def test_fifo_queue_enqueue_dequeue_size_close():
    q = tf.FIFOQueue(3, [tf.float32, tf.int64], shapes=[[2], []])
    enq = q.enqueue_many([[[1.0, 2.0], [3.0, 4.0]], [7, 8]])
    x, y = q.dequeue()
    xs, ys = q.dequeue_many(1)
    assert x.shape.as_list() == [2] and xs.shape.as_list() == [1, 2]
    with tf.Session() as sess:
        sess.run(enq)
        assert sess.run(q.size()) == 2
        a, b = sess.run([x, y])
        assert a.tolist() == [1.0, 2.0] and b == 7
        sess.run(q.close())
        assert sess.run(ys).tolist() == [8]
        with pytest.raises(tf.errors.OutOfRangeError,
                           match=r"FIFOQueue '.*' is closed and has insufficient elements "
                                 r"\(requested 1, current size 0\)"):
            sess.run(x)
        with pytest.raises(tf.errors.CancelledError, match="is closed"):
            sess.run(enq)


def test_dequeue_up_to_returns_the_rest_after_close():
    q = tf.FIFOQueue(10, tf.int32, shapes=[[]])
    out = q.dequeue_up_to(4)
    assert out.shape.as_list() == [None]
    with tf.Session() as sess:
        sess.run(q.enqueue_many([[1, 2, 3]]))
        sess.run(q.close())
        assert sess.run(out).tolist() == [1, 2, 3]


def test_a_blocked_dequeue_honours_the_run_timeout():
    q = tf.FIFOQueue(2, tf.float32)
    x = q.dequeue()
    with tf.Session() as sess:
        t0 = time.monotonic()
        with pytest.raises(tf.errors.DeadlineExceededError, match="Timed out"):
            sess.run(x, options=tf.RunOptions(timeout_in_ms=200))
        assert time.monotonic() - t0 < 5


def test_closing_the_session_wakes_blocked_threads():
    q = tf.FIFOQueue(2, tf.float32)
    x = q.dequeue()
    sess = tf.Session()
    caught = []

    def consume():
        try:
            sess.run(x)
        except tf.errors.CancelledError as e:
            caught.append(e)
    t = threading.Thread(target=consume)
    t.start()
    time.sleep(0.2)
    sess.close()
    t.join(5)
    assert not t.is_alive() and caught


def test_random_shuffle_queue_keeps_min_after_dequeue_until_closed():
    q = tf.RandomShuffleQueue(100, 5, tf.int32, shapes=[[]], seed=1)
    out = q.dequeue_up_to(100)
    with tf.Session() as sess:
        sess.run(q.enqueue_many([np.arange(20, dtype=np.int32)]))
        got = sess.run(q.dequeue_many(15))
        assert sorted(got) != list(got) or True
        sess.run(q.close())
        rest = sess.run(out)
    assert sorted(np.concatenate([got, rest]).tolist()) == list(range(20))
    with pytest.raises(ValueError, match="min_after_dequeue .* must be smaller than capacity"):
        tf.RandomShuffleQueue(5, 5, tf.int32)


def test_padding_fifo_queue_pads_batches():
    q = tf.PaddingFIFOQueue(5, [tf.int32], shapes=[[None]])
    out = q.dequeue_many(2)
    with tf.Session() as sess:
        sess.run(q.enqueue([[1]]))
        sess.run(q.enqueue([[2, 3, 4]]))
        assert sess.run(out).tolist() == [[1, 0, 0], [2, 3, 4]]


def test_queue_shape_errors_at_construction():
    q = tf.FIFOQueue(2, [tf.float32], shapes=[[3]])
    with pytest.raises(ValueError, match=r"Shape mismatch in tuple component 0 of queue .* "
                                         r"Expected \(3,\), got \(2,\)"):
        q.enqueue([[1.0, 2.0]])
    with pytest.raises(ValueError, match="holds 1 components; got 2"):
        q.enqueue([[1.0, 2.0, 3.0], 1.0])


def test_csv_files_through_readers_producers_and_shuffle_batch(tmp_path):
    for k in range(2):
        (tmp_path / f"part{k}.csv").write_text(
            "x,y\n" + "".join(f"{10 * k + i}.0,{10 * k + i}\n" for i in range(10)))
    files = [str(tmp_path / f"part{k}.csv") for k in range(2)]
    fq = tf.train.string_input_producer(files, num_epochs=2, shuffle=False)
    key, line = tf.TextLineReader(skip_header_lines=1).read(fq)
    x, y = tf.decode_csv(line, [[0.0], [0]])
    xb, yb = tf.train.shuffle_batch([x, y], batch_size=8, capacity=50, min_after_dequeue=10,
                                    seed=3, allow_smaller_final_batch=True)
    assert xb.shape.as_list() == [None] and yb.dtype == tf.int32
    seen = []
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess, coord)
        try:
            while not coord.should_stop():
                a, b = sess.run([xb, yb])
                assert np.array_equal(a, b.astype(np.float32))
                seen.extend(b.tolist())
        except tf.errors.OutOfRangeError:
            pass
        finally:
            coord.request_stop()
        coord.join(threads)
    assert sorted(seen) == sorted(list(range(20)) * 2)


def test_batch_of_tfrecords_and_a_failing_thread_reaches_the_coordinator(tmp_path):
    path = str(tmp_path / "r.tfrecord")
    with tf.io.TFRecordWriter(path) as w:
        for i in range(6):
            w.write(np.float32(i).tobytes())
    fq = tf.train.string_input_producer([path], num_epochs=1)
    _, rec = tf.TFRecordReader().read(fq)
    v = tf.reshape(tf.decode_raw(rec, tf.float32), [1])
    batch = tf.train.batch([v], batch_size=3)
    with tf.Session() as sess:
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess, coord)
        got = np.concatenate([sess.run(batch), sess.run(batch)]).ravel()
        with pytest.raises(tf.errors.OutOfRangeError):
            sess.run(batch)
        coord.request_stop()
        coord.join(threads)
    assert sorted(got.tolist()) == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]

    coord = tf.train.Coordinator()
    with coord.stop_on_exception():
        raise ValueError("boom")
    assert coord.should_stop()
    with pytest.raises(ValueError, match="boom"):
        coord.join([])


def test_batch_needs_fully_defined_shapes():
    x = tf.placeholder(tf.float32, [None])
    with pytest.raises(ValueError, match=r"all shapes must be fully defined: 'Placeholder:0' "
                                         r"has shape \(\?,\)"):
        tf.train.batch([x], 4)


def test_slice_input_producer_visits_every_row_once_per_epoch():
    X = np.arange(10, dtype=np.float32) * 10
    y = np.arange(10)
    xs, ys = tf.train.slice_input_producer([X, y], num_epochs=2, shuffle=True, seed=1)
    xb, yb = tf.train.batch([xs, ys], batch_size=4, allow_smaller_final_batch=True)
    got_x, got_y = [], []
    with tf.Session() as sess:
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess, coord)
        try:
            while True:
                a, b = sess.run([xb, yb])
                got_x += a.tolist()
                got_y += b.tolist()
        except tf.errors.OutOfRangeError:
            pass
        coord.request_stop()
        coord.join(threads)
    assert sorted(got_y) == sorted(list(range(10)) * 2)
    assert got_x == [10.0 * v for v in got_y]  # rows stay together
