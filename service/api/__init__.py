"""The HTTP surface: one app factory, thin routers over the same service functions as the CLI."""
