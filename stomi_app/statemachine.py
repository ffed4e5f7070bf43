"""Status machines declared as data: allowed moves in one table, enforced by one function."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class IllegalTransition(Exception):
    """A status move that the workflow does not allow."""

    def __init__(self, machine: str, current, target):
        super().__init__(f"{machine}: {getattr(current, 'value', current)} → {getattr(target, 'value', target)} is not allowed")
        self.current = current
        self.target = target


@dataclass(frozen=True)
class StatusMachine:
    name: str
    transitions: dict  # status → frozenset of statuses it may move to

    def allowed(self, current) -> frozenset:
        return self.transitions.get(current, frozenset())

    def can_move(self, current, target) -> bool:
        return target in self.allowed(current)

    def check(self, current, target) -> None:
        if not self.can_move(current, target):
            raise IllegalTransition(self.name, current, target)

    def move(self, record, target, attr: str = "status") -> None:
        """Set `record`'s status to `target` if the workflow allows that move from where it is, else raise."""
        self.check(getattr(record, attr), target)
        setattr(record, attr, target)

    def is_final(self, status) -> bool:
        return not self.allowed(status)

    def reachable(self, start, *, avoiding=frozenset()) -> frozenset:
        """`start` and every status a sequence of allowed moves leads to from it without entering `avoiding`:
        status groups (open, counting, approved) are derived from the moves, never listed by hand beside them."""
        seen, todo = {start}, [start]
        while todo:
            for target in self.allowed(todo.pop()):
                if target not in seen and target not in avoiding:
                    seen.add(target)
                    todo.append(target)
        return frozenset(seen)


def machine(name: str, moves: dict[Enum, tuple]) -> StatusMachine:
    return StatusMachine(name, {k: frozenset(v) for k, v in moves.items()})
