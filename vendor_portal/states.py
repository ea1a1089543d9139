"""State machines: a model's TRANSITIONS table and the one way a service moves a row along it.

A model with a status column mixes in `StateMachine`, names the column (`state_field`) and gives its
table: {state: {states it may become}}. Templates and serializers ask `can_transition_to` which buttons
to show; services move the row with `transition()`, which refuses a move the table does not allow with
`InvalidTransitionError` (409 "invalid_state") in the words the service chose:

    promotion = _locked(scope, promotion_id)
    previous = transition(promotion, PromotionState.SHARED, refusal=_refusal)
    promotion.save(update_fields=["state", ...])

A service that must refuse a move before its other checks (so the user hears the state problem first)
calls `require_transition()` there and `transition()` where it sets the state.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from .errors import InvalidTransitionError

# The words of a refusal: a message, or a function of the object and the state it was asked to become
# (so the message is only built when a move is refused). None: the error's own default message.
Refusal = str | Callable[[Any, str], str] | None


class StateMachine:
    """A model whose `state_field` column moves only along `TRANSITIONS`."""

    state_field: ClassVar[str] = "state"
    TRANSITIONS: ClassVar[dict[str, set[str]]] = {}

    @classmethod
    def allows(cls, from_state: str, to_state: str) -> bool:
        """The table lets a row in `from_state` become `to_state` (for callers holding states, not rows)."""
        return to_state in cls.TRANSITIONS.get(from_state, ())

    def can_transition_to(self, state: str) -> bool:
        return self.allows(getattr(self, self.state_field), state)


def require_transition(obj: StateMachine, state: str, *, refusal: Refusal = None) -> None:
    """Refuse (InvalidTransitionError) unless `obj` may become `state`."""
    if not obj.can_transition_to(state):
        raise InvalidTransitionError(refusal(obj, state) if callable(refusal) else refusal)


def transition(obj: StateMachine, state: str, *, refusal: Refusal = None) -> str:
    """`obj` becomes `state` if its table allows it, else InvalidTransitionError. Returns the state it was
    in. Nothing is saved: the caller saves the state with the other fields it changes."""
    require_transition(obj, state, refusal=refusal)
    previous = getattr(obj, obj.state_field)
    setattr(obj, obj.state_field, state)
    return previous
