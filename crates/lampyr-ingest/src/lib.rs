//! Ingestion: HAR and Exchange JSON Lines readers.
