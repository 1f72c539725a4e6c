#!/usr/bin/env python3
"""Two threads against one: `pagesift label` with --jobs 1 and --jobs 2 in alternating rounds.

    python3 scripts/thread_speedup.py INPUT [INPUT ...] [--rounds 5] [--pagesift PATH]

Each round runs, in an order that rotates from round to round:
  - one thread:   pagesift -q --jobs 1 label INPUT
  - two threads:  pagesift -q --jobs 2 label INPUT
  - side by side: two one-thread runs at once (the control: how much this machine lets two busy
                  cores run at once, whatever the program; no threading can beat it)
and reports wall-clock medians, the speed-up (median of one thread / median of two), each
round's own ratio, the CPUs each run kept busy (user + system time / wall time), and the
control's ceiling (2 x one thread alone / the slower of the pair).

Output goes to /dev/null and stderr is dropped; a run that fails stops the script. Timings on
a shared VM drift from minute to minute, which is why the runs alternate and medians are kept.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time


def input_bytes(inputs):
    total = 0
    for path in inputs:
        if os.path.isdir(path):
            for root, _, files in os.walk(path):
                total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
        else:
            total += os.path.getsize(path)
    return total


def start(binary, jobs, inputs):
    return subprocess.Popen(
        [binary, "-q", "--jobs", str(jobs), "label", *inputs],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def finish(process, started):
    """Waits for one run: (wall seconds, CPU seconds). Exit status 2 means some pages were
    skipped (the run still went through); anything else but 0 is a failure."""
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 3):
        sys.exit(f"{' '.join(process.args)} failed with status {process.returncode}")
    return wall, usage.ru_utime + usage.ru_stime


def run_alone(binary, jobs, inputs):
    started = time.perf_counter()
    return finish(start(binary, jobs, inputs), started)


def run_pair(binary, inputs):
    """Two one-thread runs at once: the wall time of the slower one."""
    started = time.perf_counter()
    processes = [start(binary, 1, inputs) for _ in range(2)]
    return max(finish(p, started)[0] for p in processes)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("inputs", nargs="+")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pagesift", default="target/release/pagesift")
    args = parser.parse_args()
    if not os.path.exists(args.pagesift):
        sys.exit(f"{args.pagesift} not found: build it with `cargo build --release`")
    size = input_bytes(args.inputs)
    cores = os.cpu_count()
    runs = {
        "one": lambda: run_alone(args.pagesift, 1, args.inputs),
        "two": lambda: run_alone(args.pagesift, 2, args.inputs),
        "pair": lambda: (run_pair(args.pagesift, args.inputs), None),
    }
    order = list(runs)
    times = {name: [] for name in runs}
    cpus = {"one": [], "two": []}
    for r in range(args.rounds):
        for name in order[r % 3 :] + order[: r % 3]:
            wall, cpu = runs[name]()
            times[name].append(wall)
            if cpu is not None:
                cpus[name].append(cpu / wall)
        one, two, pair = (times[n][-1] for n in order)
        print(
            f"round {r + 1}: one thread {one:.2f} s, two threads {two:.2f} s ({one / two:.2f}x), "
            f"side by side {pair:.2f} s (ceiling {2 * one / pair:.2f}x)",
            flush=True,
        )
    one, two, pair = (statistics.median(times[n]) for n in order)
    mb = size / 1e6
    print(f"\n{mb:.1f} MB of input, {cores} cores on the machine, medians of {args.rounds} rounds")
    print(f"one thread : {one:.2f} s  {mb / one:6.1f} MB/s  {statistics.median(cpus['one']):.2f} CPUs busy")
    print(f"two threads: {two:.2f} s  {mb / two:6.1f} MB/s  {statistics.median(cpus['two']):.2f} CPUs busy")
    print(f"speed-up   : {one / two:.2f}x (median of the rounds' own ratios: "
          f"{statistics.median(a / b for a, b in zip(times['one'], times['two'])):.2f}x)")
    print(f"control    : two one-thread runs side by side took {pair:.2f} s, "
          f"a ceiling of {2 * one / pair:.2f}x on this machine now")


if __name__ == "__main__":
    main()
