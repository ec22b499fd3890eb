"""Writes bench/WATCHING.md from the figures bench/watching.sh gathered (the simulator's /_watch/stats answers)."""
import datetime
import json
import os
import platform
import statistics
import sys

work, out = sys.argv[1], sys.argv[2]
(latency, watched, poll, max_check, scaled_watched, scaled_poll, scaled_max, instance_jobs, ending, side_by_side,
 slow_bytes, slow_rate) = map(int, sys.argv[3:15])


def load(name):
    return json.load(open(os.path.join(work, name + ".json")))


def calls(stats):
    return stats["statusCalls"] + stats["listings"]


def crowd_rows(name, jobs, poll_ms, max_ms):
    steady, ended = load(name + "-steady"), load(name + "-ended")
    delays = ended["harvestDelayMillis"]
    per_second = calls(steady) / steady["seconds"]
    return (f"| {name} | {jobs:,} | {poll_ms / 1000:g} s | {max_ms / 1000:g} s | {steady['statusCalls']:,} |"
            f" {steady['listings']:,} | {steady['seconds']:.0f} s | **{per_second:.1f}** |"
            f" {statistics.median(delays) / 1000:.1f} s | {max(delays) / 1000:.1f} s"
            f" ({max(delays) / poll_ms:.2f} poll delays) |")


lines = ["# Watching many jobs: what the platform pays", "",
         f"Measured by `bench/watching.sh` on {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC: {os.cpu_count()} cores,"
         f" {platform.platform()}. Every API call of the simulator waits {latency} ms before it is answered, as a"
         " distant platform's would.", "",
         "## A crowd of waiting jobs, one daemon", "",
         f"The jobs wait; the calls the platform receives are counted once the daemon has settled; then {ending} of them"
         " end, and the delay from each one's end to the first request for its outputs (its harvest starting) is"
         " timed.", "",
         "| platform | jobs watched | poll delay | maxCheckInterval | status calls | listing calls | counted over |"
         " calls per second | delay to harvest, median | worst |",
         "|---|---|---|---|---|---|---|---|---|---|",
         crowd_rows("archetype", watched, poll, max_check),
         crowd_rows("tensorpool", scaled_watched, scaled_poll, scaled_max), ""]
lines += [f"Archetype AI runs at the shipped settings: its job list gives every job's state, {100} jobs a page, so one"
          " listing per poll answers for all of them and a job is asked on its own only when the listing shows it"
          " changed. TensorPool has no such list: each job is asked on its own, and a job whose state does not change"
          " is asked less and less often, its pause doubling from the poll delay up to `maxCheckInterval`. Its steady"
          " state is reached only after the longest pause, so it runs on a clock scaled down tenfold: jobs ÷"
          f" `maxCheckInterval` is the same as 10,000 jobs at the shipped 600 s, and so is the rate of calls."
          " The price is the delay: a job's end is seen within its pause, at most `maxCheckInterval` stretched by a"
          " quarter, not within two polls. Each row is one run.", ""]
side = load("side")
lines += ["## Jobs side by side", "",
          f"One job with one large file served slowly ({slow_bytes / 1e6:g} MB at {slow_rate / 1e6:g} MB/s) is being"
          f" harvested when {side_by_side} small jobs end together (poll delay 1 s):", "",
          "| | time from the small jobs' end |", "|---|---|",
          f"| the {side_by_side} small jobs' manifests, all in | {side['small'] / 1000:.1f} s |",
          f"| the large job's manifest | {side['large'] / 1000:.1f} s |", "",
          "The large job was still downloading when every small one was in: "
          + ("yes." if side["largePendingWhenSmallDone"] == "yes" else "no (it finished first; see the sizes)."), ""]
rows = [load(f"instances-{n}") for n in (1, 2, 3)]
base = calls(rows[0]) / rows[0]["seconds"]
lines += ["## The same crowd, 1, 2 and 3 instances sharing one PostgreSQL ledger", "",
          f"{instance_jobs} waiting TensorPool jobs, poll delay {scaled_poll / 1000:g} s, maxCheckInterval"
          f" {scaled_max / 1000:g} s; every instance is told every job. The calls counted once the instances settled.",
          "", "| instances | status calls | counted over | calls per second | per job per minute | × one instance |",
          "|---|---|---|---|---|---|"]
for n, stats in zip((1, 2, 3), rows):
    rate = calls(stats) / stats["seconds"]
    lines.append(f"| {n} | {stats['statusCalls']:,} | {stats['seconds']:.0f} s | {rate:.2f} |"
                 f" {rate * 60 / instance_jobs:.2f} | **{rate / base:.2f}×** |")
lines += ["", "The instances share one schedule in the ledger's database: a due job is handed to one instance (`FOR UPDATE"
          " SKIP LOCKED`), which asks and writes when the job is due next; the others are not handed it meanwhile."
          " One run per row, so read the ratios as ±10 % or so: the jobs' pauses fall unevenly into a two-minute"
          " window (which is how 2 instances can count fewer calls than 1). Instances that each asked every job would"
          " send about N× the calls of one."]
os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
open(out, "w").write("\n".join(lines) + "\n")
