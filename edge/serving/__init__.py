"""What the device serves with: one swappable generation (model + catalogue + caches).

See :mod:`edge.serving.generation`."""
