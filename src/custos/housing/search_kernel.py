"""The facility search's steps, compiled (Numba): counts, rules, costs, moves, swaps and
take-overs over arrays, run a batch of steps at a time at one temperature.

`local_search.py` prepares the arrays and decides the schedule; here is only what each step
does, as fast as the machine allows (measured on 2,000 prisoners: 2.4 million steps a
second, against 290,000 for the same steps in Python; a take-over, 0.85 ms against 2 ms).
Compiled code is cached on disk, so only the first run on a machine waits for it.

The arrays:
- people `P[i]`: influence, vulnerability, kind (an index), needs a single cell, dispersed,
  kept apart (separation), home cell (or -1), eligibility class.
- cells `CL[c]`: unit, landing (an index across units), capacity.
- eligibility: class `k`'s cells `el_idx[el_ptr[k]:el_ptr[k + 1]]`, and `may[k, c]`.
- keep-apart orders: prisoner i's `ord_who[ord_ptr[i]:ord_ptr[i + 1]]`, at levels
  `ord_lvl` (0 cell, 1 landing, 2 unit).
- `mixes[u, a, b]`: whether kinds a and b may share unit u (Rule 11).
- `W`: weights of cell exposure, unit exposure and a move; the dispersal limit.
- state: `where[i]`; `occ[c, :occ_n]`, the occupants; `CS[c]`: people, influence,
  vulnerability, single-cell needs; `US[u]`: influence, vulnerability, dispersed, apart,
  people; `UK[u, kind]`: people of each kind.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# columns of P, CS, US, W
INF, VUL, KIND, SINGLE, DISP, APART, HOME, CLS = range(8)
N, CI, CV, SGL = range(4)
UI, UV, UD, UA, UP = range(5)
WC, WU, WM, LIMIT = range(4)
UNIT, LANDING, CAP = range(3)
SAMPLE = 20  # cells tried for each prisoner a take-over moves out


@njit(cache=True)
def add(i, c, where, occ, CS, US, UK, P, CL):
    u = CL[c, UNIT]
    where[i] = c
    occ[c, CS[c, N]] = i
    CS[c, N] += 1
    CS[c, CI] += P[i, INF]
    CS[c, CV] += P[i, VUL]
    CS[c, SGL] += P[i, SINGLE]
    US[u, UI] += P[i, INF]
    US[u, UV] += P[i, VUL]
    US[u, UD] += P[i, DISP]
    US[u, UA] += P[i, APART]
    US[u, UP] += 1
    UK[u, P[i, KIND]] += 1


@njit(cache=True)
def remove(i, where, occ, CS, US, UK, P, CL):
    c = where[i]
    u = CL[c, UNIT]
    last = CS[c, N] - 1
    for k in range(last + 1):
        if occ[c, k] == i:
            occ[c, k] = occ[c, last]
            break
    CS[c, N] = last
    CS[c, CI] -= P[i, INF]
    CS[c, CV] -= P[i, VUL]
    CS[c, SGL] -= P[i, SINGLE]
    US[u, UI] -= P[i, INF]
    US[u, UV] -= P[i, VUL]
    US[u, UD] -= P[i, DISP]
    US[u, UA] -= P[i, APART]
    US[u, UP] -= 1
    UK[u, P[i, KIND]] -= 1
    where[i] = -1
    return c


@njit(cache=True)
def load(where, occ, CS, US, UK, P, CL):
    """Everyone to the cell `where` gives, every count made afresh."""
    CS[:] = 0
    US[:] = 0
    UK[:] = 0
    for i in range(where.shape[0]):
        add(i, where[i], where, occ, CS, US, UK, P, CL)


@njit(cache=True)
def fits(i, c, where, occ, CS, US, UK, P, CL, mixes, ord_ptr, ord_who, ord_lvl, limit):
    """Whether prisoner i (placed nowhere) may join cell c as it is now."""
    n = CS[c, N]
    if n >= CL[c, CAP]:
        return False
    if n > 0 and (P[i, SINGLE] or CS[c, SGL] or P[occ[c, 0], KIND] != P[i, KIND]):
        return False
    u = CL[c, UNIT]
    kind = P[i, KIND]
    for other in range(UK.shape[1]):
        if UK[u, other] and other != kind and not mixes[u, kind, other]:
            return False
    if P[i, DISP] and US[u, UD] >= limit:
        return False
    if US[u, UP] and P[i, APART] != (US[u, UA] == US[u, UP]):
        return False
    for k in range(ord_ptr[i], ord_ptr[i + 1]):
        d = where[ord_who[k]]
        if d < 0:
            continue
        level = ord_lvl[k]
        if level == 0:
            if d == c:
                return False
        elif level == 1:
            if CL[d, LANDING] == CL[c, LANDING]:
                return False
        elif CL[d, UNIT] == u:
            return False
    return True


@njit(cache=True)
def joining(i, c, CS, US, P, CL, W):
    """What prisoner i (placed nowhere) adds to the objective by joining cell c."""
    u = CL[c, UNIT]
    a, b = P[i, INF], P[i, VUL]
    home = P[i, HOME]
    cost = W[WM] if home >= 0 and home != c else 0
    if a or b:
        cost += (W[WC] * (a * CS[c, CV] + b * CS[c, CI])
                 + W[WU] * (a * US[u, UV] + b * US[u, UI]))
    return cost


@njit(cache=True)
def leaving(i, where, CS, US, P, CL, W):
    """What prisoner i's leaving his cell takes off the objective."""
    c = where[i]
    u = CL[c, UNIT]
    a, b = P[i, INF], P[i, VUL]
    home = P[i, HOME]
    cost = W[WM] if home >= 0 and home != c else 0
    if a or b:
        cost += (W[WC] * (a * (CS[c, CV] - b) + b * (CS[c, CI] - a))
                 + W[WU] * (a * (US[u, UV] - b) + b * (US[u, UI] - a)))
    return cost


