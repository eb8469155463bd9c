"""Domain errors of planflow; each carries a message in Vietnamese for the user."""


class DomainError(Exception):
    """A request that the rules of the plan's life refuse; `str(error)` is for the user."""


class StateError(DomainError):
    """The plan or delivery is not in a state that allows the action."""


class NotAllowedError(DomainError):
    """The person has no role that allows the action for this unit."""
