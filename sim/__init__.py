"""omsim: a discrete-event simulation of an e-commerce order management process."""

__version__ = "0.1.0"
