"""News quote and entity pipeline: raw articles in, clean documents, entities and quotes out as Parquet."""

__version__ = "0.1.0"
