"""Generated facilities for the solver tests, chosen so that a lawful plan is known to exist."""

from custos.housing import baseline, synthetic
from custos.housing.evaluate import breaches


def lawful_facility(prisoners: int, cells: int, keep_aparts: int, seed: int = 0):
    """The first generated facility from `seed` on where a greedy plan houses everyone lawfully
    (so a solver that says "infeasible" for it is wrong)."""
    for attempt in range(seed, seed + 50):
        problem = synthetic.facility_problem(prisoners=prisoners, cells=cells,
                                             keep_aparts=keep_aparts, seed=attempt)
        if not breaches(problem, baseline.warm_start(problem)):
            return problem
    raise AssertionError("no lawful generated facility in 50 seeds")
