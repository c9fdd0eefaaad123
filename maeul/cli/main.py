"""The ``maeul`` command: serve, demo, database, tenants, users, devices, districts, simulate, bench."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import orjson
import typer

from maeul import __version__
from maeul.adapters.sql import districts as district_repo
from maeul.adapters.sql.migrate import current_revision, head_revision, upgrade
from maeul.adapters.sql.retention import apply_retention
from maeul.cli import bench, demo, devices, simulate, users
from maeul.cli.common import console, fail, open_platform, resolve_tenant, settings_or_exit
from maeul.core.districts import parse_feature_collection
from maeul.platform.clock import now_ms
from maeul.platform.logs import configure_logging
from maeul.services.registry import installed_services

app = typer.Typer(
    help="Maeul (마을): IoT and civic-services platform for local governments / 지자체 IoT 공통 플랫폼",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema and retention / 데이터베이스", no_args_is_help=True)
districts_app = typer.Typer(help="Administrative districts / 행정구역(읍면동)", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(devices.app, name="devices")
app.add_typer(users.users_app, name="users")
app.add_typer(users.tenants_app, name="tenants")
app.add_typer(districts_app, name="districts")
for _service in installed_services():
    if _service.cli is not None:
        app.add_typer(_service.cli(), name=_service.name, help=f"{_service.title_ko} / {_service.title_en}")


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit")] = False,
) -> None:
    if version:
        typer.echo(__version__)
        raise typer.Exit()


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (MAEUL_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (MAEUL_PORT)")] = None,
    ingest_workers: Annotated[
        int | None,
        typer.Option(min=0, max=64, help="MQTT receiver processes beside the writer (MAEUL_INGEST_WORKERS)"),
    ] = None,
) -> None:
    """Run the platform: REST API, ingestion (HTTP and, with MAEUL_MQTT_URL, MQTT)."""
    import uvicorn

    from maeul.adapters.http.app import create_app
    from maeul.platform.app import Platform
    from maeul.platform.gc_tuning import tune_for_ingest

    settings = settings_or_exit(host=host, port=port, ingest_workers=ingest_workers)
    configure_logging(settings.log_level, settings.log_json)
    platform = Platform.create(settings)
    platform.provision_broker()
    web = create_app(platform)
    tune_for_ingest()  # after start-up: what exists now lives as long as the process
    uvicorn.run(web, host=settings.host, port=settings.port, log_config=None, proxy_headers=False)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema to the newest version."""
    with open_platform() as platform:
        upgrade(platform.engine)
        console.print(f"schema at revision {current_revision(platform.engine)} / 스키마 최신")


@db_app.command("status")
def db_status() -> None:
    with open_platform(settings_or_exit()) as platform:
        console.print(f"current {current_revision(platform.engine)}, newest {head_revision()}")


@db_app.command("retention")
def db_retention() -> None:
    """Apply retention now (drop expired partitions on PostgreSQL; delete old rows on SQLite)."""
    with open_platform() as platform:
        removed = apply_retention(platform.engine, platform.partitions, now_ms())
    unit = "partitions" if platform.partitions else "rows"
    console.print(f"removed {removed} expired {unit} / 보존 기간이 지난 자료 삭제")


@districts_app.command("import")
def districts_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="GeoJSON FeatureCollection")],
    tenant: Annotated[str | None, typer.Option("--tenant", "-t")] = None,
) -> None:
    """Replace the tenant's districts with a GeoJSON file (properties code, name, name_eng or name_en)."""
    try:
        document = orjson.loads(file.read_bytes())
    except orjson.JSONDecodeError as exc:
        fail(f"{file}: not valid JSON: {exc}")
    items, errors = parse_feature_collection(document)
    if errors:
        for error in errors:
            console.print(f"[red]{file.name}:[/] {error}")
        fail(f"{len(errors)} problem(s); nothing was imported / 아무것도 가져오지 않았습니다")
    with open_platform() as platform:
        tenant_id = resolve_tenant(platform, tenant)
        with platform.engine.begin() as conn:
            count = district_repo.replace_districts(conn, tenant_id, items)
    console.print(f"imported {count} districts / 행정구역 {count}개를 가져왔습니다")


app.command()(demo.demo)

simulate.register(app)
bench.register(app)
