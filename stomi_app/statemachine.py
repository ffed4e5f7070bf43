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

    def is_final(self, status) -> bool:
        return not self.allowed(status)


def machine(name: str, moves: dict[Enum, tuple]) -> StatusMachine:
    return StatusMachine(name, {k: frozenset(v) for k, v in moves.items()})