@njit(cache=True)
def objective(where, occ, CS, US, P, CL, W):
    """The objective counted afresh from the counts (as `evaluate.metrics` counts it)."""
    total = 0
    for c in range(CS.shape[0]):
        own = 0
        for k in range(CS[c, N]):
            i = occ[c, k]
            own += P[i, INF] * P[i, VUL]
        total += W[WC] * (CS[c, CI] * CS[c, CV] - own)
    for u in range(US.shape[0]):
        total += W[WU] * US[u, UI] * US[u, UV]
    for i in range(where.shape[0]):
        total -= W[WU] * P[i, INF] * P[i, VUL]
        if P[i, HOME] >= 0 and P[i, HOME] != where[i]:
            total += W[WM]
    return total


@njit(cache=True)
def _accept(delta, temperature):
    return delta <= 0 or np.random.random() < np.exp(-delta / temperature)


@njit(cache=True)
def _relocate(i, c, temperature, where, occ, CS, US, UK, P, CL, mixes, ord_ptr, ord_who,
              ord_lvl, W):
    """Move i to cell c if lawful and accepted: (whether moved, the change of objective)."""
    before = leaving(i, where, CS, US, P, CL, W)
    old = remove(i, where, occ, CS, US, UK, P, CL)
    if fits(i, c, where, occ, CS, US, UK, P, CL, mixes, ord_ptr, ord_who, ord_lvl, W[LIMIT]):
        delta = joining(i, c, CS, US, P, CL, W) - before
        if _accept(delta, temperature):
            add(i, c, where, occ, CS, US, UK, P, CL)
            return True, delta
    add(i, old, where, occ, CS, US, UK, P, CL)
    return False, 0


