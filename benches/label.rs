//! Labelling throughput per stage and end to end, one thread and two: on the gold text pages
//! (`data/seeds.gold.jsonl`, `data/pages_a.gold.jsonl`) and on the gold HTML pages
//! (`data/pages_b.gold.jsonl`'s `html`, from the raw bytes). Run: `cargo bench --bench label`.
//!
//! End to end is one batch as `pagesift label` runs it (`label_pages`: segment, count repeats,
//! label), on a pool of 1 or 2 threads: the gold pages cycled, with fresh ids, to a batch of the
//! CLI's size, since 22 or 27 pages of uneven length cannot keep two threads evenly busy.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use pagesift::{read_gold, Labeler, Page};
use rayon::prelude::*;
use std::hint::black_box;

/// Pages labelled together by `pagesift label` (its `BATCH_PAGES`).
const BATCH: usize = 512;

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool")
}

/// `pages` cycled to `n` pages with fresh ids.
fn cycled(pages: &[Page], n: usize) -> Vec<Page> {
    (0..n)
        .map(|i| {
            let mut page = pages[i % pages.len()].clone();
            page.id = format!("{}-{i}", page.id);
            page
        })
        .collect()
}

fn pages() -> Vec<Page> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/");
    let files: Vec<String> = ["seeds.gold.jsonl", "pages_a.gold.jsonl"]
        .iter()
        .map(|f| format!("{dir}{f}"))
        .collect();
    read_gold(&files).0.into_iter().map(|g| g.page).collect()
}

fn bench(c: &mut Criterion) {
    let pages = pages();
    let bytes: usize = pages.iter().map(|p| p.text.len()).sum();
    let labeler = Labeler::builtin().expect("built-in model");
    let page_refs: Vec<&Page> = pages.iter().collect();
    let (segmented, repeats) = labeler.pipeline().segment_batch(&page_refs);

    let mut group = c.benchmark_group("text_pages");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(10);
    group.bench_function("segment", |b| {
        b.iter(|| {
            pages
                .iter()
                .map(|p| labeler.pipeline().segment(p).units.len())
                .sum::<usize>()
        })
    });
    group.bench_function("tokenize", |b| {
        b.iter(|| {
            let mut n = 0;
            for (p, seg) in pages.iter().zip(&segmented) {
                for block in &seg.blocks {
                    n += labeler
                        .pipeline()
                        .tokenizer
                        .encode_block(block.range.slice(&p.text))
                        .unwrap()
                        .ids
                        .len();
                }
            }
            n
        })
    });
    group.bench_function("prepare_features", |b| {
        b.iter(|| {
            pages
                .iter()
                .zip(&segmented)
                .map(|(p, seg)| {
                    labeler
                        .pipeline()
                        .prepare(p, seg, &repeats)
                        .unwrap()
                        .unit_keys
                        .len()
                })
                .sum::<usize>()
        })
    });
    group.finish();

    let batch = cycled(&pages, BATCH);
    let mut group = c.benchmark_group("text_batch");
    group.throughput(Throughput::Bytes(
        batch.iter().map(|p| p.text.len() as u64).sum(),
    ));
    group.sample_size(10);
    for threads in [1, 2] {
        let pool = pool(threads);
        group.bench_function(format!("end_to_end_{threads}_thread"), |b| {
            b.iter(|| pool.install(|| black_box(labeler.label_pages(&batch))))
        });
    }
    group.finish();
}

/// The HTML of the gold HTML pages, as bytes.
fn html_pages() -> Vec<Vec<u8>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/pages_b.gold.jsonl");
    std::fs::read_to_string(path)
        .expect("pages_b gold")
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("JSON line");
            v["html"].as_str().expect("html field").as_bytes().to_vec()
        })
        .collect()
}

fn bench_html(c: &mut Criterion) {
    let html = html_pages();
    let bytes: usize = html.iter().map(Vec::len).sum();
    let labeler = Labeler::builtin().expect("built-in model");
    let from_html = |(i, h): (usize, &Vec<u8>)| Page::from_html(&i.to_string(), h).unwrap();
    let pages: Vec<Page> = html.iter().enumerate().map(from_html).collect();

    let mut group = c.benchmark_group("html_pages");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(10);
    group.bench_function("parse_and_extract", |b| {
        b.iter(|| {
            html.iter()
                .map(|h| pagesift::html::extract(h, None).unwrap().text.len())
                .sum::<usize>()
        })
    });
    group.bench_function("content_model", |b| {
        let content = labeler
            .pipeline()
            .content
            .as_ref()
            .expect("built-in content model");
        b.iter(|| {
            pages
                .iter()
                .map(|p| {
                    let seg = labeler.pipeline().segment(p);
                    content
                        .furniture(&labeler.pipeline().features, p, &seg)
                        .len()
                })
                .sum::<usize>()
        })
    });
    group.finish();

    // Parse and label a batch, as the CLI does: HTML parsed in parallel, then labelled.
    let batch: Vec<&Vec<u8>> = html.iter().cycle().take(BATCH / 2).collect();
    let mut group = c.benchmark_group("html_batch");
    group.throughput(Throughput::Bytes(
        batch.iter().map(|h| h.len() as u64).sum(),
    ));
    group.sample_size(10);
    for threads in [1, 2] {
        let pool = pool(threads);
        group.bench_function(format!("end_to_end_{threads}_thread"), |b| {
            b.iter(|| {
                pool.install(|| {
                    let pages: Vec<Page> = batch
                        .par_iter()
                        .enumerate()
                        .map(|(i, h)| from_html((i, h)))
                        .collect();
                    black_box(labeler.label_pages(&pages))
                })
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench, bench_html);
criterion_main!(benches);
