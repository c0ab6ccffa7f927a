"""What a Spark warehouse URL asks for.

    spark://local[N]            a local session (local[*]: every core)
    spark://HOST:PORT           a standalone Spark cluster's master
    sc://HOST:PORT              a Spark Connect server

Query parameters: `results=FOLDER` (local sessions: where the result tables' files live,
relative to the project; default `spark-warehouse`), `database=NAME` (where the result tables
are created when the catalog keeps them), and any `spark.*=VALUE` as a session setting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl

from cxspec import WarehouseError

#: Settings every session gets: small and quiet, and times in UTC like every cxspec warehouse.
SESSION_DEFAULTS = {
    "spark.ui.enabled": "false",
    "spark.sql.shuffle.partitions": "4",
    "spark.sql.session.timeZone": "UTC",
    "spark.driver.memory": "1g",
}
DEFAULT_RESULTS_FOLDER = "spark-warehouse"


@dataclass(frozen=True)
class SparkSettings:
    #: `local[2]`, `spark://host:7077`, or None for Spark Connect.
    master: str | None
    #: `sc://host:port` for Spark Connect, else None.
    remote: str | None
    #: Local sessions: the folder of the result tables (absolute).
    results_folder: Path | None
    database: str | None
    conf: dict[str, str] = field(default_factory=dict)

    @property
    def local(self) -> bool:
        return self.master is not None and self.master.startswith("local")


def parse_url(url: str, project_root: Path) -> SparkSettings:
    scheme, _, rest = url.partition("://")
    address, _, query = rest.partition("?")
    address = address.rstrip("/")
    if not address:
        raise WarehouseError(f"{url!r} names no Spark master: use spark://local[2] or sc://host:port")
    params: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=True, strict_parsing=False):
        if key not in ("results", "database") and not key.startswith("spark."):
            raise WarehouseError(
                f"unknown parameter {key!r} in {url!r}: use results=, database= or spark.*= settings"
            )
        params[key] = value
    conf = {**SESSION_DEFAULTS, **{k: v for k, v in params.items() if k.startswith("spark.")}}
    scheme = scheme.lower()
    if scheme == "sc":
        return SparkSettings(None, f"sc://{address}", None, params.get("database"), conf)
    master = address if address.startswith("local") else f"spark://{address}"
    folder = None
    if master.startswith("local"):
        folder = Path(params.get("results") or DEFAULT_RESULTS_FOLDER)
        folder = (folder if folder.is_absolute() else project_root / folder).resolve()
    return SparkSettings(master, None, folder, params.get("database"), conf)
