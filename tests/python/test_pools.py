# SPDX-License-Identifier: BSD-2-Clause
"""ObjectPoolAnalyzer: the specification's example as written; a pool whose savings
are counted against a rerun of the same workload without it; sizing by the shared
rule; lifetimes; ranking; release errors that change nothing."""

import gc
import math
import re

import pytest

from conftest import run_example
from spec_examples import OBJECT_POOLING

from pymemtrace import ObjectPool, ObjectPoolAnalyzer, PoolReleaseError, UnknownPoolError


class Particle:
    def __init__(self):
        self.x = self.y = 0.0
        self.vx = self.vy = 1.0


class Enemy:
    def __init__(self):
        self.hp = 100


def size_rule(p99):  # the documented rule, computed here
    return 0 if p99 == 0 else p99 + max(2, math.ceil(p99 / 4))


def test_object_pooling_example():
    gc.collect()
    ns = {"Particle": Particle, "Enemy": Enemy}
    printed = run_example(OBJECT_POOLING, ns)
    lines = printed.splitlines()
    # 10 acquires, all served by the 100 objects made up front
    assert lines[0] == "Allocation reduction: 100.0%"
    eff = ns["efficiency"]
    assert lines[1] == f"GC impact reduction: {eff['gc_impact_reduction']:.2f}"
    assert eff["gc_impact_reduction"] < 0.05  # 10 reuses cannot change the collector's pace
    # one object out at a time: demand 1, size 1 + max(2, 1) = 3; current = max_size
    assert lines[2] == "Suggested pool size: 3 (current: 500)"
    an = ns["analyzer"]
    assert an.pools == ["ParticlePool", "EnemyPool"]
    st = ns["particle_pool"].stats()
    assert (st["hits"], st["misses"], st["created"], st["free"]) == (10, 0, 100, 100)
    assert ns["enemy_pool"].stats()["free"] == 20


class Young:
    """Counts collections of generation 0, as the collector reports them."""

    def __init__(self):
        self.n = 0

    def __call__(self, phase, info):
        if phase == "stop" and info["generation"] == 0:
            self.n += 1

    def __enter__(self):
        gc.collect()
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc):
        gc.callbacks.remove(self)


# over the young generation's threshold (700; 2000 from 3.13): collections each frame
FRAMES, BURST = 60, 2 * gc.get_threshold()[0] + 100


def test_savings_match_a_rerun_without_the_pool():
    gc.collect()
    # the workload without a pool: BURST particles made and dropped each frame
    with Young() as without:
        for _ in range(FRAMES):
            batch = [Particle() for _ in range(BURST)]
            del batch
    an = ObjectPoolAnalyzer()
    pool = an.create_pool(Particle, initial_size=BURST, max_size=BURST, name="P")
    with Young() as with_pool:
        for _ in range(FRAMES):
            batch = [pool.acquire() for _ in range(BURST)]
            for p in batch:
                pool.release(p)
            del batch
            an.end_frame()
    eff = an.analyze_efficiency("P")
    assert eff["hits"] == FRAMES * BURST and eff["misses"] == 0
    assert eff["allocation_reduction"] == 1.0
    assert without.n >= FRAMES  # the planted churn really collects
    # the replay's "without" against the real rerun (the list of the batch itself is a
    # young object too: a few collections of slack)
    assert abs(eff["gen0_without_pool"] - without.n) <= 0.1 * without.n + 2, (eff, without.n)
    assert abs(eff["gen0_with_pool"] - with_pool.n) <= 0.1 * max(with_pool.n, 1) + 2
    want = (without.n - with_pool.n) / without.n
    assert abs(eff["gc_impact_reduction"] - want) < 0.15, (eff, without.n, with_pool.n)
    assert eff["classification"] == "transient" and eff["worth_pooling"]
    assert eff["lifetimes"]["same_frame"] == FRAMES * BURST
    assert eff["demand"]["p99"] == BURST and eff["frames"] == FRAMES + 1


