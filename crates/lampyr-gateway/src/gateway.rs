//! TODO (lead).
