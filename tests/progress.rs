//! `train` and cross-validation tell a caller's [`pagesift::Progress`] what they are doing.

mod util;

use pagesift::cv::{cross_validate_folds, Folds};
use pagesift::{read_gold, train, Progress, TrainParams};
use std::sync::{Arc, Mutex};

fn recorder() -> (Progress, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let progress = Progress::new(move |what| sink.lock().unwrap().push(what.to_string()));
    (progress, seen)
}

#[test]
fn train_and_cv_report_their_phases() {
    let (gold, errors) = read_gold(&[util::data("seeds.gold.jsonl")]);
    assert!(errors.is_empty() && gold.len() == 5);
    let (progress, seen) = recorder();
    let params = TrainParams {
        vocab_size: 500,
        progress,
        ..TrainParams::default()
    };
    train(&gold, &params, &[]).unwrap();
    let phases = seen.lock().unwrap().clone();
    assert_eq!(
        phases.first().map(String::as_str),
        Some("training the tokenizer")
    );
    for phase in [
        "fitting the lexicons (cross-fitted, and one on every page)",
        "fitting the classifier",
    ] {
        assert!(phases.iter().any(|p| p == phase), "{phase}: {phases:?}");
    }
    // The final lexicon is fitted alongside the cross-fitted ones; the trees come last.
    assert_eq!(
        phases.last().map(String::as_str),
        Some("fitting the boosted trees")
    );

    seen.lock().unwrap().clear();
    cross_validate_folds(&gold, &[], &params, Folds::ByPage(2), None).unwrap();
    let said = seen.lock().unwrap().clone();
    // The folds' own phases are not told (they run side by side); their ends are, in order.
    assert_eq!(
        said,
        ["training 2 folds", "fold 1 of 2 done", "fold 2 of 2 done"]
    );
}
