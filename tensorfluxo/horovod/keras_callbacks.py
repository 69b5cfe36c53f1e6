"""hvd.callbacks: broadcast the initial weights, average the metrics, warm the learning rate up."""

from __future__ import annotations

from ..keras.callbacks import Callback
from . import basics


class BroadcastGlobalVariablesCallback(Callback):
    """At the start of training, every rank takes ``root_rank``'s weights (and optimizer
    state), so all ranks start from the same model."""

    def __init__(self, root_rank: int = 0, device=""):
        super().__init__()
        self.root_rank = root_rank
        self.broadcast_done = False

    def on_train_begin(self, logs=None):
        if self.broadcast_done:
            return
        from ..keras import backend as K
        from . import broadcast_variables
        sess = K.get_session(self.model._graph)
        variables = list(self.model.weights)
        opt = getattr(self.model, "optimizer", None)
        if opt is not None and hasattr(opt, "variables"):
            variables += [v for v in opt.variables() if v not in variables]
        with sess.graph.as_default():
            sess.run(broadcast_variables(variables, self.root_rank))
        self.broadcast_done = True


class MetricAverageCallback(Callback):
    """At the end of each epoch, every metric in the logs becomes its average over the ranks
    (put it before callbacks that read the logs, such as ModelCheckpoint)."""

    def on_epoch_end(self, epoch, logs=None):
        if logs is None or basics.G.size == 1:
            return
        for k in sorted(logs):  # the same order on every rank
            if isinstance(logs[k], (int, float)):
                logs[k] = basics.allreduce_value(float(logs[k]))


class LearningRateWarmupCallback(Callback):
    """Ramps the learning rate from ``initial_lr / size`` to ``initial_lr`` over
    ``warmup_epochs`` (Goyal et al.'s warm-up for large effective batches), batch by batch."""

    def __init__(self, initial_lr, warmup_epochs: int = 5, momentum_correction: bool = True,
                 steps_per_epoch=None, verbose: int = 0):
        super().__init__()
        self.initial_lr = float(initial_lr)
        self.warmup_epochs = warmup_epochs
        self.steps_per_epoch = steps_per_epoch
        self.verbose = verbose
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        if self._epoch >= self.warmup_epochs:
            return
        from ..keras import backend as K
        steps = self.steps_per_epoch or self.params.get("steps") or 1
        progress = self._epoch + batch / steps
        size = basics.G.size
        lr = self.initial_lr / size * (progress * (size - 1) / self.warmup_epochs + 1)
        K.set_value(self.model.optimizer.learning_rate, lr)

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.warmup_epochs - 1:
            from ..keras import backend as K
            K.set_value(self.model.optimizer.learning_rate, self.initial_lr)
            if self.verbose and basics.G.rank == 0:
                print(f"\nEpoch {epoch + 1}: finished gradual learning rate warmup to "
                      f"{self.initial_lr:g}.")
        if logs is not None:
            from ..keras import backend as K
            logs["lr"] = float(K.get_value(self.model.optimizer.learning_rate))
