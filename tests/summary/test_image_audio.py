"""tf.summary.image / audio (PNG and WAV values TensorBoard shows) and FileWriterCache."""

import io
import struct
import wave
import zlib

import numpy as np
import pytest

import tensorfluxo as tf
from tensorfluxo.summary.summary_proto import protos


def _values(serialized):
    summary_pb2, _ = protos()
    return summary_pb2.Summary.FromString(serialized).value


def _png_pixels(data):
    """Decodes our unfiltered 8-bit PNG back to (h, w, c) pixels, checking every CRC."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        assert struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])[0] == zlib.crc32(kind + body)
        chunks[kind] = body
        pos += 12 + n
    w, h, depth, color = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    c = {0: 1, 2: 3, 6: 4}[color]
    rows = zlib.decompress(chunks[b"IDAT"])
    assert depth == 8 and all(rows[i * (w * c + 1)] == 0 for i in range(h))
    return np.frombuffer(bytes(b for i in range(h) for b in
                               rows[i * (w * c + 1) + 1:(i + 1) * (w * c + 1)]),
                         np.uint8).reshape(h, w, c)


def test_image_summary_scales_floats_as_tf1_and_keeps_uint8():
    x = tf.placeholder(tf.float32, [None, 2, 3, 1])
    s = tf.summary.image("input", x, max_outputs=2)
    u8 = tf.summary.image("raw", tf.constant(np.arange(18, dtype=np.uint8).reshape(1, 2, 3, 3)),
                          max_outputs=1)
    imgs = np.stack([np.linspace(0, 2, 6).reshape(2, 3, 1), np.linspace(-1, 1, 6).reshape(2, 3, 1),
                     np.linspace(-2, 0.5, 6).reshape(2, 3, 1)])
    with tf.Session() as sess:
        values = _values(sess.run(s, {x: imgs}))
        (raw,) = _values(sess.run(u8))
    assert [v.tag for v in values] == ["input/image/0", "input/image/1"]  # max_outputs of 3
    assert (values[0].image.width, values[0].image.height, values[0].image.colorspace) == (3, 2, 1)
    # the pixels TF 2.21 gives for these images
    np.testing.assert_array_equal(_png_pixels(values[0].image.encoded_image_string)[..., 0],
                                  [[0, 51, 102], [153, 204, 255]])
    np.testing.assert_array_equal(_png_pixels(values[1].image.encoded_image_string)[..., 0],
                                  [[1, 51, 102], [153, 204, 255]])
    with tf.Session() as sess:
        (third,) = _values(sess.run(tf.summary.image("third", x[2:], max_outputs=1), {x: imgs}))
    np.testing.assert_array_equal(_png_pixels(third.image.encoded_image_string)[..., 0],
                                  [[1, 32, 64], [96, 128, 159]])
    assert raw.tag == "raw/image"
    np.testing.assert_array_equal(_png_pixels(raw.image.encoded_image_string),
                                  np.arange(18).reshape(2, 3, 3))


def test_audio_summary_holds_wav_clips():
    clips = np.stack([np.sin(np.arange(100) / 5.0), np.zeros(100)]).astype(np.float32)
    s = tf.summary.audio("sound", clips, 8000, max_outputs=3)
    with tf.Session() as sess:
        values = _values(sess.run(s))
    assert [v.tag for v in values] == ["sound/audio/0", "sound/audio/1"]
    a = values[0].audio
    assert (a.sample_rate, a.num_channels, a.length_frames, a.content_type) == \
        (8000.0, 1, 100, "audio/wav")
    with wave.open(io.BytesIO(a.encoded_audio_string)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2)
        pcm = np.frombuffer(w.readframes(100), "<i2")
    np.testing.assert_allclose(pcm / 32767, clips[0], atol=1e-4)


def test_image_and_audio_shape_errors_at_construction():
    with pytest.raises(ValueError, match=r"tf.summary.image needs a 4-D \[batch, height, width, "
                                         r"channels\] tensor with 1, 3 or 4 channels, got "
                                         r"'Const:0' with shape \(2, 3\)"):
        tf.summary.image("x", tf.constant(np.zeros((2, 3), np.float32)))
    with pytest.raises(TypeError, match=r"tf.summary.audio needs a float tensor"):
        tf.summary.audio("a", tf.constant([[1, 2]]), 8000)


def test_file_writer_cache_shares_one_writer_per_logdir(tmp_path):
    w = tf.summary.FileWriterCache.get(str(tmp_path))
    assert tf.summary.FileWriterCache.get(str(tmp_path / ".")) is w
    tf.summary.FileWriterCache.clear()
    assert tf.summary.FileWriterCache.get(str(tmp_path)) is not w
    tf.summary.FileWriterCache.clear()
    assert list(tmp_path.glob("events.out.tfevents.*"))
