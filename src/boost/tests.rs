//! Tests of the boosted trees: fitting, the cascade, chunked evaluation and attributions.

use super::*;

/// Rows of two columns where the label is an interaction: promotion (1) when both columns
/// are high, boilerplate (2) when only the second is, education (0) otherwise. No sum of
/// per-column effects gets the first two right.
fn xor_rows(n: usize) -> (Array2<f32>, Vec<usize>) {
    let mut rng = SplitMix(3);
    let mut x = Array2::zeros((n, 3));
    let mut y = Vec::new();
    for i in 0..n {
        let (a, b) = (rng.unit(), rng.unit());
        x[[i, 0]] = a;
        x[[i, 1]] = b;
        x[[i, 2]] = rng.unit(); // noise
        y.push(match (a > 0.5, b > 0.5) {
            (true, true) => 1,
            (false, true) => 2,
            _ => 0,
        });
    }
    (x, y)
}

fn params(trees: usize) -> BoostParams {
    BoostParams {
        trees,
        depth: 2,
        learning_rate: 0.3,
        column_share: 1.0,
        ..BoostParams::default()
    }
}

#[test]
fn learns_an_interaction_a_sum_of_columns_cannot() {
    let (x, y) = xor_rows(2000);
    let w = vec![1.0; y.len()];
    let booster = params(60).fit(&x, &y, &w).unwrap();
    booster.check().unwrap();
    let (xt, yt) = xor_rows(500);
    let right = xt
        .rows()
        .into_iter()
        .zip(&yt)
        .filter(|(row, &label)| {
            let p = booster.predict_row(*row);
            (0..K).max_by(|&a, &b| p[a].total_cmp(&p[b])) == Some(label)
        })
        .count();
    assert!(right as f64 / 500.0 > 0.97, "{right} of 500 right");
}

#[test]
fn no_trees_predict_the_weighted_prior_and_weights_count() {
    let x = ndarray::array![[0.0f32], [1.0], [2.0], [3.0]];
    let booster = params(0)
        .fit(&x, &[0, 1, 1, 2], &[4.0, 1.0, 1.0, 2.0])
        .unwrap();
    let p = booster.predict_row(x.row(0));
    assert!(
        (p[0] - 0.5).abs() < 1e-3 && (p[2] - 0.25).abs() < 1e-3,
        "{p:?}"
    );
}

#[test]
fn contributions_add_up_to_the_score_and_credit_the_columns_that_decide() {
    let (x, y) = xor_rows(2000);
    let booster = params(60).fit(&x, &y, &vec![1.0; y.len()]).unwrap();
    let centred = |v: &[f32; K], k: usize| v[k] - v.iter().sum::<f32>() / K as f32;
    for (row, &gold) in x.rows().into_iter().zip(&y).take(50) {
        // The row's raw scores (before the softmax), and what no split decided: the base
        // and every tree's mean leaf.
        let mut score = booster.base;
        let mut start = [0f32; K];
        for tree in &booster.trees {
            let leaf = tree.leaf_of(row);
            for k in 0..K {
                score[k] += tree.leaves[leaf][k];
                start[k] +=
                    tree.leaves.iter().map(|l| l[k]).sum::<f32>() / tree.leaves.len() as f32;
            }
        }
        for label in Label::ALL {
            let k = label.index();
            let c = booster.contributions(row, label);
            let total: f32 = c.iter().sum();
            let want = centred(&score, k) - centred(&booster.base, k) - centred(&start, k);
            assert!((total - want).abs() < 1e-3, "{total} against {want}");
        }
        // The label is decided by the first two columns; the third is noise.
        let c = booster.contributions(row, Label::from_index(gold));
        assert!(c[0] + c[1] > 0.0, "{c:?}");
        assert!(c[2].abs() < c[0].abs().max(c[1].abs()), "{c:?}");
    }
}

