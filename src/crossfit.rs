//! Folds of pages, and cross-fitting: a part fitted on the other folds' pages scores each
//! page, so the rows a model learns from carry evidence as unseen as a new page's. Both the
//! 3-label model (its lexicon, by site folds) and the content model (its lexicon, by halves)
//! build their training rows this way; cross-validation splits the gold pages with the same
//! folds.

use crate::types::{GoldPage, Page};
use rayon::prelude::*;

/// How cross-validation splits the gold pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Folds {
    /// Each page is held out alone (leave-one-document-out).
    LeaveOneOut,
    /// `k` folds; all the pages of a site are in one fold (see [`site_of`]).
    BySite(usize),
    /// `k` folds of pages, in turn.
    ByPage(usize),
}

/// A page's site: its URL's host, lower-cased, without `www.` and port; the page id when it has
/// no URL (so a page without one is a site of its own).
pub fn site_of(page: &Page) -> String {
    let host = page.url.as_deref().and_then(|url| {
        let rest = url.split_once("://").map_or(url, |(_, r)| r);
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
        let host = host.split(':').next().unwrap_or("").to_ascii_lowercase();
        let host = host.strip_prefix("www.").unwrap_or(&host).to_string();
        (!host.is_empty()).then_some(host)
    });
    host.unwrap_or_else(|| page.id.clone())
}

/// The fold of each gold page. Sites go to folds largest first, each to the fold with the fewest
/// pages so far (ties to the lower fold), so folds are balanced and the split is deterministic.
pub fn assign_folds(gold: &[GoldPage], folds: Folds) -> Vec<usize> {
    match folds {
        Folds::LeaveOneOut => (0..gold.len()).collect(),
        Folds::ByPage(k) => (0..gold.len()).map(|i| i % k.max(1)).collect(),
        Folds::BySite(k) => {
            let k = k.max(1);
            let sites: Vec<String> = gold.iter().map(|g| site_of(&g.page)).collect();
            let mut sizes: std::collections::BTreeMap<&str, usize> = Default::default();
            for s in &sites {
                *sizes.entry(s).or_default() += 1;
            }
            let mut order: Vec<(&str, usize)> = sizes.into_iter().collect();
            order.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            let mut load = vec![0usize; k];
            let mut fold_of_site = std::collections::HashMap::new();
            for (site, n) in order {
                let f = (0..k).min_by_key(|&f| (load[f], f)).unwrap_or(0);
                load[f] += n;
                fold_of_site.insert(site, f);
            }
            sites.iter().map(|s| fold_of_site[s.as_str()]).collect()
        }
    }
}

/// One fitted part per fold, each fitted on every other fold's items, and the fold of every
/// item: [`CrossFitted::rows`] scores each item with the part that never saw it.
pub(crate) struct CrossFitted<M> {
    parts: Vec<M>,
    fold_of: Vec<usize>,
}

impl<M: Sync> CrossFitted<M> {
    /// Fits `folds` parts (in fold order), part `f` on the items whose fold is not `f`; with
    /// fewer than 2 folds, one part on every item. `fit` is given which items it may use.
    /// The parts are fitted side by side (a fit that is itself serial then uses every core).
    pub(crate) fn fit(
        fold_of: Vec<usize>,
        folds: usize,
        fit: impl Fn(&dyn Fn(usize) -> bool) -> M + Sync,
    ) -> Self
    where
        M: Send,
    {
        Self::fit_alongside(fold_of, folds, fit, || ()).0
    }

    /// [`CrossFitted::fit`], with `alongside` run at the same time (such as the fit on every
    /// item that follows the cross-fitted ones), its result returned too.
    pub(crate) fn fit_alongside<W: Send>(
        fold_of: Vec<usize>,
        folds: usize,
        fit: impl Fn(&dyn Fn(usize) -> bool) -> M + Sync,
        alongside: impl FnOnce() -> W + Send,
    ) -> (Self, W)
    where
        M: Send,
    {
        let (parts, w) = rayon::join(
            || {
                if folds < 2 {
                    vec![fit(&|_| true)]
                } else {
                    (0..folds)
                        .into_par_iter()
                        .map(|f| fit(&|i| fold_of[i] != f))
                        .collect()
                }
            },
            alongside,
        );
        (CrossFitted { parts, fold_of }, w)
    }

