"""``maeul complaints ...``: the Open311 jurisdiction, client keys and default categories of a tenant."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress

from maeul.cli.common import console, open_platform, print_json, resolve_tenant
from maeul.services.complaints import config_repo
from maeul.services.complaints.setup import seed_categories

TenantOption = Annotated[str | None, typer.Option("--tenant", help="Tenant id (default: the only one)")]


def cli() -> typer.Typer:
    app = typer.Typer(help="Civic complaints and Open311 / 민원과 Open311", no_args_is_help=True)

    @app.command("seed")
    def seed(tenant: TenantOption = None) -> None:
        """Add the default categories and their departments / 기본 민원 유형과 담당 부서 추가."""
        with open_platform() as platform:
            tenant_id = resolve_tenant(platform, tenant)
            with platform.engine.begin() as conn:
                added = seed_categories(conn, tenant_id)
        console.print(f"{added} categories added / 민원 유형 {added}개 추가 ({tenant_id})")

    @app.command("jurisdiction")
    def jurisdiction(jurisdiction_id: str, tenant: TenantOption = None) -> None:
        """Set the tenant's Open311 jurisdiction_id / Open311 jurisdiction_id 지정."""
        with open_platform() as platform:
            tenant_id = resolve_tenant(platform, tenant)
            with platform.engine.begin() as conn:
                current = config_repo.get_settings(conn, tenant_id)
                config_repo.put_settings(
                    conn, tenant_id, jurisdiction_id, list(current["holidays"]), float(current["triage_threshold"])
                )
        console.print(f"jurisdiction_id = {jurisdiction_id} ({tenant_id})")

    @app.command("key")
    def key(name: str, tenant: TenantOption = None, json: bool = typer.Option(False, "--json")) -> None:
        """Issue an Open311 api_key for a client application / 클라이언트 앱용 api_key 발급."""
        with open_platform() as platform:
            tenant_id = resolve_tenant(platform, tenant)
            with platform.engine.begin() as conn:
                issued = config_repo.create_key(conn, tenant_id, name)
                settings = config_repo.get_settings(conn, tenant_id)
        if json:
            print_json({**issued, "jurisdiction_id": settings["jurisdiction_id"]})
        else:
            console.print(f"api_key: {issued['api_key']}  (jurisdiction_id={settings['jurisdiction_id']})")

    @app.command("import")
    def import_csv(
        csv_file: Path = typer.Argument(..., exists=True, dir_okay=False, help="labelled CSV (docs/complaints-ai.md)"),
        tenant: TenantOption = None,
        replace: bool = typer.Option(False, "--replace", help="drop earlier imports first / 이전 가져오기 삭제"),
    ) -> None:
        """라벨 민원 CSV 가져오기(오류가 있으면 아무것도 넣지 않음) / import labelled complaints (all or nothing)."""
        from maeul.services.complaints import models_repo

        try:
            text = csv_file.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            console.print("[red]UTF-8 파일이 아닙니다 / not a UTF-8 file[/red]")
            raise typer.Exit(1) from None
        rows, errors = models_repo.parse(text)
        if errors:
            for error in errors:
                console.print(f"[red]line {error.line}[/red]: {error.message_ko} / {error.message_en}")
            console.print(f"[red]{len(errors)}개 오류, 가져오지 않음 / {len(errors)} errors, nothing imported[/red]")
            raise typer.Exit(1)
        with open_platform() as platform:
            tenant_id = resolve_tenant(platform, tenant)
            with Progress(console=console, transient=True) as progress, platform.engine.begin() as conn:
                task = progress.add_task("import / 가져오기", total=len(rows))
                count = models_repo.import_rows(
                    conn, tenant_id, rows, replace=replace, progress=lambda n: progress.advance(task, n)
                )
        console.print(f"{count} labelled complaints imported / 라벨 민원 {count}건 가져옴 ({tenant_id})")

    @app.command("retrain")
    def retrain(
        tenant: TenantOption = None,
        folds: int = typer.Option(5, help="cross-validation folds; 0: none / 교차검증 겹 수"),
        json: bool = typer.Option(False, "--json"),
    ) -> None:
        """가져온 이력과 담당자 수정으로 분류기 재학습 / retrain the classifier on imports and staff corrections."""
        from maeul.services.complaints.retraining import CannotTrain
        from maeul.services.complaints.retraining import retrain as run

        with open_platform() as platform:
            tenant_id = resolve_tenant(platform, tenant)
            try:
                with Progress(console=console, transient=True) as progress:
                    task = progress.add_task("cross-validation / 교차검증", total=folds or 1)
                    info = run(
                        platform.engine,
                        tenant_id,
                        platform.settings.data_dir,
                        folds=folds,
                        progress=lambda done, total: progress.update(task, completed=done, total=total),
                    )
            except CannotTrain as exc:
                console.print(f"[red]{exc}[/red]")
                raise typer.Exit(1) from None
        if json:
            print_json(info)
            return
        m = info["metrics"]
        f1 = m.get("category_macro_f1")
        console.print(
            f"model v{info['version']} ({tenant_id}): {m['examples']} examples, {m['categories']} categories, "
            f"trained in {m['train_seconds']:.1f} s, threshold {info['threshold']}"
            + (f", macro-F1 {f1:.3f}" if f1 is not None else "")
        )

    from maeul.services.complaints.ai.cli import build_app

    app.add_typer(build_app(), name="ai", help="민원 AI 파일 도구 / complaints AI file tools")
    return app
