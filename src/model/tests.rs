//! Tests of the classifier: fitting, its gradient, reproducibility, prediction and attributions.

use super::*;
use ndarray::array;

#[test]
fn probabilities_are_the_softmax_of_the_matrix_product() {
    // 19 columns: two runs of eight and a remainder of three; a transposed view of `x`
    // exercises rows that are not contiguous.
    let x = Array2::from_shape_fn((5, 19), |(i, j)| ((i * 7 + j * 3) % 11) as f32 / 5.0 - 1.0);
    let w = Array2::from_shape_fn((19, 3), |(j, c)| ((j * 5 + c * 13) % 7) as f32 / 3.0 - 1.0);
    let b = Array1::from(vec![0.5f32, -0.25, 0.0]);
    let expected = {
        let mut h = x.dot(&w) + &b;
        for mut row in h.rows_mut() {
            let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            row.mapv_inplace(|v| (v - max).exp());
            let sum = row.sum();
            row /= sum;
        }
        h
    };
    let transposed = x.t().to_owned();
    for input in [
        x.clone(),
        transposed.t().to_owned(),
        transposed.reversed_axes(),
    ] {
        let got = softmax_of_linear(&input, &w, &b);
        assert_eq!(got.dim(), (5, 3));
        for (g, e) in got.iter().zip(&expected) {
            assert!((g - e).abs() < 1e-6, "{g} against {e}");
        }
    }
}

fn toy() -> (Array2<f32>, Array1<usize>) {
    let x = array![
        [1.0, 0.0, 0.0],
        [0.9, 0.1, 0.0],
        [0.0, 1.0, 0.0],
        [0.1, 0.9, 0.0],
        [0.0, 0.0, 1.0],
        [0.0, 0.1, 0.9]
    ];
    (x, array![0, 0, 1, 1, 2, 2])
}

#[test]
fn fits_and_predicts_the_obvious_classes() {
    let (x, y) = toy();
    let clf = ClassifierParams {
        alpha: 0.01,
        max_iterations: 100,
    }
    .fit(&x, &y)
    .unwrap();
    let p = clf.predict_proba(&x);
    for (r, &class) in y.iter().enumerate() {
        let best = (0..3)
            .max_by(|&a, &b| p[[r, a]].total_cmp(&p[[r, b]]))
            .unwrap();
        assert_eq!(best, class, "row {r}: {:?}", p.row(r));
    }
}

#[test]
fn contributions_add_up_to_the_log_odds_against_the_mean() {
    let (x, y) = toy();
    let clf = ClassifierParams::default().fit(&x, &y).unwrap();
    let p = clf.predict_proba(&x);
    let row = 2;
    let logit = |k: usize| p[[row, k]].ln();
    let mean_logit = (0..3).map(logit).sum::<f32>() / 3.0;
    // Σ contributions = (w_k − mean w)·x; the intercepts make up the rest.
    let b = clf.intercept();
    let b_mean = b.mean().unwrap();
    for label in Label::ALL {
        let k = clf.class_column(label);
        let sum: f32 = clf.contributions(x.row(row), label).iter().sum();
        let expected = logit(label.index()) - mean_logit - (b[k] - b_mean);
        assert!(
            (sum - expected).abs() < 1e-3,
            "{label}: {sum} vs {expected}"
        );
    }
}

/// The gradient `evaluate` returns is the cost's: central differences of the cost agree
/// with it coordinate by coordinate, over more rows than one chunk and with row weights.
#[test]
fn the_gradient_is_the_costs() {
    let n = CHUNK + 700;
    let (d, k) = (5, 3);
    let x = Array2::from_shape_fn((n, d), |(i, j)| {
        ((i * 7 + j * 13) % 17) as f32 / (1.0 + j as f32)
    });
    let y = Array1::from_shape_fn(n, |i| (i * 5 + i / 3) % k);
    let w: Vec<f32> = (0..n).map(|i| 0.5 + (i % 4) as f32).collect();
    let problem = Problem::new(&x, &y, Some(&w), &[0, 1, 2], 2.0);
    let p = Array1::from_shape_fn((d + 1) * k, |i| ((i * 37) % 11) as f64 / 10.0 - 0.5);
    let (_, grad) = problem.evaluate(&p);
    let h = 1e-3;
    for i in 0..p.len() {
        let (mut up, mut down) = (p.clone(), p.clone());
        up[i] += h;
        down[i] -= h;
        let numeric = (problem.evaluate(&up).0 - problem.evaluate(&down).0) / (2.0 * h);
        assert!(
            (numeric - grad[i]).abs() < 1e-3 * (1.0 + numeric.abs()),
            "coordinate {i}: {} against {numeric}",
            grad[i]
        );
    }
}

