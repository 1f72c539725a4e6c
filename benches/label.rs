//! Labelling throughput on the gold text pages (`data/*.gold.jsonl`, ~0.6 MB), per stage and end
//! to end, one thread and all cores. Run: `cargo bench --bench label`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use pagesift::{read_gold, Labeler, Page};
use std::hint::black_box;

fn pages() -> Vec<Page> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/");
    let files: Vec<String> = [
        "seeds.gold.jsonl",
        "pages_a.gold.jsonl",
        "pages_b.gold.jsonl",
    ]
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

criterion_group!(benches, bench);
criterion_main!(benches);
