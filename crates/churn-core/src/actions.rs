//! Recommended actions that use the drivers, not only the tier: the `[[actions]]` rules of
//! `churn.toml`, and the TOML error messages of every `churn.toml` reader (kept as the `toml`
//! crate formats them, with a "did you mean" for unknown keys).
//!
//! ```toml
//! [[actions]]                      # first match wins; the tier's action is the fallback
//! tier = "Critical"                # optional: a risk tier name
//! driver = "days_since_any"        # optional: a risk driver (feature name, or a prefix ending in *)
//! action = "Call within 24 h: re-engagement"
//!
//! [[actions]]
//! driver = "support_*"
//! action = "Escalate the open tickets"
//! ```

use serde::{Deserialize, Serialize};

/// One `[[actions]]` rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionRule {
    /// Risk tier name the rule applies to (any tier when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    /// A risk driver the account must have among its named drivers: a feature name, or a
    /// prefix ending in `*` (any driver when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    /// The recommended action.
    pub action: String,
}

impl ActionRule {
    /// Whether the rule matches an account in `tier` with the named risk `drivers`.
    pub fn matches<'a>(&self, tier: &str, mut drivers: impl Iterator<Item = &'a str>) -> bool {
        if self.tier.as_deref().is_some_and(|t| t != tier) {
            return false;
        }
        match self.driver.as_deref() {
            None => true,
            Some(d) => match d.strip_suffix('*') {
                Some(prefix) => drivers.any(|x| x.starts_with(prefix)),
                None => drivers.any(|x| x == d),
            },
        }
    }

    /// Whether the rule can match a driver among `features` (a typo never does).
    pub fn driver_known<'a>(&self, mut features: impl Iterator<Item = &'a str>) -> bool {
        match self.driver.as_deref() {
            None => true,
            Some(d) => match d.strip_suffix('*') {
                Some(prefix) => features.any(|x| x.starts_with(prefix)),
                None => features.any(|x| x == d),
            },
        }
    }
}

/// The first rule matching `tier` and `drivers` (index into `rules`).
pub fn first_match(rules: &[ActionRule], tier: &str, drivers: &[&str]) -> Option<usize> {
    rules.iter().position(|r| r.matches(tier, drivers.iter().copied()))
}

/// Checks the rules against the risk tier names: every rule names a tier or a driver, an
/// action, and only tiers that exist. `Err`: the message (the caller names the file).
pub fn validate(rules: &[ActionRule], tiers: &[&str]) -> Result<(), String> {
    for (i, r) in rules.iter().enumerate() {
        let at = format!("[[actions]] rule {} (action = {:?})", i + 1, r.action);
        if r.tier.is_none() && r.driver.is_none() {
            return Err(format!("{at}: give `tier`, `driver` or both"));
        }
        if r.action.trim().is_empty() {
            return Err(format!("{at}: `action` is empty"));
        }
        if r.driver.as_deref().is_some_and(|d| d.trim_end_matches('*').is_empty()) {
            return Err(format!("{at}: `driver` is empty"));
        }
        if let Some(t) = &r.tier {
            if !tiers.contains(&t.as_str()) {
                return Err(format!(
                    "{at}: key `tier` = {t:?} is not a risk tier ({}){}",
                    tiers.join(", "),
                    did_you_mean(t, tiers.iter().copied())
                ));
            }
        }
    }
    Ok(())
}

/// Levenshtein distance (characters).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// `; did you mean `x`?` for the closest candidate within a third of the word's length (at
/// least 2 edits), or an empty string.
pub fn did_you_mean<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> String {
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .map(|c| (distance(&word.to_lowercase(), &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map_or_else(String::new, |(_, c)| format!("; did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(tier: Option<&str>, driver: Option<&str>, action: &str) -> ActionRule {
        ActionRule { tier: tier.map(Into::into), driver: driver.map(Into::into), action: action.into() }
    }

    #[test]
    fn first_match_wins_and_prefixes_match() {
        let rules = vec![
            rule(Some("High"), Some("days_since_any"), "call"),
            rule(None, Some("support_*"), "escalate"),
            rule(Some("High"), None, "email"),
        ];
        assert_eq!(first_match(&rules, "High", &["x", "days_since_any"]), Some(0));
        assert_eq!(first_match(&rules, "Low", &["days_since_any"]), None);
        assert_eq!(first_match(&rules, "Low", &["support_tickets_28d"]), Some(1));
        assert_eq!(first_match(&rules, "High", &["support_tickets_28d"]), Some(1));
        assert_eq!(first_match(&rules, "High", &[]), Some(2));
        assert!(rules[1].driver_known(["a", "support_x"].into_iter()));
        assert!(!rules[0].driver_known(["days_since"].into_iter()));
    }

    #[test]
    fn validation_names_the_key() {
        let tiers = ["Critical", "High", "Low"];
        let e = validate(&[rule(Some("Hgh"), None, "x")], &tiers).unwrap_err();
        assert!(
            e.contains("key `tier` = \"Hgh\" is not a risk tier (Critical, High, Low); did you mean `High`?"),
            "{e}"
        );
        assert!(validate(&[rule(None, None, "x")], &tiers).unwrap_err().contains("give `tier`, `driver` or both"));
        assert!(validate(&[rule(Some("High"), Some("a*"), "x")], &tiers).is_ok());
    }

    #[test]
    fn distances() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(did_you_mean("psii", ["psi", "js", "alpha"].into_iter()), "; did you mean `psi`?");
        assert_eq!(did_you_mean("zzzzzz", ["psi"].into_iter()), "");
    }
}
