"""revops: a declarative, dbt-style revenue metrics layer for small B2B companies."""

__version__ = "0.1.0"
