"""A local standalone Spark cluster (one master + N workers on loopback) from the pyspark wheel.

    python -m plateledger.scale.cluster up [--dir D] [--port 7077] [--webui-port 8080]
    python -m plateledger.scale.cluster status|down [--dir D]

No Spark download: the wheel ships ``bin/spark-class`` and the jars. Each daemon is started with
``SPARK_LOCAL_IP=127.0.0.1`` in its own session; its pid, log and the cluster's state file live
under the state directory (default ``$PLATELEDGER_DATA/spark-cluster``), so ``down`` stops
exactly the processes ``up`` started. ``up`` returns once the master's JSON endpoint reports
every worker ALIVE. Sizing fits a 2-core, 24 GiB machine: 2 workers x 1 core x 6 GiB, 512 MiB
per daemon, leaving room for the driver, DuckDB and the OS.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from plateledger.errors import PlateledgerError

HOST = "127.0.0.1"
MASTER_CLASS = "org.apache.spark.deploy.master.Master"
WORKER_CLASS = "org.apache.spark.deploy.worker.Worker"
STATE_FILE = "cluster.json"


class ClusterError(PlateledgerError):
    """The local Spark cluster could not be started, reached or stopped."""

    code = "spark_cluster"
    status = 503


@dataclass(frozen=True, slots=True)
class ClusterSpec:
    state_dir: Path
    port: int = 7077
    webui_port: int = 8080
    workers: int = 2
    worker_cores: int = 1
    worker_memory: str = "6g"
    daemon_memory: str = "512m"


@dataclass(frozen=True, slots=True)
class ClusterState:
    master_url: str
    ui_url: str
    state_dir: str
    pids: dict[str, int] = field(default_factory=dict)
    java_home: str = ""

    def save(self) -> None:
        (Path(self.state_dir) / STATE_FILE).write_text(json.dumps(asdict(self), indent=2))

    @classmethod
    def load(cls, state_dir: Path) -> ClusterState | None:
        path = state_dir / STATE_FILE
        if not path.exists():
            return None
        try:
            return cls(**json.loads(path.read_text()))
        except (ValueError, TypeError) as exc:
            raise ClusterError(f"{path}: unreadable cluster state ({exc})") from None


def default_state_dir() -> Path:
    return Path(os.environ.get("PLATELEDGER_DATA", "plateledger-data")) / "spark-cluster"


def find_java(jvm_dirs: Path = Path("/usr/lib/jvm")) -> Path:
    """JAVA_HOME if it holds bin/java, else the `java` on PATH, else ``jvm_dirs``/*."""
    candidates: list[Path] = []
    if os.environ.get("JAVA_HOME"):
        candidates.append(Path(os.environ["JAVA_HOME"]))
    on_path = shutil.which("java")
    if on_path:
        candidates.append(Path(on_path).resolve().parent.parent)
    candidates.extend(sorted(jvm_dirs.glob("*"), reverse=True))
    for home in candidates:
        if (home / "bin" / "java").is_file():
            return home
    raise ClusterError(
        "Java 17 or newer is required to run Spark and none was found: install it "
        "(e.g. `apt-get install openjdk-17-jre-headless`) or set JAVA_HOME"
    )


def spark_home() -> Path:
    try:
        import pyspark
    except ImportError:
        raise ClusterError(
            "pyspark is not installed: pip install -e '.[spark]'"
        ) from None  # fmt: skip
    home = Path(pyspark.__file__).parent
    if not (home / "bin" / "spark-class").is_file():
        raise ClusterError(f"{home}: this pyspark install has no bin/spark-class")
    return home


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


def alive_workers(ui_url: str, timeout: float = 2.0) -> int | None:
    """Alive workers as the master's JSON endpoint reports them; None if it does not answer."""
    try:
        with urllib.request.urlopen(f"{ui_url}/json/", timeout=timeout) as resp:  # noqa: S310
            info = json.loads(resp.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None
    workers = info.get("workers", [])
    return sum(1 for w in workers if w.get("state") == "ALIVE")


def _pid_alive(pid: int) -> bool:
    """True while ``pid`` is a live Spark daemon (not exited, not a recycled pid)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    if stat.rsplit(")", 1)[-1].split()[0] in {"Z", "X"}:
        return False
    return not cmdline or b"spark" in cmdline  # empty for an instant while bash execs java


def _spawn(name: str, args: list[str], spec: ClusterSpec, env: dict[str, str]) -> int:
    home = spark_home()
    log_path = spec.state_dir / "logs" / f"{name}.log"
    with log_path.open("ab") as out:
        proc = subprocess.Popen(  # noqa: S603 - fixed executable from the pyspark wheel
            [str(home / "bin" / "spark-class"), *args],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=env, cwd=spec.state_dir, start_new_session=True,
        )  # fmt: skip
    (spec.state_dir / f"{name}.pid").write_text(str(proc.pid))
    return proc.pid


def _env(spec: ClusterSpec, java_home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        JAVA_HOME=str(java_home),
        SPARK_HOME=str(spark_home()),
        SPARK_LOCAL_IP=HOST,
        SPARK_LOG_DIR=str(spec.state_dir / "logs"),
        SPARK_WORKER_DIR=str(spec.state_dir / "work"),
        SPARK_DAEMON_MEMORY=spec.daemon_memory,
        SPARK_NO_DAEMONIZE="1",
    )
    return env


def up(spec: ClusterSpec, timeout: float = 120.0) -> ClusterState:
    """Start the master and workers; return when every worker is ALIVE at the master."""
    existing = ClusterState.load(spec.state_dir)
    if existing is not None and any(_pid_alive(p) for p in existing.pids.values()):
        raise ClusterError(
            f"a cluster is already running from {spec.state_dir} ({existing.master_url}); "
            "run `down` first"
        )
    java_home = find_java()
    for port, what in ((spec.port, "master"), (spec.webui_port, "master web UI")):
        if not port_free(port):
            raise ClusterError(
                f"port {port} ({what}) on {HOST} is already in use (another Spark cluster?); "
                "stop it or choose another port"
            )
    (spec.state_dir / "logs").mkdir(parents=True, exist_ok=True)
    (spec.state_dir / "work").mkdir(parents=True, exist_ok=True)
    env = _env(spec, java_home)
    master_url = f"spark://{HOST}:{spec.port}"
    ui_url = f"http://{HOST}:{spec.webui_port}"
    master_args = [MASTER_CLASS, "--host", HOST, "--port", str(spec.port),
                   "--webui-port", str(spec.webui_port)]  # fmt: skip
    pids = {"master": _spawn("master", master_args, spec, env)}
    state = ClusterState(master_url, ui_url, str(spec.state_dir), pids, str(java_home))
    state.save()
    _wait(state, spec, lambda n: n is not None, timeout, "the master to answer")
    for i in range(1, spec.workers + 1):
        args = [WORKER_CLASS, "--host", HOST, "--cores", str(spec.worker_cores),
                "--memory", spec.worker_memory, "--webui-port", str(spec.webui_port + i),
                "--work-dir", str(spec.state_dir / "work"), master_url]  # fmt: skip
        pids[f"worker-{i}"] = _spawn(f"worker-{i}", args, spec, env)
    state.save()
    _wait(state, spec, lambda n: n is not None and n >= spec.workers, timeout, "workers")
    return state


def _wait(
    state: ClusterState,
    spec: ClusterSpec,
    done: Callable[[int | None], bool],
    timeout: float,
    what: str,
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if done(alive_workers(state.ui_url)):
            return
        dead = [name for name, pid in state.pids.items() if not _pid_alive(pid)]
        if dead:
            down(spec.state_dir)
            raise ClusterError(
                f"Spark {', '.join(dead)} exited while waiting for {what}; "
                f"last log lines:\n{_tail(spec.state_dir / 'logs' / f'{dead[0]}.log')}"
            )
        time.sleep(0.5)
    down(spec.state_dir)
    raise ClusterError(
        f"timed out after {timeout:.0f} s waiting for {what}; logs in {spec.state_dir}"
    )


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def down(state_dir: Path, timeout: float = 20.0) -> list[str]:
    """Stop the daemons recorded in ``state_dir`` (workers first); returns the names stopped."""
    state = ClusterState.load(state_dir)
    if state is None:
        return []
    order = sorted(state.pids, key=lambda n: n == "master")  # workers, then the master
    stopped = []
    for name in order:
        pid = state.pids[name]
        if _pid_alive(pid):
            os.kill(pid, signal.SIGTERM)
            stopped.append(name)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(_pid_alive(state.pids[n]) for n in stopped):
        time.sleep(0.2)
    for name in stopped:
        if _pid_alive(state.pids[name]):
            os.kill(state.pids[name], signal.SIGKILL)
    for name in state.pids:
        (state_dir / f"{name}.pid").unlink(missing_ok=True)
    (state_dir / STATE_FILE).unlink(missing_ok=True)
    return stopped


def status(state_dir: Path) -> dict[str, object]:
    state = ClusterState.load(state_dir)
    if state is None:
        return {"running": False, "state_dir": str(state_dir)}
    return {
        "running": any(_pid_alive(p) for p in state.pids.values()),
        "master_url": state.master_url,
        "ui_url": state.ui_url,
        "alive_workers": alive_workers(state.ui_url),
        "processes": {n: {"pid": p, "alive": _pid_alive(p)} for n, p in state.pids.items()},
        "state_dir": str(state_dir),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m plateledger.scale.cluster")
    parser.add_argument("action", choices=["up", "down", "status"])
    parser.add_argument("--dir", type=Path, default=None, help="state directory")
    parser.add_argument("--port", type=int, default=7077)
    parser.add_argument("--webui-port", type=int, default=8080)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-memory", default="6g")
    args = parser.parse_args(argv)
    state_dir = (args.dir or default_state_dir()).resolve()
    try:
        if args.action == "up":
            started = time.monotonic()
            spec = ClusterSpec(state_dir, args.port, args.webui_port, args.workers,
                               worker_memory=args.worker_memory)  # fmt: skip
            state = up(spec)
            took = time.monotonic() - started
            print(
                f"Spark master {state.master_url} with {args.workers} workers ready in "
                f"{took:.1f} s (UI {state.ui_url}, logs {state_dir})"
            )
        elif args.action == "down":
            stopped = down(state_dir)
            print(f"stopped: {', '.join(stopped)}" if stopped else "no cluster running")
        else:
            print(json.dumps(status(state_dir), indent=2))
    except ClusterError as exc:
        print(f"error ({exc.code}): {exc.message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
