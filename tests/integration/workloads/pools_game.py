# SPDX-License-Identifier: BSD-2-Clause
"""The classes of the pool analyzer's planted workload (pools_planted.py),
in a module of their own so that their module-qualified names are known:
pools_game.Spark, pools_game.Effects.Ember, pools_game.Rock, pools_game.Bullet.
"""


class Spark(object):
    """Transient: made N a frame, all dropped before the frame ends. Plain
    attributes (an instance __dict__ up to 3.10, inline values after) and a
    list of its own: two or three GC objects a life."""

    def __init__(self, x, y):
        self.x = x
        self.y = y
        self.life = 1.0
        self.trail = []


class Effects(object):
    class Ember(object):
        """Lives exactly K frames."""
        __slots__ = ("born",)

        def __init__(self, born):
            self.born = born


class Rock(object):
    """Persistent: made R a frame, kept for ever."""
    __slots__ = ("x",)

    def __init__(self):
        self.x = 0


class Bullet(object):
    """Pooled by the game's own free list: made once, reused every frame."""
    __slots__ = ("x", "y")

    def __init__(self):
        self.x = 0.0
        self.y = 0.0