    /// The part that did not see item `i`.
    pub(crate) fn part_for(&self, i: usize) -> &M {
        &self.parts[self.fold_of[i] % self.parts.len()]
    }

    /// `build` of every item with the part that did not see it, in item order (items in
    /// parallel).
    pub(crate) fn rows<T: Sync, R: Send>(
        &self,
        items: &[T],
        build: impl Fn(&T, &M) -> R + Sync,
    ) -> Vec<R> {
        items
            .par_iter()
            .enumerate()
            .map(|(i, item)| build(item, self.part_for(i)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_folds_never_split_a_host() {
        let urls = [
            Some("https://www.clinic.example/a"),
            Some("http://clinic.example:8080/b?x=1"),
            Some("https://CLINIC.example"),
            Some("https://blog.clinic.example/post"),
            Some("https://shop.example/p/1"),
            Some("https://user@shop.example/p/2"),
            None,
            None,
            Some("https://news.example/story"),
            Some("https://other.example/"),
            Some("https://other.example/2"),
        ];
        let pages: Vec<GoldPage> = urls
            .iter()
            .enumerate()
            .map(|(i, url)| GoldPage {
                page: Page {
                    id: format!("p{i}"),
                    url: url.map(str::to_string),
                    ..Page::default()
                },
                spans: Vec::new(),
                unaligned: Default::default(),
            })
            .collect();
        assert_eq!(site_of(&pages[1].page), "clinic.example");
        assert_eq!(site_of(&pages[3].page), "blog.clinic.example");
        assert_eq!(site_of(&pages[6].page), "p6", "no URL: a site of its own");
        for k in [2, 3, 5] {
            let folds = assign_folds(&pages, Folds::BySite(k));
            for (i, a) in pages.iter().enumerate() {
                for (j, b) in pages.iter().enumerate() {
                    if site_of(&a.page) == site_of(&b.page) {
                        assert_eq!(folds[i], folds[j], "k={k}: pages {i} and {j} split");
                    }
                }
            }
            // Balanced: the largest site has 3 pages, so no fold is emptier than it must be.
            let mut load = vec![0; k];
            folds.iter().for_each(|&f| load[f] += 1);
            assert!(load.iter().all(|&n| n > 0), "k={k}: {load:?}");
        }
        assert_eq!(
            assign_folds(&pages, Folds::LeaveOneOut),
            (0..pages.len()).collect::<Vec<_>>()
        );
    }

    #[test]
    fn each_item_is_scored_by_the_part_fitted_without_its_fold() {
        // A "part" is the list of items it was fitted on.
        let fitted = CrossFitted::fit(vec![0, 1, 0, 1], 2, |keep| {
            (0..4).filter(|&i| keep(i)).collect::<Vec<usize>>()
        });
        let seen = fitted.rows(&[0usize, 1, 2, 3], |&i, part| part.contains(&i));
        assert_eq!(seen, [false; 4]);
        assert_eq!(fitted.part_for(0), &vec![1, 3]);
        let one = CrossFitted::fit(vec![0, 0], 1, |keep| (0..2).filter(|&i| keep(i)).count());
        assert_eq!(*one.part_for(1), 2);
    }

    #[test]
    fn parts_fitted_side_by_side_keep_fold_order_and_the_whole_fit_comes_back() {
        let fold_of: Vec<usize> = (0..10).map(|i| i % 5).collect();
        let kept = |keep: &dyn Fn(usize) -> bool| (0..10).filter(|&i| keep(i)).collect::<Vec<_>>();
        let (fitted, whole) = CrossFitted::fit_alongside(fold_of, 5, kept, || kept(&|_| true));
        assert_eq!(whole, (0..10).collect::<Vec<_>>());
        for f in 0..5 {
            let part = fitted.part_for(f);
            assert_eq!(part.len(), 8);
            assert!(
                !part.contains(&f) && !part.contains(&(f + 5)),
                "{f}: {part:?}"
            );
        }
    }
}
