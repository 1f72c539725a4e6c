//! Labelling throughput per stage and end to end, one thread and all cores: on the gold text pages
//! (`data/seeds.gold.jsonl`, `data/pages_a.gold.jsonl`) and on the gold HTML pages
//! (`data/pages_b.gold.jsonl`'s `html`, from the raw bytes). Run: `cargo bench --bench label`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use pagesift::{read_gold, Labeler, Page};
use rayon::prelude::*;
use std::hint::black_box;

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
    let (segmented, repeats) = labeler.pipeline.segment_batch(&page_refs);

    let mut group = c.benchmark_group("text_pages");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(10);
    group.bench_function("segment", |b| {
        b.iter(|| {
            pages
                .iter()
                .map(|p| labeler.pipeline.segment(p).units.len())
                .sum::<usize>()
        })
    });
    group.bench_function("tokenize", |b| {
        b.iter(|| {
            let mut n = 0;
            for (p, seg) in pages.iter().zip(&segmented) {
                for block in &seg.blocks {
                    n += labeler
                        .pipeline
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
                        .pipeline
                        .prepare(p, seg, &repeats)
                        .unwrap()
                        .unit_keys
                        .len()
                })
                .sum::<usize>()
        })
    });
    group.bench_function("end_to_end_1_thread", |b| {
        b.iter(|| {
            for p in &pages {
                black_box(labeler.label_page(p, &repeats).unwrap());
            }
        })
    });
    group.bench_function("end_to_end_all_cores", |b| {
        b.iter(|| black_box(labeler.label_pages(&pages)))
    });
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
    let page_refs: Vec<&Page> = pages.iter().collect();
    let (_, repeats) = labeler.pipeline.segment_batch(&page_refs);

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
            .pipeline
            .content
            .as_ref()
            .expect("built-in content model");
        b.iter(|| {
            pages
                .iter()
                .map(|p| {
                    let seg = labeler.pipeline.segment(p);
                    content.furniture(&labeler.pipeline.features, p, &seg).len()
                })
                .sum::<usize>()
        })
    });
    group.bench_function("end_to_end_1_thread", |b| {
        b.iter(|| {
            for (i, h) in html.iter().enumerate() {
                let page = from_html((i, h));
                black_box(labeler.label_page(&page, &repeats).unwrap());
            }
        })
    });
    group.bench_function("end_to_end_all_cores", |b| {
        b.iter(|| {
            let pages: Vec<Page> = html.par_iter().enumerate().map(from_html).collect();
            black_box(labeler.label_pages(&pages))
        })
    });
    group.finish();
}

criterion_group!(benches, bench, bench_html);
criterion_main!(benches);