@njit(cache=True)
def _swap(i, j, temperature, where, occ, CS, US, UK, P, CL, mixes, ord_ptr, ord_who,
          ord_lvl, W):
    """Exchange the cells of i and j if lawful and accepted: (whether, the change)."""
    limit = W[LIMIT]
    delta = -leaving(i, where, CS, US, P, CL, W)
    ci = remove(i, where, occ, CS, US, UK, P, CL)
    delta -= leaving(j, where, CS, US, P, CL, W)
    cj = remove(j, where, occ, CS, US, UK, P, CL)
    if fits(i, cj, where, occ, CS, US, UK, P, CL, mixes, ord_ptr, ord_who, ord_lvl, limit):
        delta += joining(i, cj, CS, US, P, CL, W)
        add(i, cj, where, occ, CS, US, UK, P, CL)
        if fits(j, ci, where, occ, CS, US, UK, P, CL, mixes, ord_ptr, ord_who, ord_lvl, limit):
            delta += joining(j, ci, CS, US, P, CL, W)
            if _accept(delta, temperature):
                add(j, ci, where, occ, CS, US, UK, P, CL)
                return True, delta
        remove(i, where, occ, CS, US, UK, P, CL)
    add(j, cj, where, occ, CS, US, UK, P, CL)
    add(i, ci, where, occ, CS, US, UK, P, CL)
    return False, 0


@njit(cache=True)
def take_over(u, kind, where, occ, CS, US, UK, P, CL, mixes, ord_ptr, ord_who, ord_lvl, W,
              el_ptr, el_idx, may, unit_ptr, unit_idx):
    """Open unit u to `kind`: whoever there may not live with that kind moves out (to the
    cheapest of a few cells that will have him), then those of the kind who gain by it move
    in. Kept when the whole lowers the objective, undone otherwise: (whether, the change).

    Single steps cannot do this: nobody of the kind may enter while the unit holds people
    they may not live with, and emptying it costs moves that only pay once they come."""
    limit = W[LIMIT]
    n = where.shape[0]
    trail_who = np.empty(n, np.int64)
    trail_from = np.empty(n, np.int64)
    steps = 0
    delta = 0
    evicted = np.empty(n, np.int64)
    count = 0
    for k in range(unit_ptr[u], unit_ptr[u + 1]):
        c = unit_idx[k]
        for h in range(CS[c, N]):
            i = occ[c, h]
            if P[i, KIND] != kind and not mixes[u, kind, P[i, KIND]]:
                evicted[count] = i
                count += 1
    failed = False
    for e in range(count):
        i = evicted[e]
        cls = P[i, CLS]
        options = np.random.permutation(el_idx[el_ptr[cls]:el_ptr[cls + 1]])
        before = leaving(i, where, CS, US, P, CL, W)
        old = remove(i, where, occ, CS, US, UK, P, CL)
        chosen, cost, found = -1, 0, 0
        for c in options:
            if CL[c, UNIT] != u and fits(i, c, where, occ, CS, US, UK, P, CL, mixes,
                                         ord_ptr, ord_who, ord_lvl, limit):
                there = joining(i, c, CS, US, P, CL, W)
                if chosen < 0 or there < cost:
                    chosen, cost = c, there
                found += 1
                if found >= SAMPLE:
                    break
        if chosen < 0:
            add(i, old, where, occ, CS, US, UK, P, CL)
            failed = True
            break
        add(i, chosen, where, occ, CS, US, UK, P, CL)
        trail_who[steps], trail_from[steps] = i, old
        steps += 1
        delta += cost - before
    if not failed:
        coming = np.empty(n, np.int64)
        count = 0
        for i in range(n):
            cls = P[i, CLS]
            if P[i, KIND] == kind and el_ptr[cls + 1] - el_ptr[cls] > 1 \
                    and (P[i, INF] or P[i, VUL]) and CL[where[i], UNIT] != u:
                coming[count] = i
                count += 1
        coming = np.random.permutation(coming[:count])
        for i in coming:
            cls = P[i, CLS]
            before = leaving(i, where, CS, US, P, CL, W)
            old = remove(i, where, occ, CS, US, UK, P, CL)
            chosen, cost = -1, 0
            for k in range(unit_ptr[u], unit_ptr[u + 1]):
                c = unit_idx[k]
                if may[cls, c] and fits(i, c, where, occ, CS, US, UK, P, CL, mixes,
                                        ord_ptr, ord_who, ord_lvl, limit):
                    there = joining(i, c, CS, US, P, CL, W)
                    if chosen < 0 or there < cost:
                        chosen, cost = c, there
            if chosen >= 0 and cost < before:
                add(i, chosen, where, occ, CS, US, UK, P, CL)
                trail_who[steps], trail_from[steps] = i, old
                steps += 1
                delta += cost - before
            else:
                add(i, old, where, occ, CS, US, UK, P, CL)
        if delta < 0:
            return True, delta
    for s in range(steps - 1, -1, -1):
        remove(trail_who[s], where, occ, CS, US, UK, P, CL)
        add(trail_who[s], trail_from[s], where, occ, CS, US, UK, P, CL)
    return False, 0


