//! API discovery.
