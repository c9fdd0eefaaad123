"""The platform object: one database, one ingestion pipeline, an optional MQTT client; started and stopped once."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import Engine

from maeul.adapters.sql.alarms import AlarmListener
from maeul.adapters.sql.engine import is_postgres, make_engine
from maeul.adapters.sql.migrate import upgrade
from maeul.adapters.sql.partitions import PartitionManager
from maeul.adapters.sql.telemetry_store import TelemetryStore
from maeul.adapters.sql.wal_checkpointer import INTERVAL_S as WAL_CHECKPOINT_INTERVAL_S
from maeul.adapters.sql.wal_checkpointer import WalCheckpointer
from maeul.platform.ingest import IngestService
from maeul.platform.maintenance import Maintenance
from maeul.platform.metrics import Metrics
from maeul.platform.notify import NotifyOptions, NotifyService
from maeul.platform.periodic import Periodic
from maeul.platform.rule_runner import RuleRunner
from maeul.platform.settings import Settings
from maeul.services.registry import select_services
from maeul.services.spec import Service

log = logging.getLogger("maeul.platform")


@dataclass
class Platform:
    settings: Settings
    engine: Engine
    metrics: Metrics
    ingest: IngestService
    partitions: PartitionManager | None = None
    maintenance: Maintenance | None = None
    mqtt: object | None = None
    started: bool = field(default=False)
    notify: NotifyService | None = None
    # Passed to every alarm change (raise_alarm, acknowledge, clear_alarm, assign): they run in its transaction.
    alarm_listeners: list[AlarmListener] = field(default_factory=list)
    rule_runner: RuleRunner | None = None
    services: tuple[Service, ...] = ()
    checkpoints: Periodic | None = None  # SQLite files: WAL checkpoints off the writers' commits

    @classmethod
    def create(cls, settings: Settings, *, migrate: bool = True) -> Platform:
        services = select_services(settings.services)
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(settings.resolved_database_url)
        if migrate:
            upgrade(engine)
        partitions = PartitionManager(engine) if is_postgres(engine) else None
        if partitions is not None:
            partitions.load()
        store = TelemetryStore(partitions.ensure_for_rows if partitions else None)
        metrics = Metrics()
        ingest = IngestService(engine, settings, metrics, store)
        notify = NotifyService(engine, base_dir=settings.data_dir, options=NotifyOptions.from_settings(settings))
        for service in services:
            if service.register_rule_kinds is not None:
                service.register_rule_kinds()
        platform = cls(
            settings,
            engine,
            metrics,
            ingest,
            partitions,
            Maintenance(engine, partitions),
            notify=notify,
            services=services,
        )
        platform.alarm_listeners.append(notify.listener)
        platform.rule_runner = RuleRunner(
            engine,
            platform.alarm_listeners,
            tick_s=settings.rules_tick_s,
            cache_states=settings.rules_state_cache,
            metrics=metrics,
        )
        # In the writer's transaction (both stores): a batch's alarming devices commit first (alerts run 8-9).
        if settings.rules_in_ingest_transaction:
            ingest.in_transaction.append(platform.rule_runner.in_transaction)
        else:
            ingest.after_commit.append(platform.rule_runner.submit)
        if WalCheckpointer.applies_to(engine):
            checkpoint = WalCheckpointer(engine).checkpoint
            platform.checkpoints = Periodic("maeul-wal-checkpoint", checkpoint, WAL_CHECKPOINT_INTERVAL_S)
        return platform

    def start(self, *, mqtt: bool = True) -> None:
        """Start the writer, then (if a broker is configured) the MQTT subscriber."""
        if self.started:
            return
        if self.checkpoints is not None:
            self.checkpoints.start()
        if self.rule_runner is not None:
            self.rule_runner.start()
        self.ingest.start()
        if self.maintenance is not None:
            self.maintenance.start()
        if self.notify is not None:
            self.notify.start()
        if mqtt and self.settings.mqtt_url:
            self.mqtt = self._start_mqtt(self.settings.mqtt_url)
        for service in self.services:
            if service.on_start is not None:
                service.on_start(self)
        self.started = True
        log.info("platform started", extra={"database": self.engine.url.render_as_string(hide_password=True)})

    def _start_mqtt(self, url: str) -> object:
        """The MQTT client in this process, or ``ingest_workers`` receiver processes feeding its writer."""
        if self.settings.ingest_workers > 0:
            from maeul.platform.ingest_workers import IngestWorkers

            workers = IngestWorkers(self.settings, self.ingest)
            workers.start()
            return workers
        from maeul.adapters.mqtt.subscriber import MqttIngestClient

        client = MqttIngestClient(
            url,
            client_id=self.settings.mqtt_client_id,
            share_group=self.settings.mqtt_share_group,
            sink=self.ingest,
            receive_maximum=self.settings.mqtt_receive_maximum,
        )
        client.start()
        return client

    def mqtt_connected(self) -> bool:
        return bool(self.mqtt is not None and getattr(self.mqtt, "is_subscribed", False))

    def provision_broker(self) -> None:
        """Rewrite the broker's password and ACL files from the device table, then ask the broker to reload."""
        if self.settings.mqtt_provision_dir is None:
            return
        from maeul.adapters.mqtt.provisioning import reload_broker, write_provision
        from maeul.platform.broker_accounts import broker_accounts

        with self.engine.connect() as conn:
            accounts = broker_accounts(conn, self.settings)
        write_provision(self.settings.mqtt_provision_dir, accounts)
        if self.settings.mqtt_broker_pid_file is not None:
            reload_broker(self.settings.mqtt_broker_pid_file)

    def stop(self) -> None:
        """Stop the services, stop taking MQTT messages, write what was accepted, release the database."""
        if self.started:
            for service in reversed(self.services):
                if service.on_stop is not None:
                    service.on_stop(self)
        if self.mqtt is not None:
            self.mqtt.stop()  # type: ignore[attr-defined]
            self.mqtt = None
        self.ingest.stop()
        if self.rule_runner is not None:
            self.rule_runner.stop()  # after the writer: the last batches are evaluated first
        if self.notify is not None:
            self.notify.stop()
        if self.maintenance is not None:
            self.maintenance.stop()
        if self.checkpoints is not None:
            self.checkpoints.stop()
        self.engine.dispose()
        self.started = False
