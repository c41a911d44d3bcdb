//! The dense design matrix every learner consumes.

/// A dense, column-major `f64` matrix: column `j` is `data[j * n_rows .. (j + 1) * n_rows]`.
///
/// Column-major suits both tree learners (binning and split search walk one feature at a time)
/// and the preprocessing that builds it column by column. `NaN` marks a missing value; the
/// toolkit's preprocessing imputes before learners see the data, but tree learners accept it.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    n_rows: usize,
    n_cols: usize,
    data: Vec<f64>,
}

impl Matrix {
    /// Wraps column-major data; `None` when `data.len() != n_rows * n_cols`.
    pub fn from_col_major(n_rows: usize, n_cols: usize, data: Vec<f64>) -> Option<Self> {
        (data.len() == n_rows * n_cols).then_some(Matrix { n_rows, n_cols, data })
    }

    /// Builds from rows (handy in tests); `None` when rows have unequal lengths.
    pub fn from_rows(rows: &[Vec<f64>]) -> Option<Self> {
        let n_rows = rows.len();
        let n_cols = rows.first().map_or(0, |r| r.len());
        let mut data = vec![0.0; n_rows * n_cols];
        for (i, r) in rows.iter().enumerate() {
            if r.len() != n_cols {
                return None;
            }
            for (j, v) in r.iter().enumerate() {
                data[j * n_rows + i] = *v;
            }
        }
        Some(Matrix { n_rows, n_cols, data })
    }

    /// Number of rows (samples).
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Number of columns (features).
    pub fn n_cols(&self) -> usize {
        self.n_cols
    }

    /// Column `j` as a slice.
    #[inline]
    pub fn col(&self, j: usize) -> &[f64] {
        &self.data[j * self.n_rows..(j + 1) * self.n_rows]
    }

    /// Element at row `i`, column `j`.
    #[inline]
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.data[j * self.n_rows + i]
    }

    /// Row `i` copied into `out` (length `n_cols`).
    pub fn row_into(&self, i: usize, out: &mut [f64]) {
        for (j, o) in out.iter_mut().enumerate() {
            *o = self.data[j * self.n_rows + i];
        }
    }

    /// The rows at `idx`, in that order, as a new matrix.
    pub fn select_rows(&self, idx: &[usize]) -> Matrix {
        let mut data = Vec::with_capacity(idx.len() * self.n_cols);
        for j in 0..self.n_cols {
            let c = self.col(j);
            data.extend(idx.iter().map(|&i| c[i]));
        }
        Matrix { n_rows: idx.len(), n_cols: self.n_cols, data }
    }

    /// The raw column-major buffer.
    pub fn as_slice(&self) -> &[f64] {
        &self.data
    }
}
