#!/usr/bin/env python3
"""Rechecks a run's data-loss verdict from its exported files alone, without the harness.

Usage: recheck_history.py RUN_DIR   (a reports/<run>/ folder written with --export)

Reads history.csv (one line per write: id,key,value,intended_ms,reply_ms,outcome), readback.csv (key,value after
convergence; empty = absent) and, from report.json, only the time the fault took effect. Prints one JSON object:
  acknowledged  writes whose outcome is ok
  lost          acknowledged writes whose key does not hold their value after convergence
  split_brain   lost writes acknowledged after the fault took effect
  indeterminate failed or timed-out writes whose value is present anyway
  duplicated    writes whose key holds their value more than once (writes are APPENDs: one applied twice shows twice)
  rpo_ms        fault time minus the earliest acknowledgement among lost writes acknowledged before it (null if none)
"""
import csv
import json
import os
import sys


def main(run_dir):
    with open(os.path.join(run_dir, "report.json")) as f:
        fault_ms = json.load(f)["phases"]["fault"]["fromMs"]
    with open(os.path.join(run_dir, "readback.csv"), newline="") as f:
        final = {row["key"]: row["value"] for row in csv.DictReader(f)}
    acknowledged = lost = split_brain = indeterminate = duplicated = 0
    earliest_lost_ack = None
    with open(os.path.join(run_dir, "history.csv"), newline="") as f:
        for row in csv.DictReader(f):
            held, value = final.get(row["key"], ""), row["value"]
            times = len(held) // len(value) if held and len(held) % len(value) == 0 and held == value * (len(held) // len(value)) else 0
            present = times > 0
            if times > 1:
                duplicated += 1
            if row["outcome"] == "ok":
                acknowledged += 1
                if not present:
                    lost += 1
                    ack = float(row["reply_ms"])
                    if fault_ms is not None and ack > fault_ms:
                        split_brain += 1
                    elif earliest_lost_ack is None or ack < earliest_lost_ack:
                        earliest_lost_ack = ack
            elif present:
                indeterminate += 1
    rpo = None if fault_ms is None or earliest_lost_ack is None else max(0.0, fault_ms - earliest_lost_ack)
    print(json.dumps({"acknowledged": acknowledged, "lost": lost, "split_brain": split_brain, "indeterminate": indeterminate, "duplicated": duplicated, "rpo_ms": rpo}))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
