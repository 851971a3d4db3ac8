//! Storage traits.
