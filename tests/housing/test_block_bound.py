"""The branches of the small blocks: what the other units lose when units are given."""

import numpy as np

from custos.housing import block_bound


class Tabulated:
    """A block as `cheapest` sees it: its branches (candidate units per slot, and W)."""

    def __init__(self, entries):
        self.entries = entries

    def branches(self):
        return self.entries


BOTH = np.array([0, 1])


def test_the_branch_gives_the_units_that_lose_least():
    values = np.array([-5.0, -1.0, -9.0])  # each unit's least cost for the others
    one = Tabulated([([np.array([0, 1, 2])], 10.0)])
    assert block_bound.cheapest([one], values)[0] == 11.0  # W 10, and unit 1 loses 1
    assert block_bound.cheapest([one], values)[1].tolist() == [1]


def test_blocks_never_share_a_unit_a_branch_needs_more_units_than_there_are():
    values = np.array([-5.0, -1.0])
    needs_two = Tabulated([([BOTH], 10.0), ([BOTH, BOTH], 2.0)])
    needs_one = Tabulated([([BOTH], 0.0)])
    # two units for the first and one for the second would be 2 + 1 + 5 + 5: not a plan
    value, given = block_bound.cheapest([needs_two, needs_one], values)
    assert value == 16.0  # 10 + 0, and both units given: 1 + 5
    assert sorted(given.tolist()) == [0, 1]


def test_no_branch_that_fits_bounds_by_nothing_given():
    values = np.array([-5.0])
    needs_two = Tabulated([([np.array([0]), np.array([0])], 2.0)])
    assert block_bound.cheapest([needs_two], values)[0] == 0.0
