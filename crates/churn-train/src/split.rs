//! Stratified, seeded train / validation / test splits.

use churn_core::rng::Rng;
use serde::{Deserialize, Serialize};

use crate::TrainError;

/// Fractions of the three splits.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SplitFractions {
    /// Training fraction (default 0.70).
    pub train: f64,
    /// Validation fraction (default 0.15).
    pub validation: f64,
    /// Test fraction (default 0.15).
    pub test: f64,
}

impl Default for SplitFractions {
    fn default() -> Self {
        SplitFractions { train: 0.70, validation: 0.15, test: 0.15 }
    }
}

impl SplitFractions {
    /// Checks that each fraction is positive and they sum to 1.
    pub fn validate(&self) -> Result<(), TrainError> {
        let all = [self.train, self.validation, self.test];
        if all.iter().any(|f| !(f.is_finite() && *f > 0.0)) || (all.iter().sum::<f64>() - 1.0).abs() > 1e-9 {
            return Err(TrainError::InvalidOption {
                option: "split",
                reason: format!(
                    "fractions {}/{}/{} must be positive and sum to 1",
                    self.train, self.validation, self.test
                ),
            });
        }
        Ok(())
    }
}

/// Row indices of each split, in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    /// Training rows.
    pub train: Vec<usize>,
    /// Validation rows.
    pub validation: Vec<usize>,
    /// Test rows.
    pub test: Vec<usize>,
}

/// Splits rows so that each split has the churn rate of the whole (up to rounding). Each
/// class is shuffled with its own seeded stream, so the split of one class does not depend
/// on the size of the other.
pub fn stratified_split(labels: &[bool], fractions: SplitFractions, seed: u64) -> Result<Split, TrainError> {
    fractions.validate()?;
    let mut split = Split { train: Vec::new(), validation: Vec::new(), test: Vec::new() };
    for (stream, class) in [(1u64, true), (2u64, false)] {
        let mut idx: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == class).collect();
        let n = idx.len();
        let n_val = (n as f64 * fractions.validation).round() as usize;
        let n_test = (n as f64 * fractions.test).round() as usize;
        if n_val == 0 || n_test == 0 || n_val + n_test >= n {
            return Err(TrainError::TooFewRows { class: if class { "churned" } else { "retained" }, rows: n });
        }
        Rng::derive(seed, stream).shuffle(&mut idx);
        let n_train = n - n_val - n_test;
        split.train.extend_from_slice(&idx[..n_train]);
        split.validation.extend_from_slice(&idx[n_train..n_train + n_val]);
        split.test.extend_from_slice(&idx[n_train + n_val..]);
    }
    split.train.sort_unstable();
    split.validation.sort_unstable();
    split.test.sort_unstable();
    Ok(split)
}

/// Like [`stratified_split`], but keeps every row of a group (an account with several snapshot
/// rows) in the same split, so the test split holds accounts the model never saw. Groups are
/// stratified by whether any of their rows churned. `groups[i]` is the group index of row `i`.
pub fn grouped_split(
    labels: &[bool],
    groups: &[usize],
    fractions: SplitFractions,
    seed: u64,
) -> Result<Split, TrainError> {
    let n_groups = groups.iter().copied().max().map_or(0, |m| m + 1);
    let mut churned = vec![false; n_groups];
    for (&g, &y) in groups.iter().zip(labels) {
        churned[g] |= y;
    }
    let by_group = stratified_split(&churned, fractions, seed)?;
    let mut which = vec![0u8; n_groups];
    for (k, part) in [&by_group.train, &by_group.validation, &by_group.test].into_iter().enumerate() {
        for &g in part {
            which[g] = k as u8;
        }
    }
    let mut split = Split { train: Vec::new(), validation: Vec::new(), test: Vec::new() };
    for (i, &g) in groups.iter().enumerate() {
        match which[g] {
            0 => split.train.push(i),
            1 => split.validation.push(i),
            _ => split.test.push(i),
        }
    }
    for part in [&split.validation, &split.test] {
        let pos = part.iter().filter(|&&i| labels[i]).count();
        if pos == 0 || pos == part.len() {
            return Err(TrainError::TooFewRows { class: if pos == 0 { "churned" } else { "retained" }, rows: pos });
        }
    }
    Ok(split)
}

