"""`make dev`: the whole platform on one machine.

    python -m local.run [--host 127.0.0.1] [--port 8000] [--data-dir .local] [--reset]
                        [--no-browser-build] [--workers N]

Starts the DynamoDB endpoint (`local.ddb`, port + 1), creates and seeds the table when needed,
sets the dev clock to the opening of round 1 on a first run, builds the static site and serves
site + API on one port. Ctrl-C stops everything, the DynamoDB subprocess included.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
from collections import defaultdict
from pathlib import Path
from types import FrameType

from local.ratelimit import deployment_limits
from local.stack import (
    R1_OPEN,
    REPO,
    ChildWatch,
    DdbProcess,
    Ticker,
    build_site,
    configure_environment,
    configure_workers,
    ensure_table,
    init_clock,
    seed_if_empty,
    start_mailbox,
)

PER_ROLE_SHOWN = 3


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m local.run", description="本地运行完整平台")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    p.add_argument("--data-dir", default=".local", help="DynamoDB journal, clock and keys")
    p.add_argument("--site-dir", default="build/site", help="where the static site is built")
    p.add_argument("--reset", action="store_true", help="wipe the data dir first")
    p.add_argument(
        "--no-browser-build",
        "--no-build",
        dest="build",
        action="store_false",
        help="serve the site already in --site-dir instead of rebuilding it",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help="handler worker processes per function (0: in this process; default 2)",
    )
    return p.parse_args(argv)


def _wipe(data_dir: Path) -> None:
    """Remove the data dir, refusing anything that could be the repository or above it."""
    target = data_dir.resolve()
    if target == Path(target.anchor) or target in (REPO, *REPO.parents, Path.home()):
        raise SystemExit(f"refusing to delete {target}")
    if Path.cwd().resolve().is_relative_to(target):
        raise SystemExit(f"refusing to delete {target}: it contains the working directory")
    if target.exists():
        shutil.rmtree(target)


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _print_accounts() -> None:
    from local.demo import demo_accounts
    from schemas.people import ROLE_NAMES, Role

    by_role = defaultdict(list)
    for u in demo_accounts():
        by_role[u.role].append(u)
    print('演示账号（在站点的登录页选择，或 POST /api/dev/login {"user_id": ...}）：')
    for role in Role:
        users = sorted(by_role.get(role, []), key=lambda u: u.user_id)
        if not users:
            continue
        shown = "，".join(f"{u.user_id}（{u.name}）" for u in users[:PER_ROLE_SHOWN])
        more = f" 等 {len(users)} 个" if len(users) > PER_ROLE_SHOWN else ""
        print(f"  {ROLE_NAMES[role]}：{shown}{more}")


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    data_dir = Path(args.data_dir)
    site_dir = Path(args.site_dir)
    if args.reset:
        _wipe(data_dir)
        print(f"已清空 {data_dir}")
    data_dir.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, _on_sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with it ignored

    from functions.common.settings import settings
    from local.gateway import default_invoker, serve

    table_name = settings().table_name
    ddb = DdbProcess(args.port + 1, data_dir / "ddb", host="127.0.0.1", echo=sys.stderr)
    gateway = None
    mailbox = None
    ticker = None
    watch = None
    died: list[str] = []
    try:
        ddb_url = ddb.wait_ready()
        configure_environment(ddb_url, table_name)
        configure_workers(args.port)
        # Metrics are CloudWatch's embedded-format JSON lines: on a developer's console they
        # only bury the request log (the handlers' own logs still show).
        os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
        mailbox = start_mailbox(data_dir)
        if ensure_table(table_name):
            print(f"已创建数据表 {table_name}")
        if seed_if_empty(table_name):
            print("已写入演示数据")
        if init_clock(data_dir, R1_OPEN):
            print(
                f"平台时钟已设为 {R1_OPEN.isoformat()}（第一轮选课开放），可在 /api/dev/clock 调整"
            )
        term = settings().term
        os.environ["ZJT_SITE_DIR"] = str(site_dir.resolve())  # the site worker publishes here
        if args.build:
            print(f"正在构建站点 {site_dir} …")
            build_site(site_dir, term)
        gateway = serve(
            site_dir,
            data_dir,
            host=args.host,
            port=args.port,
            background=False,
            invoker=default_invoker(args.workers),
            rate_limits=deployment_limits(),
        )
        # The dashboard's statistics: the schedule of a deployment, here once a minute.
        gateway.app.run_stats_every(float(os.environ.get("ZJT_LOCAL_STATS_SECONDS", "60")))
        ticker = Ticker(args.port).start()

        server = gateway.server

        def _child_died(name: str, code: int) -> None:
            how = f"被信号 {signal.Signals(-code).name} 终止" if code < 0 else f"退出码 {code}"
            died.append(f"{name} 已意外退出（{how}），平台无法继续运行，已停止。")
            server.shutdown()  # serve_forever below returns

        watch = ChildWatch({"本地 DynamoDB 服务（local.ddb）": ddb.proc}, _child_died).start()
        print()
        print(f"平台已启动：{gateway.url}/")
        print(f"开发邮箱（SMTP {mailbox.host}:{mailbox.port}）：{gateway.url}/operator/mailbox/")
        print(f"DynamoDB：{ddb_url}    平台时钟：{gateway.app.clock.to_json()['now']}")
        _print_accounts()
        print("重置全部数据（数据表、时钟、密钥）：make reset，或 python -m local.run --reset")
        print("按 Ctrl-C 停止")
        sys.stdout.flush()
        gateway.server.serve_forever(poll_interval=0.2)  # returns on Ctrl-C / SIGTERM / a death
        if not died:
            print("\n正在停止…")
    except KeyboardInterrupt:
        print("\n正在停止…")
    finally:
        if watch is not None:
            watch.stop()
        if ticker is not None:
            ticker.stop()
        if mailbox is not None:
            mailbox.stop()
        if gateway is not None:
            gateway.server.server_close()
            gateway.app.invoker.close()
            gateway.app.close()
        ddb.stop()
    if died:
        print(
            f"\n{died[0]}\n可再次运行 make dev 重新启动（数据保存在 {data_dir}）。", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
