//! Parallel maps over a batch that keep the input order.

use rayon::prelude::*;
use std::cmp::Reverse;

/// `f` over `items` on the current rayon pool (every core by default), the biggest items first,
/// results in input order.
///
/// Page sizes on the web vary a thousandfold; in input order a 2 MB page that starts last keeps
/// one core busy while the others wait for the batch to end. Starting the biggest first leaves
/// only small items for the end.
pub fn map_biggest_first<T: Send, R: Send>(
    items: Vec<T>,
    size: impl Fn(&T) -> usize,
    f: impl Fn(T) -> R + Sync + Send,
) -> Vec<R> {
    let mut indexed: Vec<(usize, T)> = items.into_iter().enumerate().collect();
    indexed.sort_by_key(|(_, item)| Reverse(size(item)));
    // Each thread takes the next biggest item when it is free (`par_bridge` hands items out in
    // order). Splitting the sorted list in halves instead, as an indexed parallel iterator does,
    // gave one thread the big half and made the batch wait for it.
    let mut done: Vec<(usize, R)> = indexed
        .into_iter()
        .par_bridge()
        .map(|(i, item)| (i, f(item)))
        .collect();
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_input_order_whatever_the_sizes() {
        let items: Vec<usize> = vec![3, 100, 7, 7, 0, 55, 1];
        let out = map_biggest_first(items.clone(), |&n| n, |n| n * 2);
        assert_eq!(out, items.iter().map(|n| n * 2).collect::<Vec<_>>());
        assert!(map_biggest_first(Vec::<usize>::new(), |&n| n, |n| n).is_empty());
    }
}
