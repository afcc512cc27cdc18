"""Feed ingestion: fetch safely, parse, identify, store; health per feed."""
