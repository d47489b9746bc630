"""The stages an order goes through: picking, packing, shipping."""
