"""Skills: task-oriented dialogue from a YAML skill to a served bot."""

__version__ = "0.1.0"
