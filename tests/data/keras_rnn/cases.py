"""The recurrent-layer cases compared with tf.keras 2 (scripts/make_keras_rnn_reference.py
runs the same code with tf.keras; tests/keras/test_recurrent.py with tensorfluxo). ``L`` is
the ``keras.layers`` module of either."""

import numpy as np

IDS = np.array([[3, 1, 4, 0, 0], [2, 7, 1, 8, 2], [5, 0, 0, 0, 0]], dtype="int32")


def inputs() -> np.ndarray:
    return np.random.default_rng(1).normal(size=(3, 5, 3)).astype("float32")


CASES = {  # name: (layers -> function of the input tensor, integer ids as input?)
    "lstm_seq": (lambda L: L.LSTM(4, return_sequences=True), False),
    "lstm_back_state": (lambda L: L.LSTM(4, go_backwards=True, return_state=True), False),
    "gru_seq": (lambda L: L.GRU(4, return_sequences=True), False),
    "gru_before": (lambda L: L.GRU(4, reset_after=False, go_backwards=True), False),
    "simple_relu": (lambda L: L.SimpleRNN(4, activation="relu", return_sequences=True), False),
    "lstm_masked": (lambda L: lambda x: L.LSTM(4, return_sequences=True)(
        L.Embedding(9, 2, mask_zero=True)(x)), True),
    "gru_masked_last": (lambda L: lambda x: L.GRU(2)(L.Embedding(9, 2, mask_zero=True)(x)),
                        True),
    "bi_lstm_concat": (lambda L: lambda x: L.Bidirectional(L.LSTM(4, return_sequences=True))(
        L.Embedding(9, 2, mask_zero=True)(x)), True),
    "bi_gru_sum": (lambda L: L.Bidirectional(L.GRU(3), merge_mode="sum"), False),
    "bi_rnn_none": (lambda L: L.Bidirectional(L.SimpleRNN(2, return_sequences=True),
                                              merge_mode=None), False),
    "stacked_cells": (lambda L: L.RNN([L.LSTMCell(3), L.GRUCell(2)], return_sequences=True),
                      False),
    "time_distributed": (lambda L: L.TimeDistributed(L.Dense(2, activation="tanh")), False),
}
