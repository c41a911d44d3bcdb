//! Candidate learners and their small, seeded hyperparameter search: the family registry of
//! `churn-model` ([`churn_model::learner`]), where each family's search space, fitting and
//! leaderboard description come from its `churn_learn::Family` implementation.

pub use churn_model::{CandidateParams, ModelKind};

/// The seeded search space of one family: the defaults first, then a few random variations.
pub fn search_space(kind: ModelKind, seed: u64, n_rows: usize) -> Vec<CandidateParams> {
    kind.search_space(seed, n_rows)
}