def test_sizing_lifetimes_and_ranking():
    an = ObjectPoolAnalyzer(track_gc=False)
    pool = an.create_pool(Enemy, initial_size=0, max_size=8, name="E")
    held = []
    demand = []
    for f in range(100):
        n = (f * 37) % 23  # planted demand per frame: 0..22
        demand.append(n)
        new = [pool.acquire() for _ in range(n)]
        for e in held:  # what the previous frame took lives exactly one frame
            pool.release(e)
        held = new
        an.end_frame()
    for e in held:
        pool.release(e)
    peak = [max(demand[i], demand[i - 1] + demand[i] if i else demand[i]) for i in range(100)]
    sug = an.suggest_pool_size("E")
    assert sug["current_size"] == 8 and sug["frames"] == 101
    # demand in a frame = the most lent at once: the previous frame's, still out, plus the new
    want = sorted(peak + [len(held)])
    p99 = want[math.ceil(0.99 * len(want)) - 1]
    assert sug["p99_demand"] == p99 and sug["suggested_size"] == size_rule(p99)
    assert sug["misses_at_current"] == sum(max(0, d - 8) for d in want)
    assert sug["misses_at_suggested"] == sum(max(0, d - size_rule(p99)) for d in want)
    eff = an.analyze_efficiency("E")
    # every object went back in the frame after the one that took it
    assert eff["lifetimes"]["1"] == sum(demand) and eff["lifetimes"]["same_frame"] == 0
    assert eff["classification"] == "short-lived"
    assert eff["gc_impact_reduction"] == 0.0  # not tracked
    st = pool.stats()
    assert st["free"] <= 8 and st["discarded"] == st["releases"] - st["hits"] - st["free"]
    quiet = an.create_pool(Particle, initial_size=1, max_size=1, name="Q")
    quiet.release(quiet.acquire())
    ranked = an.compare_pools()
    assert [r["name"] for r in ranked] == ["E", "Q"] and ranked[0]["rank"] == 1


def test_release_errors_change_nothing():
    an = ObjectPoolAnalyzer()
    pool = an.create_pool(Particle, initial_size=2, max_size=4, name="P")
    other = an.create_pool(Particle, initial_size=1, max_size=4, name="O")
    a = pool.acquire()
    before = pool.stats()
    with pytest.raises(PoolReleaseError):
        pool.release(Particle())  # never lent
    with pytest.raises(PoolReleaseError):
        pool.release(other.acquire())  # another pool's
    with pytest.raises(ValueError):  # PoolReleaseError is a ValueError
        pool.release(42)
    pool.release(a)
    with pytest.raises(PoolReleaseError, match="released twice"):
        pool.release(a)
    after = pool.stats()
    assert after["releases"] == before["releases"] + 1 and after["release_errors"] == 4
    assert after["free"] == 2 and after["in_use"] == 0
    assert pool.acquire() is a  # the free list still works: last in, first out
    for call in (lambda: an.analyze_efficiency("nope"), lambda: an.suggest_pool_size("nope"),
                 lambda: an.get_pool("nope"), lambda: an.remove_pool("nope")):
        with pytest.raises(UnknownPoolError):
            call()
    with pytest.raises(KeyError):
        an.get_pool("nope")
    with pytest.raises(ValueError):
        an.create_pool(Particle, initial_size=-1)
    with pytest.raises(ValueError):
        an.create_pool(Particle, initial_size=10, max_size=5)
    with pytest.raises(ValueError):
        an.create_pool(Particle, name="P")  # taken
    with pytest.raises(TypeError):
        an.create_pool(42)
    assert an.pools == ["P", "O"]
    assert isinstance(an.get_pool("P"), ObjectPool)
    an.remove_pool("O")
    assert an.pools == ["P"]


def test_reset_and_factory_errors():
    resets = []
    an = ObjectPoolAnalyzer(track_gc=False)
    pool = an.create_pool(Particle, initial_size=0, max_size=2, reset=resets.append)
    p = pool.acquire()
    p.x = 5
    pool.release(p)
    assert resets == [p] and pool.name == "Particle"

    def broken():
        raise RuntimeError("no")
    bad = an.create_pool(broken, initial_size=0, name="bad")
    with pytest.raises(RuntimeError):
        bad.acquire()
    assert bad.stats()["in_use"] == 0 and bad.stats()["misses"] == 0
    assert re.search(r"ObjectPool 'Particle'", repr(pool))
    one = Particle()
    same = an.create_pool(lambda: one, initial_size=1, max_size=2, name="same")
    assert same.acquire() is one
    with pytest.raises(ValueError):  # the factory gave back an object the pool holds
        same.acquire()
    assert same.stats()["in_use"] == 1
