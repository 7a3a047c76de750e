#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""classify_window.py NETNS N START-CMD...

How long a new container goes unclassified: the time from its host-side
veth appearing in NETNS (rtnetlink, `ip -o monitor link`) to segwatch's
`policy apply --watch` putting its address into a set of the segwatch table
(`nft monitor`: an "add element" line). Both monitors run inside NETNS and
every line is stamped on arrival with one monotonic clock, so the two events
are compared on the same clock.

START-CMD is run N times through the shell with {i} replaced by 0..N-1
and prints the new container's address (its last line of output), and
optionally after it the container's /proc/uptime when its first process
began: the "add element" line naming that address is the classification,
and the time the container ran before it is printed too (CLOCK_BOOTTIME,
the clock of /proc/uptime, stamps everything). Each start
waits for it (10 s at most) before the next one. Prints one line per container and the min/median/max, and a JSON
summary on the last line.
"""
import json
import re
import statistics
import subprocess
import sys
import threading
import time


def now():
    return time.clock_gettime(time.CLOCK_BOOTTIME)


class Stamped:
    """Lines of a command's stdout, each with the monotonic time it arrived."""

    def __init__(self, argv):
        self.lines = []
        self.cv = threading.Condition()
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True, bufsize=1)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            with self.cv:
                self.lines.append((now(), line.rstrip("\n")))
                self.cv.notify_all()

    def first_after(self, t0, pred, timeout):
        """The first (time, line) stamped after t0 for which pred holds, or None."""
        end = now() + timeout
        with self.cv:
            while True:
                for t, line in self.lines:
                    if t >= t0 and pred(line):
                        return t, line
                left = end - now()
                if left <= 0:
                    return None
                self.cv.wait(left)

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    netns, n, cmd = sys.argv[1], int(sys.argv[2]), " ".join(sys.argv[3:])
    enter = ["nsenter", "--net=/run/netns/" + netns]
    links = Stamped(enter + ["ip", "-o", "monitor", "link"])
    sets = Stamped(enter + ["nft", "monitor", "elements"])
    time.sleep(0.3)  # both monitors subscribed before the first start
    rows = []
    for i in range(n):
        t0 = now()
        run = subprocess.run(cmd.replace("{i}", str(i)), shell=True, capture_output=True,
                             text=True)
        if run.returncode != 0:
            sys.exit("start %d failed: %s" % (i, run.stderr.strip()[-300:]))
        veth = links.first_after(t0, lambda l: "veth" in l and "Deleted" not in l, 10)
        last = run.stdout.split("\n")[-2].split() if run.stdout.strip() else []
        if not last:
            sys.exit("start %d printed no address" % i)
        addr = last[0]
        elem = sets.first_after(t0, lambda l: l.startswith("add element inet segwatch") and
                                re.search(r"[{ ,]%s[ ,}]" % re.escape(addr), l), 10)
        if not veth or not elem:
            sys.exit("container %d: %s within 10 s" %
                     (i, "no veth appeared" if not veth else "not classified (no set element)"))
        row = {"veth_to_set_ms": (elem[0] - veth[0]) * 1e3,
               "start_to_set_ms": (elem[0] - t0) * 1e3}
        if len(last) > 1:
            row["process_to_set_ms"] = (elem[0] - float(last[1])) * 1e3
        rows.append(row)
        print("container %2d: veth -> classified %7.1f ms   start command -> classified %7.1f ms%s" %
              (i, row["veth_to_set_ms"], row["start_to_set_ms"],
               "   its process ran unclassified %7.1f ms" % row["process_to_set_ms"]
               if "process_to_set_ms" in row else ""))
    links.stop()
    sets.stop()
    summary = {}
    for key in ("veth_to_set_ms", "start_to_set_ms", "process_to_set_ms"):
        v = [r[key] for r in rows if key in r]
        if not v:
            continue
        summary[key] = {"min": round(min(v), 1), "median": round(statistics.median(v), 1),
                        "max": round(max(v), 1)}
    print("window veth -> classified: min %.1f ms, median %.1f ms, max %.1f ms (%d containers)" %
          (summary["veth_to_set_ms"]["min"], summary["veth_to_set_ms"]["median"],
           summary["veth_to_set_ms"]["max"], n))
    if "process_to_set_ms" in summary:
        print("its first process ran unclassified: min %.1f ms, median %.1f ms, max %.1f ms "
              "(/proc/uptime: 10 ms steps)" % (summary["process_to_set_ms"]["min"],
                                               summary["process_to_set_ms"]["median"],
                                               summary["process_to_set_ms"]["max"]))
    print(json.dumps({"containers": n, **summary}))


if __name__ == "__main__":
    main()
