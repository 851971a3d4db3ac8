//! Analysis pipeline.
