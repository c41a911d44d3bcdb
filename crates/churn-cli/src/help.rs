//! Help texts: the command list, and each command's examples and exit codes.

/// Top-level description (`churn --help`).
pub const ABOUT: &str = "Churn prediction for customer-success teams: train, evaluate, score, explain and \
monitor churn models";

/// Top-level footer (`churn --help`).
pub const TOP: &str = "\
Examples:
  churn demo --out demo-out
  churn train --data train.csv --label churned --id account_id --out model.json
  churn score --model model.json --data accounts.csv --out scores.csv
  churn explain --model model.json --data accounts.csv --id A-1042

Exit codes: 0 ok, 1 drift or gate failure (drift, compare --fail-if-worse), 2 bad input or error.";

/// `churn train`.
pub const TRAIN: &str = "\
Example:
  churn train --data train.csv --label churned --id account_id --report report/ --out model.json

Exit codes: 0 ok, 2 bad input or error.";

/// `churn score`.
pub const SCORE: &str = "\
Example:
  churn score --model model.json --data accounts.csv --format jsonl --out scores.jsonl

Exit codes: 0 ok, 2 bad input, an error, or more rejected rows than --max-reject-rate.";

/// `churn evaluate`.
pub const EVALUATE: &str = "\
Example:
  churn evaluate --model model.json --data test.csv --json metrics.json

Exit codes: 0 ok, 2 bad input or error.";

/// `churn simulate`.
pub const SIMULATE: &str = "\
Example:
  churn simulate --accounts 2000 --seed 7 --out sim/

Exit codes: 0 ok, 2 bad input or error.";

/// `churn demo`.
pub const DEMO: &str = "\
Example:
  churn demo --out demo-out

Exit codes: 0 ok, 2 error.";

/// `churn features`.
pub const FEATURES: &str = "\
Example:
  churn features --spec features.toml --out features.csv

Exit codes: 0 ok, 2 bad input or error.";

/// `churn report`.
pub const REPORT: &str = "\
Example:
  churn report --model model.json --data test.csv --out report/

Exit codes: 0 ok, 2 bad input or error.";

/// `churn compare`.
pub const COMPARE: &str = "\
Example:
  churn compare old/report.json new/report.json --fail-if-worse auc

Exit codes: 0 ok, 1 a challenger is significantly worse (--fail-if-worse), 2 bad input or error.";

/// `churn drift`.
pub const DRIFT: &str = "\
Example:
  churn drift --model model.json --data this-month.csv

Exit codes: 0 no drift, 1 drift, 2 bad input or error.";

/// `churn health`.
pub const HEALTH: &str = "\
Example:
  churn health validate --config churn.toml --data accounts.csv --label churned

Exit codes: 0 ok, 2 bad input or error.";

/// `churn explain`.
pub const EXPLAIN: &str = "\
Example:
  churn explain --model model.json --data accounts.csv --id A-1042 --json

Exit codes: 0 ok, 2 bad input, an unknown id, or an unsupported (survival) model.";

/// `churn completions`.
pub const COMPLETIONS: &str = "\
Example:
  churn completions bash > /etc/bash_completion.d/churn
  churn completions zsh > \"${fpath[1]}/_churn\"
  churn completions fish > ~/.config/fish/completions/churn.fish

Exit codes: 0 ok, 2 bad input.";

/// `churn man`.
pub const MAN: &str = "\
Example:
  churn man > churn.1 && man ./churn.1

Exit codes: 0 ok, 2 error.";
