"""Put dead-lettered emails back into the outbox once their cause is fixed (an operator's tool,
run with the deployment's credentials and ZJT_TABLE_NAME):

    python -m functions.notify.redrive          # list the dead letters
    python -m functions.notify.redrive --all    # put every one back; the next send run sends them
"""

from __future__ import annotations

import argparse

from functions.common import clock
from functions.notify import store


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m functions.notify.redrive")
    p.add_argument("--all", action="store_true", help="redrive every dead letter listed")
    args = p.parse_args(argv)
    dead = store.dead_letters(limit=1000)
    for d in dead:
        print(f"{d['at']}  {d['party']}  {d['msg_id']}  attempts={d['attempts']}  {d['error']}")
    if args.all:
        now = clock.now()
        for d in dead:
            store.redrive(d, now)
        print(f"redriven: {len(dead)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
