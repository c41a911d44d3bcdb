//! Point-in-time feature engineering from usage over time.
#![warn(missing_docs)]
