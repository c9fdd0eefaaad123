"""The alarm listener (runs inside the alarm's transaction) and the escalation steps it and the scheduler run."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection

from maeul.adapters.sql import notify_outbox as store
from maeul.core.alarms import Action, Severity
from maeul.core.notify.escalation import due_steps, next_due_at, select_policy, step_due_at
from maeul.core.notify.model import Kind, Person, Policy, Route
from maeul.core.notify.recipients import routes
from maeul.core.notify.render import Event
from maeul.platform.notify.planner import Planner, Tenant, load_tenant, policy_from_row

log = logging.getLogger("maeul.notify")


class Escalator:
    """An ``AlarmListener`` that starts, advances and stops escalations in the alarm change's transaction."""

    def __init__(self, planner: Planner, clock: Callable[[], int]) -> None:
        self.planner = planner
        self.clock = clock

    def __call__(self, conn: Connection, alarm: dict[str, Any], action: Action, actor_id: int | None) -> None:
        now = self.clock()
        if action is Action.RAISED:
            self.start(conn, alarm, now, Kind.RAISED)
        elif action is Action.UPGRADED:
            if store.get_escalation(conn, alarm["id"]) is None:
                self.start(conn, alarm, now, Kind.UPGRADED)
            else:
                self.tell_notified(conn, alarm, Event(Kind.UPGRADED, now), f"up{Severity(alarm['severity']).rank}")
        elif action is Action.ACKNOWLEDGED:
            store.stop_escalation(conn, alarm["id"], "acknowledged", now)
            store.suppress_deferred(conn, alarm["id"], now, "alarm acknowledged before delivery")
        elif action is Action.CLEARED:
            store.stop_escalation(conn, alarm["id"], "cleared", now)
            store.suppress_deferred(conn, alarm["id"], now, "alarm cleared before delivery")
            self.tell_notified(conn, alarm, Event(Kind.CLEARED, now), "clr")
        elif action is Action.ASSIGNED:
            self.assigned(conn, alarm, now)

    def start(self, conn: Connection, alarm: dict[str, Any], now: int, first_kind: Kind) -> bool:
        """Begin the escalation of the matching policy and run the steps due now; False if no policy matches."""
        policies = [policy_from_row(r) for r in store.policy_rows(conn, alarm["tenant_id"])]
        policy = select_policy(policies, alarm["type"], Severity(alarm["severity"]))
        if policy is None:
            return False
        state = {
            "alarm_id": alarm["id"],
            "tenant_id": alarm["tenant_id"],
            "policy_id": policy.id,
            "started_at": now,
            "next_step": 0,
            "due_at": step_due_at(policy, now, 0),
            "stopped": False,
            "updated_at": now,
        }
        if not store.start_escalation(conn, state):
            return False
        self.run_due(conn, load_tenant(conn, alarm["tenant_id"]), alarm, policy, state, now, first_kind)
        return True

    def advance(self, conn: Connection, alarm_id: int, now: int) -> int:
        """Run the due steps of one escalation (the scheduler calls this); returns how many rows were queued."""
        state = store.get_escalation(conn, alarm_id)
        if state is None or state["stopped"] or state["due_at"] is None or state["due_at"] > now:
            return 0
        alarm = store.alarm_row(conn, alarm_id)
        reason = _stop_reason(alarm)
        rows = store.policy_rows(conn, state["tenant_id"], state["policy_id"]) if state["policy_id"] else []
        if reason is None and (not rows or not rows[0]["enabled"]):
            reason = "policy_removed"
        if reason is not None or alarm is None:
            store.stop_escalation(conn, alarm_id, reason or "alarm_removed", now)
            return 0
        tenant = load_tenant(conn, alarm["tenant_id"])
        return self.run_due(conn, tenant, alarm, policy_from_row(rows[0]), state, now, Kind.RAISED)

    def run_due(
        self,
        conn: Connection,
        tenant: Tenant,
        alarm: dict[str, Any],
        policy: Policy,
        state: dict[str, Any],
        now: int,
        first_kind: Kind,
    ) -> int:
        """Claim the due steps (so no other worker runs them) and queue their messages."""
        due = due_steps(policy, state["started_at"], state["next_step"], now)
        if not due:
            return 0
        after = due[-1] + 1
        following = next_due_at(policy, state["started_at"], after)
        if not store.advance_escalation(conn, alarm["id"], state["next_step"], after, following, now):
            return 0
        written = 0
        for index in due:
            targets = self.planner.step_targets(tenant, alarm, policy.steps[index])
            kind = first_kind if index == 0 else Kind.ESCALATED
            written += self.planner.notify(conn, tenant, alarm, Event(kind, now, step=index), targets, f"s{index}")
            if index > 0:
                details = {"step": index, "policy_id": policy.id, "recipients": [p.key for p, _ in targets]}
                store.add_alarm_event(conn, alarm, Action.ESCALATED.value, now, details)
        return written

    def tell_notified(self, conn: Connection, alarm: dict[str, Any], event: Event, tag: str) -> int:
        """Queue ``event`` for everyone already told about the alarm, on the channels they were told on."""
        rows = store.notified(conn, alarm["id"])
        if not rows:
            return 0
        tenant = load_tenant(conn, alarm["tenant_id"])
        people: dict[str, tuple[Person, list[Route]]] = {}
        for row in rows:
            if row["recipient"] not in people:
                people[row["recipient"]] = (_known(tenant, row), [])
            people[row["recipient"]][1].append(Route(row["channel"], row["address"]))
        return self.planner.notify(conn, tenant, alarm, event, list(people.values()), tag)

    def assigned(self, conn: Connection, alarm: dict[str, Any], now: int) -> int:
        """Tell a newly assigned user, if the escalation has passed a step that notifies the assignee."""
        state = store.get_escalation(conn, alarm["id"])
        assignee = alarm.get("assignee_id")
        if state is None or assignee is None or alarm["cleared"] or not state["policy_id"]:
            return 0
        rows = store.policy_rows(conn, alarm["tenant_id"], state["policy_id"])
        done = policy_from_row(rows[0]).steps[: state["next_step"]] if rows else ()
        step = next((s for s in done if s.assignee), None)
        tenant = load_tenant(conn, alarm["tenant_id"])
        member = tenant.directory.members.get(assignee)
        if step is None or member is None or not member.active:
            return 0
        targets = [(member.person, routes(member.person, tenant.configured, step.channels, every=step.all_channels))]
        return self.planner.notify(conn, tenant, alarm, Event(Kind.ASSIGNED, now), targets, f"as{assignee}")


def _stop_reason(alarm: dict[str, Any] | None) -> str | None:
    if alarm is None:
        return "alarm_removed"
    if alarm["cleared"]:
        return "cleared"
    if alarm["acknowledged"]:
        return "acknowledged"
    return None


def _known(tenant: Tenant, row: dict[str, Any]) -> Person:
    """The recipient of an earlier message as they are now (for quiet hours), or as that message had them."""
    key = row["recipient"]
    if key.startswith("u") and key[1:].isdigit():
        member = tenant.directory.members.get(int(key[1:]))
        if member is not None:
            return member.person
    if key.startswith("c") and key[1:].isdigit() and int(key[1:]) in tenant.directory.contacts:
        return tenant.directory.contacts[int(key[1:])]
    language = (row.get("notification") or {}).get("language", "ko")
    return Person(key, row["recipient_name"], {}, (), language)
