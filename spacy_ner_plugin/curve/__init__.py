"""The train curve: training on growing samples, caching the points, the plot and the advice."""