/// 60,000 rows whose columns differ in scale by 10⁶ (a count, a share, a log length, a
/// constant): linfa's f32 solver stopped at its start on data like this (all weights 0).
#[test]
fn fits_many_rows_of_mixed_scales() {
    let n = 60_000;
    let mut x = Array2::<f32>::zeros((n, 4));
    let mut y = Array1::<usize>::zeros(n);
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f32 / (1u64 << 53) as f32
    };
    for i in 0..n {
        let class = i % 3;
        let noise = next() - 0.5;
        x[[i, 0]] = 1000.0 * (class as f32 + noise); // a count
        x[[i, 1]] = 0.001 * (if class == 1 { 1.0 } else { 0.2 } + 0.3 * next()); // a share
        x[[i, 2]] = (1.0 + 50.0 * next()).ln(); // noise on a log scale
        x[[i, 3]] = 7.0; // constant
        y[i] = class;
    }
    let weights: Vec<f32> = (0..n).map(|i| 1.0 + (i % 4) as f32).collect();
    let clf = ClassifierParams::default()
        .fit_weighted(&x, &y, Some(&weights), &Label::ALL)
        .unwrap();
    let p = clf.predict_proba(&x);
    let correct = (0..n)
        .filter(|&r| {
            let best = (0..3)
                .max_by(|&a, &b| p[[r, a]].total_cmp(&p[[r, b]]))
                .unwrap();
            best == y[r]
        })
        .count();
    assert!(correct as f64 > 0.8 * n as f64, "{correct} of {n} right");
    assert!(clf.is_finite());
    // Fitted again on the same rows, bit for bit the same weights: the chunks' sums are
    // added in order, whichever thread did which chunk.
    for _ in 0..3 {
        let again = ClassifierParams::default()
            .fit_weighted(&x, &y, Some(&weights), &Label::ALL)
            .unwrap();
        assert_eq!(again, clf);
    }
}

#[test]
fn row_weights_count_as_copies() {
    let (x, y) = toy();
    let params = ClassifierParams {
        alpha: 0.5,
        max_iterations: 200,
    };
    let weighted = params
        .fit_weighted(&x, &y, Some(&[2.0, 1.0, 1.0, 1.0, 1.0, 1.0]), &Label::ALL)
        .unwrap();
    let mut copies = Array2::<f32>::zeros((7, 3));
    copies.slice_mut(ndarray::s![..6, ..]).assign(&x);
    copies.row_mut(6).assign(&x.row(0));
    let mut yc = y.to_vec();
    yc.push(y[0]);
    let copied = params.fit(&copies, &Array1::from(yc)).unwrap();
    let (a, b) = (weighted.predict_proba(&x), copied.predict_proba(&x));
    for (u, v) in a.iter().zip(b.iter()) {
        assert!((u - v).abs() < 1e-3, "{a:?} vs {b:?}");
    }
}

#[test]
fn rejects_missing_labels_and_nan() {
    let (x, _) = toy();
    let err = ClassifierParams::default()
        .fit(&x, &array![0, 0, 1, 1, 1, 1])
        .unwrap_err();
    assert!(
        err.to_string().contains("found none labelled boilerplate"),
        "{err}"
    );
    let mut bad = x.clone();
    bad[[3, 1]] = f32::NAN;
    let err = ClassifierParams::default()
        .fit(&bad, &array![0, 0, 1, 1, 2, 2])
        .unwrap_err();
    assert!(err.to_string().contains("row 3"), "{err}");
}

#[test]
fn round_trips_through_json() {
    let (x, y) = toy();
    let clf = ClassifierParams::default().fit(&x, &y).unwrap();
    let again: Classifier = serde_json::from_str(&serde_json::to_string(&clf).unwrap()).unwrap();
    assert_eq!(clf.predict_proba(&x), again.predict_proba(&x));
}
