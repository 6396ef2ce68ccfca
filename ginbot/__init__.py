"""ginbot: a Thai helpdesk and notification bot for the GIN Conference v8 -> v9 migration."""

__version__ = "0.1.0"
