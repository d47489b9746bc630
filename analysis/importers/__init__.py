"""Order importers: real order exports to the orders-and-lines schema (``importers.schema``)."""