@njit(cache=True)
def seed(value):
    np.random.seed(value)


@njit(cache=True)
def anneal(steps, temperature, take_over_every, current, best, best_where,
           where, occ, CS, US, UK, P, CL, mixes, ord_ptr, ord_who, ord_lvl, W,
           el_ptr, el_idx, may, unit_ptr, unit_idx, movers, scored, away, openings, done):
    """`steps` steps at `temperature`, from the objective `current` (the best met so far
    `best`, where everyone was then `best_where`); `done` steps were taken before. Each
    step: a prisoner away home goes back (15%), two scored prisoners swap cells (30%), or a
    prisoner, scored three times in four, tries a cell he may occupy, moving in if it has
    room (70%) or swapping with one of its occupants; every `take_over_every` steps a unit
    is opened to a kind. Returns the objective then and the best."""
    for step in range(done + 1, done + steps + 1):
        if step % take_over_every == 0 and openings.shape[0]:
            pick = np.random.randint(openings.shape[0])
            moved, delta = take_over(openings[pick, 0], openings[pick, 1], where, occ, CS,
                                     US, UK, P, CL, mixes, ord_ptr, ord_who, ord_lvl, W,
                                     el_ptr, el_idx, may, unit_ptr, unit_idx)
            if moved:
                current += delta
                if current < best:
                    best = current
                    best_where[:] = where
        roll = np.random.random()
        if roll < 0.15 and away.shape[0]:
            i = away[np.random.randint(away.shape[0])]
            c = P[i, HOME]
            if c == where[i] or not may[P[i, CLS], c]:
                continue
        elif roll < 0.45 and scored.shape[0]:
            i = scored[np.random.randint(scored.shape[0])]
            j = scored[np.random.randint(scored.shape[0])]
            if where[i] == where[j] or not may[P[i, CLS], where[j]] \
                    or not may[P[j, CLS], where[i]]:
                continue
            moved, delta = _swap(i, j, temperature, where, occ, CS, US, UK, P, CL, mixes,
                                 ord_ptr, ord_who, ord_lvl, W)
            if moved:
                current += delta
                if current < best:
                    best = current
                    best_where[:] = where
            continue
        else:
            pool = scored if scored.shape[0] and roll < 0.75 else movers
            i = pool[np.random.randint(pool.shape[0])]
            cls = P[i, CLS]
            c = el_idx[el_ptr[cls] + np.random.randint(el_ptr[cls + 1] - el_ptr[cls])]
            if c == where[i]:
                continue
        here = CS[c, N]
        if here < CL[c, CAP] and np.random.random() < 0.7:
            moved, delta = _relocate(i, c, temperature, where, occ, CS, US, UK, P, CL, mixes,
                                     ord_ptr, ord_who, ord_lvl, W)
        elif here:
            j = occ[c, np.random.randint(here)]
            if not may[P[j, CLS], where[i]]:
                continue
            moved, delta = _swap(i, j, temperature, where, occ, CS, US, UK, P, CL, mixes,
                                 ord_ptr, ord_who, ord_lvl, W)
        else:
            continue
        if moved:
            current += delta
            if current < best:
                best = current
                best_where[:] = where
    return current, best
