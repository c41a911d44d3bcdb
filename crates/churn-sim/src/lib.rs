//! Deterministic simulator of a SaaS customer base.
#![warn(missing_docs)]
