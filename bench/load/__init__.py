"""`make load` (`python -m bench.load`): the production stack (`make stack`) under the load of many
viewers and page visits, through nginx on this machine, for a minute, with locust.

    player.py      the player's beats, as courses/static/courses/player.js makes them
    locustfile.py  the simulated viewers and page visitors (locust, headless)
    probe.py       a viewer's own client beside locust: the clock of the beats' target
    seed.py        the participants, their sessions and the lecture in the stack's database; the check
    cpu.py         CPU seconds of each of the stack's processes, from /proc
    __main__.py    the run: stack, seed, grants, calibration, locust and the probe, flush check, report

What it measures and the sizing it implies: docs/deploy/capacity.md."""
