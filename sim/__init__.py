"""omsim: a discrete-event simulation of an e-commerce order management process.

``sim`` is the engine (scenario schema, calendar, demand, routing, stations, stages, event
log, model); ``sim.experiments`` runs experiments on it and ``sim.cli`` is the command line
(docs/ARCHITECTURE.md)."""

__version__ = "0.1.0"
