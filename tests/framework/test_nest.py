"""tf.nest (framework/nest.py), also what tf.data packs and flattens its elements with."""

import collections

import pytest

import tensorfluxo as tf
from tensorfluxo.framework import nest

Point = collections.namedtuple("Point", "x y")


def test_flatten_walks_dicts_in_sorted_key_order_and_namedtuples_as_sequences():
    s = {"b": (1, Point(2, 3)), "a": [4, {"z": 5, "y": 6}]}
    assert tf.nest.flatten(s) == [4, 6, 5, 1, 2, 3]
    assert tf.nest.flatten(7) == [7]


def test_pack_fills_sorted_keys_and_keeps_the_structures_key_order():
    # as TensorFlow: leaves go to the keys in sorted order, the dict keeps its own order
    packed = tf.nest.pack_sequence_as({"b": 0, "a": (0, Point(0, 0))}, [1, 2, 3, 4])
    assert packed == {"b": 4, "a": (1, Point(2, 3))}
    assert list(packed) == ["b", "a"] and isinstance(packed["a"][1], Point)
    assert tf.nest.pack_sequence_as(5, [7]) == 7 and tf.nest.pack_sequence_as([], []) == []
    assert tf.nest.pack_sequence_as((0, 0), iter([1, 2])) == (1, 2)


@pytest.mark.parametrize("flat", [[1, 2], [1, 2, 3, 4]])
def test_pack_with_the_wrong_number_of_leaves_says_both_counts(flat):
    with pytest.raises(ValueError, match=rf"Structure had 3 elements, but flat_sequence had "
                                         rf"{len(flat)} elements"):
        tf.nest.pack_sequence_as({"b": 0, "a": (0, 0)}, flat)


def test_same_structure_treats_lists_and_tuples_alike_and_compares_keys():
    assert nest.same_structure((1, [2, 3]), [4, (5, 6)])
    assert nest.same_structure({"a": 1, "b": (2,)}, {"b": (0,), "a": 0})
    assert not nest.same_structure({"a": 1}, {"b": 1})
    assert not nest.same_structure((1, 2), (1, (2, 3)))
    assert not nest.same_structure((1, 2), (1, 2, 3))


def test_map_structure_keeps_the_nesting():
    assert tf.nest.map_structure(lambda v: v * 10, {"b": 1, "a": (2, Point(3, 4))}) == \
        {"b": 10, "a": (20, Point(30, 40))}
