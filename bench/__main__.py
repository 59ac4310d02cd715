"""`make bench`: run every bench/bench_*.py (or those named on the command line).

Each module has `run() -> bool`: it measures our path and its baseline in the same run,
prints both and their ratio, and returns whether the targets hold. Each runs in a process of its
own: a benchmark points Django at a database of its own, and Django is set up once per process."""

import importlib
import pkgutil
import subprocess
import sys
import time
from pathlib import Path


def _run_one(name: str) -> bool:
    module = importlib.import_module(f"bench.{name if name.startswith('bench_') else 'bench_' + name}")
    print(f"\n=== {module.__name__} ===", flush=True)
    started = time.monotonic()
    ok = module.run()
    print(f"--- {module.__name__}: {'targets met' if ok else 'TARGETS MISSED'} ({time.monotonic() - started:.1f}s)")
    return ok


def main(argv: list[str]) -> int:
    if len(argv) == 1:
        return 0 if _run_one(argv[0]) else 1
    names = argv or sorted(
        module.name for module in pkgutil.iter_modules([str(Path(__file__).parent)]) if module.name.startswith("bench_")
    )
    failed = [name for name in names if subprocess.run([sys.executable, "-m", "bench", name]).returncode != 0]
    print(f"\n{len(names) - len(failed)} passed, {len(failed)} failed" + (f": {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
