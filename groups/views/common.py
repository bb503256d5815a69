"""Shared by the groups app's views."""


def why(error: Exception) -> str:
    """What a refusing service said, for a message."""
    return " ".join(getattr(error, "messages", [str(error)]))
