"""The HTML report of a stored experiment."""
