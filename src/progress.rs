//! Progress of the long library calls (`train`, cross-validation), handed in by the caller: the
//! command line shows it on a spinner, a library user can log it or ignore it.

use std::fmt;
use std::sync::Arc;

/// A callback told what a long call is doing now, in a few words ("fitting the lexicon",
/// "fold 2 of 5 done"). The default does nothing. Clones share the callback.
#[derive(Clone, Default)]
pub struct Progress(Option<Arc<Report>>);

/// What a [`Progress`] calls.
type Report = dyn Fn(&str) + Send + Sync;

impl Progress {
    /// Progress reported to `report`.
    pub fn new(report: impl Fn(&str) + Send + Sync + 'static) -> Self {
        Progress(Some(Arc::new(report)))
    }

    /// Says what is being done now.
    pub fn say(&self, what: &str) {
        if let Some(report) = &self.0 {
            report(what);
        }
    }
}

impl fmt::Debug for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "Progress(reported)"
        } else {
            "Progress(none)"
        })
    }
}

/// Progress never makes two parameter sets differ.
impl PartialEq for Progress {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn progress_reaches_the_callback_and_clones_share_it() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let progress = Progress::new(move |what| sink.lock().unwrap().push(what.to_string()));
        progress.say("one");
        progress.clone().say("two");
        Progress::default().say("nobody hears this");
        assert_eq!(*seen.lock().unwrap(), ["one", "two"]);
    }
}
