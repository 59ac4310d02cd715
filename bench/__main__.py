"""`make bench`: run every bench/bench_*.py (or those named on the command line).

Each module has `run() -> bool`: it measures our path and its baseline in the same run,
prints both and their ratio, and returns whether the targets hold."""

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    names = argv or sorted(
        module.name for module in pkgutil.iter_modules([str(Path(__file__).parent)]) if module.name.startswith("bench_")
    )
    failed = []
    for name in names:
        module = importlib.import_module(f"bench.{name if name.startswith('bench_') else 'bench_' + name}")
        print(f"\n=== {module.__name__} ===", flush=True)
        started = time.monotonic()
        ok = module.run()
        print(f"--- {module.__name__}: {'targets met' if ok else 'TARGETS MISSED'} ({time.monotonic() - started:.1f}s)")
        if not ok:
            failed.append(module.__name__)
    print(f"\n{len(names) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
