"""pyguard: find and repair breakage of Debian's system Python."""

__version__ = "0.1.0"
