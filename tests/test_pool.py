"""The shared ordered process pool (sim.running.pool): results come back in submission order."""

import time

from sim.running.pool import ordered_map


def _slow_square(x):
    time.sleep(0.05 * (3 - x))  # the first job finishes last
    return x * x


def test_serial_is_builtin_map():
    with ordered_map(1) as mapper:
        assert mapper is map
        assert list(mapper(_slow_square, range(3))) == [0, 1, 4]


def test_pool_keeps_submission_order_and_takes_several_iterables():
    with ordered_map(2) as mapper:
        assert list(mapper(_slow_square, range(4))) == [0, 1, 4, 9]
        assert list(mapper(pow, [2, 3], [3, 2])) == [8, 9]
