"""The broker accounts Maeul provisions: one per device (its own topic only) and the ingest service's."""

from __future__ import annotations

from sqlalchemy import Connection, select

from maeul.adapters.mqtt.passwords import mosquitto_password_hash
from maeul.adapters.mqtt.provisioning import BrokerAccount, device_account, ingest_account
from maeul.adapters.mqtt.subscriber import parse_mqtt_url
from maeul.adapters.sql.tables import devices
from maeul.platform.settings import Settings


def broker_accounts(conn: Connection, settings: Settings) -> list[BrokerAccount]:
    accounts: list[BrokerAccount] = []
    if settings.mqtt_url:
        address = parse_mqtt_url(settings.mqtt_url)
        if address.username and address.password:
            accounts.append(ingest_account(address.username, mosquitto_password_hash(address.password)))
    rows = conn.execute(select(devices.c.tenant_id, devices.c.id, devices.c.mqtt_password_hash).order_by(devices.c.id))
    accounts.extend(device_account(r.tenant_id, r.id, r.mqtt_password_hash) for r in rows)
    return accounts
