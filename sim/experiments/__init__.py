"""The experiment layer: replications, executors (local pool, Dask), the run store, compare,
sizing, sweep, sensitivity. It may import the engine (``sim``) and ``analysis``; never the CLI."""
