"""Times Fail2Ban's own Filter engine (the class fail2ban-server runs) line by line.

Filters are loaded exactly as fail2ban-regex loads them (its readRegex: FilterReader, the
filter's options, prefregex, failregex, datepattern), then every line goes through
Filter.processLine, the call that does the date detection and all regex work for each new log
line in the server. Timing that call alone leaves out interpreter start-up, config parsing and
fail2ban-regex's own statistics.

Usage (JSON on stdout):
  engine.py rate  --conf DIR --log FILE --chunk N --tz UTC SPEC...
  engine.py lines --conf DIR --lines FILE.json --repeat N --tz UTC SPEC...
"""
import argparse
import contextlib
import io
import json
import os
import sys
import time

from fail2ban.client import fail2banregex


def load(conf, spec, tz):
    """A Filter as the server would run it: all regexes until the first match (no check-all)."""
    opts, _ = fail2banregex.get_opt_parser().parse_args(
        ["-c", conf, "-r", "--timezone", tz, "--no-check-all", "x", spec])
    # fail2ban-regex accepts any date (MyTime alternate now = 0) and skips findtime checks, so
    # the generated log's timestamps never short-cut the regex work.
    runner = fail2banregex.Fail2banRegex(opts)
    with contextlib.redirect_stdout(io.StringIO()):
        if not runner.readRegex(spec, "fail"):
            raise SystemExit("cannot load filter %s" % spec)
    return runner._filter


def warm(flt):
    """Date templates compile lazily on first use; that one-off cost belongs to no line."""
    for line in ("Dec  3 18:00:00 mail postfix/smtpd[1]: connect from unknown[192.0.2.1]",
                 "2026-12-03T18:00:00.000000+00:00 mail dovecot: imap-login: Login: x"):
        flt.processLine(line)


def failures(found):
    return sum(1 for match in found if not match[3].get("nofail"))


def rate(args):
    """Each chunk of the log goes through every filter in turn, so a change in the machine's
    load during the run weighs on all filters alike instead of on whichever ran then."""
    filters = [load(args.conf, spec, args.tz) for spec in args.specs]
    stats = [{"spec": s, "lines": 0, "matched": 0, "seconds": 0.0, "cpuSeconds": 0.0,
              "maxLineMs": 0.0} for s in args.specs]
    slowest_text = [""] * len(filters)
    for flt in filters:
        warm(flt)
    clock = time.perf_counter_ns
    with open(args.log, encoding="utf-8", errors="replace") as log:
        while True:
            chunk = [line.rstrip("\r\n") for _, line in zip(range(args.chunk), log)]
            if not chunk:
                break
            for index, (flt, stat) in enumerate(zip(filters, stats)):
                matched = 0
                slowest = 0
                text = ""
                cpu = time.process_time()
                started = clock()
                for line in chunk:
                    before = clock()
                    if failures(flt.processLine(line)):
                        matched += 1
                    took = clock() - before
                    if took > slowest:
                        slowest = took
                        text = line
                stat["seconds"] += (clock() - started) / 1e9
                stat["cpuSeconds"] += time.process_time() - cpu
                stat["lines"] += len(chunk)
                stat["matched"] += matched
                if slowest / 1e6 > stat["maxLineMs"]:
                    stat["maxLineMs"] = slowest / 1e6
                    slowest_text[index] = text
    # The slowest line by the clock may just have been preempted: time it again, alone.
    for flt, stat, text in zip(filters, stats, slowest_text):
        stat["maxLineRetimedMs"] = best_of(flt, text, 3) / 1e6
    return {"filters": stats, "loadavg": os.getloadavg()}


def best_of(flt, line, repeat):
    """Nanoseconds of the fastest of `repeat` runs of one line."""
    best = None
    for _ in range(repeat):
        started = time.perf_counter_ns()
        flt.processLine(line)
        took = time.perf_counter_ns() - started
        best = took if best is None else min(best, took)
    return best


def lines(args):
    """Per line, the fastest of `repeat` runs: the regex cost is the same every time, so the
    minimum drops scheduler and GC pauses that would otherwise be charged to the line."""
    with open(args.lines, encoding="utf-8") as source:
        crafted = json.load(source)
    out = []
    for spec in args.specs:
        flt = load(args.conf, spec, args.tz)
        warm(flt)
        times = []
        for line in crafted:
            times.append(best_of(flt, line, args.repeat) / 1e6)
        worst = max(range(len(times)), key=times.__getitem__)
        out.append({"spec": spec, "lines": len(times), "maxMs": times[worst],
                    "worstLine": worst, "totalMs": sum(times)})
    return {"filters": out, "loadavg": os.getloadavg()}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["rate", "lines"])
    parser.add_argument("--conf", required=True)
    parser.add_argument("--tz", default="UTC")
    parser.add_argument("--log")
    parser.add_argument("--chunk", type=int, default=50000)
    parser.add_argument("--lines")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("specs", nargs="+")
    args = parser.parse_args()
    result = rate(args) if args.command == "rate" else lines(args)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
