"""One module per ``cpanalysis`` sub-command: ``register(subparsers)`` sets ``handler=run``."""