#[test]
fn sure_rows_keep_their_linear_probabilities() {
    let (x, y) = xor_rows(400);
    let mut booster = params(10).fit(&x, &y, &vec![1.0; y.len()]).unwrap();
    booster.below = 0.9;
    let mut probs = ndarray::array![[0.95f32, 0.03, 0.02], [0.5, 0.3, 0.2]];
    let rows = x.slice(ndarray::s![0..2, ..]).to_owned();
    booster.refine(&rows, &mut probs);
    assert_eq!(probs.row(0).to_vec(), vec![0.95, 0.03, 0.02]);
    assert_eq!(
        probs.row(1).to_vec(),
        booster.predict_row(rows.row(1)).to_vec()
    );
}

#[test]
fn chunked_rows_match_the_row_by_row_trees() {
    let (x, y) = xor_rows(400);
    let mut booster = params(10).fit(&x, &y, &vec![1.0; y.len()]).unwrap();
    booster.below = 1.01;
    // 300 rows: two full chunks and a partial one; 100 rows: one chunk sized to them.
    for n in [300, 100] {
        let rows = x.slice(ndarray::s![0..n, ..]).to_owned();
        let mut probs = Array2::from_elem((n, K), 1.0 / K as f32);
        booster.refine(&rows, &mut probs);
        for i in 0..n {
            let want = booster.predict_row(rows.row(i));
            for k in 0..K {
                assert!((probs[[i, k]] - want[k]).abs() < 1e-6, "row {i} of {n}");
            }
        }
    }
}

#[test]
fn cuts_split_distinct_values_and_constant_columns_have_none() {
    let v = ndarray::array![1.0f32, 1.0, 2.0, 3.0];
    assert_eq!(quantile_cuts(v.view(), 32), vec![1.5, 2.5]);
    let c = ndarray::array![7.0f32, 7.0];
    assert!(quantile_cuts(c.view(), 32).is_empty());
    let many: ndarray::Array1<f32> = (0..1000).map(|i| i as f32).collect();
    let cuts = quantile_cuts(many.view(), 8);
    assert_eq!(cuts.len(), 7);
    assert!(cuts.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn rejects_bad_parameters_and_rows() {
    let x = ndarray::array![[0.0f32], [f32::NAN]];
    assert!(params(1).fit(&x, &[0, 1], &[1.0, 1.0]).is_err());
    let x = ndarray::array![[0.0f32], [1.0]];
    let bad = BoostParams {
        depth: 0,
        ..params(1)
    };
    assert!(bad.fit(&x, &[0, 1], &[1.0, 1.0]).is_err());
    let none = BoostParams {
        ensemble: 0,
        ..params(1)
    };
    assert!(none.fit(&x, &[0, 1], &[1.0, 1.0]).is_err());
    assert!(params(1).fit(&x, &[0, 3], &[1.0, 1.0]).is_err());
}

#[test]
fn an_ensemble_scores_the_mean_of_its_members() {
    let (x, y) = xor_rows(600);
    let w = vec![1.0; y.len()];
    let sampled = |seed, ensemble| BoostParams {
        row_share: 0.5,
        column_share: 0.7,
        seed,
        ensemble,
        ..params(20)
    };
    let both = sampled(5, 2).fit(&x, &y, &w).unwrap();
    let (a, b) = (
        sampled(5, 1).fit(&x, &y, &w).unwrap(),
        sampled(6, 1).fit(&x, &y, &w).unwrap(),
    );
    assert_eq!(both.trees.len(), a.trees.len() + b.trees.len());
    assert_ne!(a.trees, b.trees, "the members are sampled differently");
    assert_eq!(
        (both.base, a.base),
        (b.base, b.base),
        "every member starts from the prior"
    );
    let score = |booster: &Booster, row| {
        let mut s = booster.base;
        for tree in &booster.trees {
            let leaf = &tree.leaves[tree.leaf_of(row)];
            for k in 0..K {
                s[k] += leaf[k];
            }
        }
        s
    };
    for row in x.rows().into_iter().take(100) {
        let (e, sa, sb) = (score(&both, row), score(&a, row), score(&b, row));
        for k in 0..K {
            let mean = (sa[k] + sb[k]) / 2.0;
            assert!(
                (e[k] - mean).abs() < 1e-4,
                "{e:?} against {sa:?} and {sb:?}"
            );
        }
    }
}
