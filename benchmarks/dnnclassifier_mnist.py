"""Seed 000's TFLearn program: DNNClassifier [300, 100] on MNIST, batch 50, 40,000 steps.

    python benchmarks/dnnclassifier_mnist.py [--steps 40000] [--train-size 60000]

Prints the test accuracy (sklearn's accuracy_score of list(predict)), evaluate()'s dict and
the seconds spent in fit. The seed reports 98.18% with TensorFlow 1.x.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import tensorfluxo as tf


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=40000)
    p.add_argument("--batch-size", type=int, default=50)
    p.add_argument("--train-size", type=int, default=60000, help="60000 or 55000 as in TF1")
    args = p.parse_args()

    (X_train, y_train), (X_test, y_test) = tf.keras.datasets.mnist.load_data()
    X_train = X_train.astype(np.float32).reshape(-1, 28 * 28) / 255.0
    X_test = X_test.astype(np.float32).reshape(-1, 28 * 28) / 255.0
    y_train, y_test = y_train.astype(np.int32), y_test.astype(np.int32)
    X_train, y_train = X_train[:args.train_size], y_train[:args.train_size]

    # --- the seed, unchanged ---
    feature_columns = tf.contrib.learn.infer_real_valued_columns_from_input(X_train)
    dnn_clf = tf.contrib.learn.DNNClassifier(hidden_units=[300, 100], n_classes=10,
                                             feature_columns=feature_columns)
    t0 = time.perf_counter()
    dnn_clf.fit(x=X_train, y=y_train, batch_size=args.batch_size, steps=args.steps)
    fit_seconds = time.perf_counter() - t0

    from sklearn.metrics import accuracy_score
    y_pred = list(dnn_clf.predict(X_test))
    accuracy = accuracy_score(y_test, y_pred)
    evaluation = dnn_clf.evaluate(X_test, y_test)
    # ---

    print(f"accuracy_score: {accuracy:.4f}")
    print(f"evaluate: {evaluation}")
    print(f"fit: {args.steps} steps in {fit_seconds:.1f} s "
          f"({1000 * fit_seconds / max(args.steps, 1):.2f} ms/step)")


if __name__ == "__main__":
    main()
