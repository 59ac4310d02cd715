class ConflictError(Exception):
    """The request lost a race or collides with the current state; the API answers 409."""
