"""A Spark standalone cluster on 127.0.0.1 for the tests: one master and two workers, each a
JVM of its own started with pyspark's `bin/spark-class`, on free ports and with little memory.

Each process is started in a process group of its own, so that a worker and the executors it
launches (its children) are stopped, or killed as a machine dies, together; `stop()` ends
every group this module started and nothing else.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

START_TIMEOUT = 240  # seconds: JVMs on a busy machine
STOP_TIMEOUT = 30

#: Per worker: one core and the memory of one small executor (the machine is shared).
WORKER_CORES = 1
WORKER_MEMORY = "1g"
DAEMON_MEMORY = "256m"  # the master's and the workers' own JVMs
#: What an application on this cluster asks for: one executor per worker.
APP_SETTINGS = (
    "spark.executor.memory=512m",
    "spark.executor.cores=1",
    "spark.cores.max=2",
    # The executors connect back to the driver (this process): on loopback, as the cluster.
    "spark.driver.host=127.0.0.1",
    "spark.driver.bindAddress=127.0.0.1",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent


class ClusterError(RuntimeError):
    pass


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path

    def alive(self) -> bool:
        return self.popen.poll() is None

    def signal_group(self, sig: int) -> None:
        with suppress(ProcessLookupError):
            os.killpg(self.popen.pid, sig)  # the group this module started, nothing else

    def tail(self, chars: int = 1500) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


@dataclass
class Cluster:
    folder: Path
    master_port: int = field(default_factory=free_port)
    ui_port: int = field(default_factory=free_port)
    master: Process | None = None
    workers: list[Process] = field(default_factory=list)
    #: Workers killed by kill_worker (their groups are still ended by stop()).
    killed: list[Process] = field(default_factory=list)

    @property
    def master_url(self) -> str:
        return f"spark://127.0.0.1:{self.master_port}"

    def _env(self) -> dict[str, str]:
        conf = self.folder / "conf"  # empty: no spark-defaults or spark-env from elsewhere
        conf.mkdir(exist_ok=True)
        return {
            **os.environ,
            "SPARK_HOME": str(spark_home()),
            "SPARK_CONF_DIR": str(conf),
            "SPARK_LOCAL_IP": "127.0.0.1",
            "SPARK_DAEMON_MEMORY": DAEMON_MEMORY,
            "SPARK_LOG_DIR": str(self.folder / "logs"),
        }

    def _start(self, name: str, args: list[str]) -> Process:
        log = self.folder / f"{name}.log"
        command = ["bash", str(spark_home() / "bin" / "spark-class"), *args]
        with open(log, "wb") as out:
            popen = subprocess.Popen(
                command, env=self._env(), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        return Process(name, popen, log)

    def start(self, workers: int = 2) -> Cluster:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.master = self._start(
            "master",
            ["org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
             "--port", str(self.master_port), "--webui-port", str(self.ui_port)],
        )  # fmt: skip
        for i in range(1, workers + 1):
            self.start_worker(i)
        self.wait_for_workers(workers)
        return self

    def start_worker(self, i: int | None = None) -> Process:
        i = i or len(self.workers) + len(self.killed) + 1
        work = self.folder / f"worker{i}"
        work.mkdir(exist_ok=True)
        worker = self._start(
            f"worker{i}",
            ["org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
             "--webui-port", str(free_port()), "--cores", str(WORKER_CORES), "--memory", WORKER_MEMORY,
             "--work-dir", str(work), self.master_url],
        )  # fmt: skip
        self.workers.append(worker)
        return worker

    def state(self) -> dict:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.ui_port}/json/", timeout=5) as reply:
            return json.load(reply)

    def alive_workers(self) -> int:
        try:
            return int(self.state().get("aliveworkers", 0))
        except (OSError, ValueError):
            return 0

    def wait_for_workers(self, count: int, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while self.alive_workers() < count:
            dead = [p for p in [self.master, *self.workers] if p is not None and not p.alive()]
            if dead or time.monotonic() > deadline:
                logs = "\n".join(f"--- {p.name} ---\n{p.tail()}" for p in [self.master, *self.workers] if p)
                why = f"{dead[0].name} exited" if dead else f"not ready in {timeout:.0f} s"
                raise ClusterError(f"the Spark cluster did not start ({why}):\n{logs}")
            time.sleep(0.5)

    def executor_pids(self, worker: Process) -> list[int]:
        """The executor JVMs a worker launched (in its process group), alive."""
        out = subprocess.run(
            ["ps", "-ww", "-e", "-o", "pid=,pgid=,stat=,args="], capture_output=True, text=True
        )
        pids = []
        for line in out.stdout.splitlines():
            pid, pgid, stat, args = line.split(None, 3)
            if int(pgid) == worker.popen.pid and not stat.startswith("Z") and "ExecutorBackend" in args:
                pids.append(int(pid))
        return pids

    def wait_for_executors(self, timeout: float = START_TIMEOUT) -> None:
        """Until every worker runs an executor of the application (one is asked for per core)."""
        deadline = time.monotonic() + timeout
        while not all(self.executor_pids(worker) for worker in self.workers):
            if time.monotonic() > deadline:
                raise ClusterError(f"not every worker runs an executor after {timeout:.0f} s")
            time.sleep(0.5)

    def kill_worker(self, worker: Process) -> None:
        """SIGKILL a worker and its executors at once: a machine of the cluster dying."""
        worker.signal_group(signal.SIGKILL)
        worker.popen.wait(timeout=STOP_TIMEOUT)
        self.workers.remove(worker)
        self.killed.append(worker)

    def stop(self) -> None:
        """Stop the workers (with their executors), then the master; SIGKILL what lingers."""
        processes = [*self.workers, *self.killed, *([self.master] if self.master else [])]
        for process in processes:
            process.signal_group(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for process in processes:
            with suppress(subprocess.TimeoutExpired):
                process.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
            # The whole group, also when its leader is gone: an executor outliving its worker.
            process.signal_group(signal.SIGKILL)
            with suppress(subprocess.TimeoutExpired):
                process.popen.wait(timeout=STOP_TIMEOUT)


def cluster_warehouse_url(cluster: Cluster, extra: str = "") -> str:
    from spark_testing import TEST_SETTINGS

    query = "&".join([TEST_SETTINGS, *APP_SETTINGS, *([extra] if extra else [])])
    return f"{cluster.master_url}?{query}"


@contextmanager
def driver_on(url: str, project_root: Path):
    """This process's Spark driver on `url` for the block (a JVM holds one SparkContext): the
    active session is stopped, one for `url` opened (warehouses reuse it), and on the way out
    the local session of conftest.spark_url is back if it was running."""
    from cxspec_spark.session import open_session
    from cxspec_spark.settings import parse_url
    from pyspark.sql import SparkSession
    from spark_testing import REPO, local_session_urls

    active = SparkSession.getActiveSession()
    if active is not None:
        active.stop()
    try:
        session, _ = open_session(parse_url(url, project_root))
        try:
            yield session
        finally:
            session.stop()
    finally:
        if local_session_urls:
            open_session(parse_url(local_session_urls[-1], REPO))


def running_tasks(session) -> int:
    """Tasks running on executors now (the driver's own entry counts none)."""
    tracker = session.sparkContext._jsc.sc().statusTracker()
    return sum(info.numRunningTasks() for info in tracker.getExecutorInfos())
