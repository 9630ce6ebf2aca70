"""The train curve: training on growing samples, caching the points, the plot, the advice and
the projection of F per label to more data."""