/// Assigns each row to one of `k` cross-validation folds (the result holds a fold index per
/// row), stratified by label and seeded. With `groups` (`groups[i]` = the group of row `i`),
/// every row of a group goes to the same fold and groups are stratified by whether any of their
/// rows churned, as in [`grouped_split`]. The churned units are dealt out round-robin first and
/// the retained ones continue where they stopped, so fold sizes differ by at most one unit.
pub fn stratified_folds(labels: &[bool], groups: Option<&[usize]>, k: usize, seed: u64) -> Vec<usize> {
    assert!(k >= 1, "at least one fold");
    // Units: groups, or rows.
    let (unit_of_row, n_units): (Vec<usize>, usize) = match groups {
        Some(g) => {
            let mut index = std::collections::HashMap::new();
            let units = g
                .iter()
                .map(|&gi| {
                    let n = index.len();
                    *index.entry(gi).or_insert(n)
                })
                .collect();
            (units, index.len())
        }
        None => ((0..labels.len()).collect(), labels.len()),
    };
    let mut churned = vec![false; n_units];
    for (&u, &y) in unit_of_row.iter().zip(labels) {
        churned[u] |= y;
    }
    let mut fold_of_unit = vec![0usize; n_units];
    let mut next = 0usize;
    for (stream, class) in [(3u64, true), (4u64, false)] {
        let mut units: Vec<usize> = (0..n_units).filter(|&u| churned[u] == class).collect();
        Rng::derive(seed, stream).shuffle(&mut units);
        for u in units {
            fold_of_unit[u] = next % k;
            next += 1;
        }
    }
    unit_of_row.iter().map(|&u| fold_of_unit[u]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stratified_disjoint_complete_and_seeded() {
        let labels: Vec<bool> = (0..1000).map(|i| i % 5 == 0).collect();
        let s = stratified_split(&labels, SplitFractions::default(), 7).unwrap();
        assert_eq!((s.train.len(), s.validation.len(), s.test.len()), (700, 150, 150));
        let pos = |v: &[usize]| v.iter().filter(|&&i| labels[i]).count();
        assert_eq!((pos(&s.train), pos(&s.validation), pos(&s.test)), (140, 30, 30));
        let mut all: Vec<usize> = s.train.iter().chain(&s.validation).chain(&s.test).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..1000).collect::<Vec<_>>());
        assert_eq!(s, stratified_split(&labels, SplitFractions::default(), 7).unwrap());
        assert_ne!(s, stratified_split(&labels, SplitFractions::default(), 8).unwrap());
    }

    #[test]
    fn grouped_split_keeps_accounts_together() {
        // 300 accounts with 1-4 rows each; an account churns at its last row at most.
        let mut labels = Vec::new();
        let mut groups = Vec::new();
        for g in 0..300 {
            let n = 1 + g % 4;
            for k in 0..n {
                groups.push(g);
                labels.push(g % 5 == 0 && k == n - 1);
            }
        }
        let s = grouped_split(&labels, &groups, SplitFractions::default(), 3).unwrap();
        let owner = |part: &[usize]| part.iter().map(|&i| groups[i]).collect::<std::collections::BTreeSet<_>>();
        let (a, b, c) = (owner(&s.train), owner(&s.validation), owner(&s.test));
        assert!(a.is_disjoint(&b) && a.is_disjoint(&c) && b.is_disjoint(&c));
        assert_eq!(a.len() + b.len() + c.len(), 300);
        assert_eq!((b.len(), c.len()), (45, 45));
        assert_eq!(s.train.len() + s.validation.len() + s.test.len(), labels.len());
    }

    #[test]
    fn folds_are_stratified_balanced_seeded_and_keep_groups() {
        let labels: Vec<bool> = (0..1003).map(|i| i % 7 == 0).collect();
        let f = stratified_folds(&labels, None, 5, 11);
        for k in 0..5 {
            let rows = f.iter().filter(|&&x| x == k).count();
            let pos = f.iter().zip(&labels).filter(|(&x, &y)| x == k && y).count();
            assert!((200..=201).contains(&rows), "fold {k}: {rows} rows");
            assert!((28..=29).contains(&pos), "fold {k}: {pos} churned");
        }
        assert_eq!(f, stratified_folds(&labels, None, 5, 11));
        assert_ne!(f, stratified_folds(&labels, None, 5, 12));
        let groups: Vec<usize> = (0..1003).map(|i| i / 3).collect();
        let g = stratified_folds(&labels, Some(&groups), 5, 11);
        assert!((0..1003).all(|i| g[i] == g[groups[i] * 3]));
    }

    #[test]
    fn too_few_rows_and_bad_fractions() {
        let labels = [true, false, false, false, false, false, false, false];
        assert!(matches!(
            stratified_split(&labels, SplitFractions::default(), 1),
            Err(TrainError::TooFewRows { class: "churned", rows: 1 })
        ));
        let bad = SplitFractions { train: 0.8, validation: 0.3, test: 0.1 };
        assert!(stratified_split(&[true, false], bad, 1).is_err());
    }
}
