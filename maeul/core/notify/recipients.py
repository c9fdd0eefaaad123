"""Who a step notifies (assignee, roles, users, contacts) and over which channels."""

from __future__ import annotations

from collections.abc import Collection

from maeul.core.notify.model import CHANNEL_ORDER, Directory, Person, Route, Step


def expand(step: Step, assignee_id: int | None, directory: Directory) -> list[Person]:
    """The people of ``step`` in order (assignee, users, roles, contacts), each once; inactive users are skipped."""
    people: list[Person] = []
    seen: set[str] = set()

    def add(person: Person | None) -> None:
        if person is not None and person.key not in seen:
            seen.add(person.key)
            people.append(person)

    def member(user_id: int) -> Person | None:
        found = directory.members.get(user_id)
        return found.person if found is not None and found.active else None

    if step.assignee and assignee_id is not None:
        add(member(assignee_id))
    for user_id in step.users:
        add(member(user_id))
    for role in step.roles:
        for user_id in sorted(directory.members):
            if directory.members[user_id].role == role:
                add(member(user_id))
    for contact_id in step.contacts:
        add(directory.contacts.get(contact_id))
    return people


def routes(
    person: Person, configured: Collection[str], channels: tuple[str, ...] | None = None, *, every: bool = False
) -> list[Route]:
    """The first usable channel (configured, with an address) of the step's, the person's or the default order."""
    # With ``every`` each usable channel gets its own message; otherwise the others become fallbacks.
    order = channels or person.channels or CHANNEL_ORDER
    usable: list[tuple[str, str]] = []
    for channel in dict.fromkeys(order):
        address = (person.addresses.get(channel) or "").strip()
        if channel in configured and address:
            usable.append((channel, address))
    if not usable:
        return []
    if every:
        return [Route(channel, address) for channel, address in usable]
    (channel, address), *rest = usable
    return [Route(channel, address, tuple(rest))]
