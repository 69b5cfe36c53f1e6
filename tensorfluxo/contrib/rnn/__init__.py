"""tf.contrib.rnn: the TF1 cells, LSTMBlockCell and the static RNN drivers."""

from ...nn.rnn import static_bidirectional_rnn, static_rnn
from ...nn.rnn_cell_impl import (
    BasicLSTMCell,
    BasicRNNCell,
    DropoutWrapper,
    GRUCell,
    LSTMBlockCell,
    LSTMCell,
    LSTMStateTuple,
    MultiRNNCell,
    OutputProjectionWrapper,
    ResidualWrapper,
    RNNCell,
)

__all__ = ["BasicLSTMCell", "BasicRNNCell", "DropoutWrapper", "GRUCell", "LSTMBlockCell",
           "LSTMCell", "LSTMStateTuple", "MultiRNNCell", "OutputProjectionWrapper",
           "ResidualWrapper", "RNNCell", "static_bidirectional_rnn", "static_rnn"]
