//! Hostile and broken input, generated here: no panic, every good page labelled, every bad one
//! reported (on stderr and in `--errors`), outputs whole or absent even when the run is killed.

#[path = "../../../tests/util/mod.rs"]
mod util;

use flate2::write::GzEncoder;
use flate2::Compression;
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use util::{pages, pagesift, stderr, Dir};

const GOOD: &str =
    "Ketamine blocks NMDA receptors in the brain.\nCall us today at (555) 010-0199 to book!";

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

fn warc_record(id: &str, body: &[u8], declared_length: Option<usize>) -> Vec<u8> {
    let mut block = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    block.extend_from_slice(body);
    let mut record = format!(
        "WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:{id}>\r\n\
         WARC-Date: 2024-05-01T10:00:00Z\r\nWARC-Target-URI: https://{id}.example/\r\n\
         Content-Length: {}\r\n\r\n",
        declared_length.unwrap_or(block.len())
    )
    .into_bytes();
    record.extend_from_slice(&block);
    record.extend_from_slice(b"\r\n\r\n");
    record
}

fn good_html(n: usize) -> Vec<u8> {
    format!("<html><body><h1>Page {n}</h1><p>{GOOD}</p></body></html>").into_bytes()
}

fn errors_file(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn a_hostile_batch_is_labelled_where_possible_and_reported_where_not() {
    let dir = Dir::new();
    let depth = 100_000;
    dir.create(
        "in/deep.html",
        format!(
            "{}deep {GOOD}{}",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        ),
    );
    // One 50 MB line: over the default page limit (32 MiB), as a text file and as a JSONL line.
    let huge_line = "a".repeat(50 << 20);
    dir.create("in/huge.txt", &huge_line);
    let after = serde_json::json!({"id": "after-big", "text": GOOD});
    dir.create(
        "in/lines.jsonl",
        format!("{{\"id\":\"big\",\"text\":\"{huge_line}\"}}\n{after}\n"),
    );
    drop(huge_line);
    dir.create(
        "in/crlf-bom.txt",
        format!("\u{feff}{}", GOOD.replace('\n', "\r\n")),
    );
    dir.create("in/nul.txt", format!("{GOOD}\0\0 trailing"));
    let binary: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    dir.create("in/binary.txt", &binary);
    dir.create("in/binary.jsonl", &binary);
    std::fs::create_dir_all(dir.path("in/empty-dir")).unwrap();
    // A truncated gzip WARC: the first record is whole, the stream then stops mid-member.
    let whole = gzip(&warc_record("first", &good_html(1), None));
    let cut = gzip(&warc_record("cut", &good_html(2), None));
    let mut truncated = whole.clone();
    truncated.extend_from_slice(&cut[..cut.len() / 2]);
    dir.create("in/truncated.warc.gz", &truncated);
    // Lying Content-Lengths: one too short (the reader resynchronises at the next record), one far
    // too long (it stops at the next record's start instead of swallowing it), one too long at
    // the very end; a good record after each.
    let mut liars = warc_record("short-liar", &good_html(3), Some(20));
    liars.extend(warc_record("after-liar", &good_html(4), None));
    liars.extend(warc_record("long-liar", &good_html(5), Some(10_000_000)));
    liars.extend(warc_record("after-long-liar", &good_html(7), None));
    liars.extend(warc_record("last-liar", &good_html(8), Some(5_000)));
    dir.create("in/liars.warc", &liars);
    // A gzip bomb: 200 MB of one byte in a record, a few hundred KB compressed.
    let mut bomb = gzip(&warc_record("before-bomb", &good_html(6), None));
    let payload = vec![b'a'; 200 << 20];
    bomb.extend(gzip(&warc_record("bomb", &payload, None)));
    drop(payload);
    dir.create("in/bomb.warc.gz", &bomb);

    let errors = dir.path("errors.jsonl");
    let started = Instant::now();
    let out = pagesift(
        &[
            "label",
            "--errors",
            errors.to_str().unwrap(),
            dir.path("in").to_str().unwrap(),
        ],
        None,
    );
    let err = stderr(&out);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(120),
        "took {:?}",
        started.elapsed()
    );
    let labelled: Vec<String> = pages(&out)
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    for good in [
        "deep.html",
        "after-big",
        "crlf-bom.txt",
        "nul.txt",
        "<urn:uuid:first>",
        "<urn:uuid:after-liar>",
        "<urn:uuid:after-long-liar>",
        "<urn:uuid:before-bomb>",
    ] {
        assert!(
            labelled.iter().any(|id| id.ends_with(good)),
            "{good} not labelled: {labelled:?}\n{err}"
        );
    }
    let reported = errors_file(&errors);
    let reason_for = |file: &str| -> String {
        reported
            .iter()
            .filter(|e| e["file"].as_str().unwrap().ends_with(file))
            .map(|e| e["reason"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
            .join(" | ")
    };
    assert!(
        reason_for("huge.txt").contains("larger than the limit"),
        "{reported:?}"
    );
    assert!(reason_for("lines.jsonl").contains("larger than the limit"));
    assert_eq!(
        reported
            .iter()
            .find(|e| e["file"].as_str().unwrap().ends_with("lines.jsonl"))
            .unwrap()["line"],
        1
    );
    assert!(reason_for("binary.txt").contains("not valid UTF-8"));
    assert!(!reason_for("binary.jsonl").is_empty());
    assert!(
        reason_for("truncated.warc.gz").contains("cannot read"),
        "{reported:?}"
    );
    let liar_reports = reason_for("liars.warc");
    assert_eq!(
        liar_reports.matches("malformed record").count(),
        3,
        "{liar_reports}"
    );
    assert!(
        reason_for("bomb.warc.gz").contains("record larger than"),
        "{reported:?}"
    );
    // Everything is accounted for: read = labelled + skipped.
    let summary = err.lines().last().unwrap().to_string();
    let numbers: Vec<usize> = summary
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    assert_eq!(numbers[0], numbers[1] + numbers[2], "{summary}");
    assert_eq!(numbers[1], labelled.len());
    assert_eq!(numbers[2], reported.len());
}

#[test]
fn lossy_decoding_is_opt_in_and_said_in_the_output() {
    let dir = Dir::new();
    let latin1 = dir.create("latin1.txt", b"Caf\xe9 au lait is coffee with milk.\n");
    let out = pagesift(&["label", &latin1], None);
    assert_eq!(out.status.code(), Some(3));
    let out = pagesift(&["label", "--lossy", &latin1], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let page = &pages(&out)[0];
    assert_eq!(page["lossy"], true);
    assert!(page["spans"][0]["text"]
        .as_str()
        .unwrap()
        .contains("Caf\u{FFFD}"));
    let clean = pages(&pagesift(&["label", &dir.create("ok.txt", GOOD)], None));
    assert!(clean[0].get("lossy").is_none());
}

#[test]
fn an_empty_directory_is_an_empty_run() {
    let dir = Dir::new();
    std::fs::create_dir_all(dir.path("empty")).unwrap();
    let out = pagesift(&["label", dir.path("empty").to_str().unwrap()], None);
    assert!(out.status.success());
    assert!(stderr(&out).contains("0 pages read, 0 labelled, 0 skipped"));
}

#[test]
fn a_killed_run_leaves_the_old_output_and_resume_finishes_it_without_duplicates() {
    let dir = Dir::new();
    let pages_in = 40_000;
    let mut input = String::new();
    for i in 0..pages_in {
        let text = format!("Page {i}.\n{GOOD}\nMore text about dosing {i} and side effects.");
        input.push_str(&format!(
            "{}\n",
            serde_json::json!({"id": format!("p{i}"), "text": text})
        ));
    }
    let input = dir.create("many.jsonl", input);
    let output = dir.path("out.jsonl");
    std::fs::write(&output, "old output\n").unwrap();
    // The killed run's partial file: `.out.jsonl.XXXXXX.partial`, an unpredictable name.
    let partial_of = |dir: &Dir| -> Option<std::path::PathBuf> {
        std::fs::read_dir(dir.tmp.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| {
                let name = p.file_name().unwrap().to_string_lossy();
                name.starts_with(".out.jsonl.") && name.ends_with(".partial")
            })
    };
    let mut child = Command::new(util::bin())
        .args(["label", "--output", output.to_str().unwrap(), &input])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once the first batches are written, well before the end.
    let deadline = Instant::now() + Duration::from_secs(60);
    while partial_of(&dir).map_or(0, |p| std::fs::metadata(p).map_or(0, |m| m.len())) == 0 {
        assert!(Instant::now() < deadline, "no output appeared");
        assert!(
            child.try_wait().unwrap().is_none(),
            "finished before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        std::fs::read_to_string(&output).unwrap(),
        "old output\n",
        "the old file is whole"
    );
    let partial = partial_of(&dir).expect("the killed run's partial file");
    let written = std::fs::read_to_string(&partial).unwrap().lines().count();
    assert!(
        written < pages_in,
        "killed midway ({written} pages written)"
    );

    let out = pagesift(
        &[
            "label",
            "--resume",
            "--output",
            output.to_str().unwrap(),
            &input,
        ],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("already in the output (--resume)"),
        "{}",
        stderr(&out)
    );
    assert!(!partial.exists());
    assert_eq!(partial_of(&dir), None, "no temporary file is left");
    let ids: Vec<String> = std::fs::read_to_string(&output)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ids.len(), pages_in, "every page once");
    let expected: Vec<String> = (0..pages_in).map(|i| format!("p{i}")).collect();
    assert_eq!(ids, expected, "in input order, no duplicates");
}

#[test]
fn the_output_is_the_same_in_input_order_whatever_the_thread_count() {
    // More pages than one batch, so reading, parsing and labelling overlap across batches;
    // a page with no visible text every so often, reported in its place.
    let dir = Dir::new();
    let pages_in = 1_300;
    for i in 0..pages_in {
        let html = if i % 250 == 7 {
            b"<html><body><script>only()</script></body></html>".to_vec()
        } else {
            good_html(i)
        };
        dir.create(&format!("in/{i:05}.html"), html);
    }
    let inputs = dir.path("in");
    let run = |jobs: &str| {
        let errors = dir.path(&format!("errors-{jobs}.jsonl"));
        let out = pagesift(
            &[
                "--jobs",
                jobs,
                "label",
                "--errors",
                errors.to_str().unwrap(),
                inputs.to_str().unwrap(),
            ],
            None,
        );
        assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
        (out, errors_file(&errors))
    };
    let (one, one_errors) = run("1");
    let (two, two_errors) = run("2");
    assert!(
        one.stdout == two.stdout,
        "--jobs 1 and --jobs 2 write the same bytes"
    );
    assert_eq!(one_errors, two_errors);
    let skipped: Vec<&str> = one_errors
        .iter()
        .map(|e| e["file"].as_str().unwrap().rsplit('/').next().unwrap())
        .collect();
    assert_eq!(
        skipped,
        [
            "00007.html",
            "00257.html",
            "00507.html",
            "00757.html",
            "01007.html",
            "01257.html"
        ]
    );
    let ids: Vec<String> = pages(&one)
        .iter()
        .map(|p| {
            p["id"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    let expected: Vec<String> = (0..pages_in)
        .filter(|i| i % 250 != 7)
        .map(|i| format!("{i:05}.html"))
        .collect();
    assert_eq!(ids, expected, "every good page once, in input order");
}

/// Issue #15, 1: an output path that is a FIFO is written through (it stays a FIFO and its reader
/// gets the lines); a symlink stays a symlink and its target is replaced; `-o -` is stdout.
#[cfg(unix)]
#[test]
fn outputs_that_are_not_regular_files_are_written_through() {
    use std::os::unix::fs::FileTypeExt;
    let dir = Dir::new();
    let input = dir.create("page.txt", GOOD);
    let fifo = dir.path("out.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("no mkfifo here: skipped");
        return;
    }
    let (sent, got) = std::sync::mpsc::channel();
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let text = std::fs::read_to_string(&fifo).unwrap_or_default();
            let _ = sent.send(text);
        })
    };
    let mut child = Command::new(util::bin())
        .args(["-q", "label", "-o", fifo.to_str().unwrap(), &input])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // (The old code renamed a file over the FIFO and never opened it: its reader waited on.)
    let Ok(text) = got.recv_timeout(Duration::from_secs(60)) else {
        let _ = child.kill();
        panic!("the FIFO's reader got nothing");
    };
    let status = child.wait().unwrap();
    reader.join().unwrap();
    assert!(status.success());
    assert!(text.contains("\"id\""), "{text}");
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());

    let real = dir.create("real.jsonl", "old\n");
    let link = dir.path("link.jsonl");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let out = pagesift(&["label", "-o", link.to_str().unwrap(), &input], None);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(std::fs::read_to_string(&real).unwrap().contains("\"id\""));

    let out = pagesift(&["label", "-o", "-", &input], None);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(pages(&out).len(), 1);
    assert!(!std::path::Path::new("-").exists());

    // `-o /dev/stdout` with stdout appending to a file (`>> log`): appended to, not replaced.
    let log = dir.create("log.txt", "old line\n");
    let appending = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    let status = Command::new(util::bin())
        .args(["-q", "label", "-o", "/dev/stdout", &input])
        .stdout(Stdio::from(appending))
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.starts_with("old line\n{"), "{logged}");
}

/// Issue #15, 6: the temporary output file has an unpredictable name, so a planted
/// `.out.jsonl.partial` symlink redirects nothing; a run whose reader goes away leaves no
/// temporary file behind.
#[cfg(unix)]
#[test]
fn temporary_outputs_ignore_planted_symlinks_and_are_removed_when_the_run_stops() {
    let dir = Dir::new();
    let input = dir.create("page.txt", GOOD);
    let victim = dir.create("victim.txt", "precious\n");
    std::os::unix::fs::symlink(&victim, dir.path(".out.jsonl.partial")).unwrap();
    std::os::unix::fs::symlink(&victim, dir.path(".s.csv.partial")).unwrap();
    let output = dir.path("out.jsonl");
    let out = pagesift(
        &[
            "label",
            "-o",
            output.to_str().unwrap(),
            "--summary",
            dir.path("s.csv").to_str().unwrap(),
            &input,
        ],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    assert!(std::fs::read_to_string(&output).unwrap().contains("\"id\""));

    // stdout closed after the first line: the summary's temporary file goes too.
    let mut input = String::new();
    for i in 0..3000 {
        input.push_str(&format!(
            "{}\n",
            serde_json::json!({"id": format!("p{i}"), "text": GOOD})
        ));
    }
    let many = dir.create("many.jsonl", input);
    let mut child = Command::new(util::bin())
        .args([
            "-q",
            "label",
            "--summary",
            dir.path("closed.csv").to_str().unwrap(),
            &many,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::BufRead;
        let mut first = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let left: Vec<String> = std::fs::read_dir(dir.tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".closed.csv"))
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
}

/// Issue #15, 2: an output that is an input, or one file given to two outputs, is refused
/// before anything is read, and the input is left as it was.
#[test]
fn an_output_that_is_an_input_or_shared_by_two_outputs_is_refused() {
    let dir = Dir::new();
    let line = serde_json::json!({"id": "p", "text": GOOD}).to_string() + "\n";
    let input = dir.create("p.jsonl", &line);
    let out = pagesift(&["label", "-o", &input, &input], None);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("is also an input"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read_to_string(&input).unwrap(), line);
    // Inside an input directory, under another spelling.
    let inside = format!("{}/./p.jsonl", dir.tmp.path().display());
    let out = pagesift(
        &[
            "label",
            "--summary",
            &inside,
            dir.tmp.path().to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&input).unwrap(), line);
    let shared = dir.path("s");
    let shared = shared.to_str().unwrap();
    let out = pagesift(
        &[
            "label",
            "-o",
            shared,
            "--summary",
            shared,
            "--errors",
            shared,
            &input,
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("are the same file"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.path("s").exists());
    for cmd in [
        vec!["extract", "-o", &input, &input],
        vec!["report", "--out", &input, &input],
        vec!["export", "--to", "doccano", "-o", &input, &input],
    ] {
        let out = pagesift(&cmd, None);
        assert_eq!(out.status.code(), Some(1), "{cmd:?}: {}", stderr(&out));
        assert_eq!(std::fs::read_to_string(&input).unwrap(), line);
    }
}

/// Issue #15, 3: a record over the limit (a big video, a gzip bomb) is reported and skipped by
/// reading past it; the records after it are labelled, in plain and gzip WARC.
#[test]
fn an_oversized_warc_record_is_skipped_and_the_records_after_it_are_read() {
    let dir = Dir::new();
    let video = |id: &str, bytes: usize| {
        let payload: Vec<u8> = (0..bytes).map(|i| (i * 7 + i / 251) as u8).collect();
        let record = warc_record(id, &payload, None);
        let at = record.windows(9).position(|w| w == b"text/html").unwrap();
        let mut record = record;
        record[at..at + 9].copy_from_slice(b"video/mp4");
        record
    };
    let mut plain = warc_record("one", &good_html(1), None);
    plain.extend(video("video", 5 << 20));
    plain.extend(warc_record("two", &good_html(2), None));
    let plain_path = dir.create("in/crawl.warc", &plain);
    let mut gz = gzip(&warc_record("gz-one", &good_html(1), None));
    gz.extend(gzip(&video("gz-video", 5 << 20)));
    gz.extend(gzip(&warc_record("gz-two", &good_html(2), None)));
    gz.extend(gzip(&warc_record("bomb", &vec![b'a'; 20 << 20], None)));
    gz.extend(gzip(&warc_record("gz-three", &good_html(3), None)));
    let gz_path = dir.create("in/crawl.warc.gz", &gz);
    let errors = dir.path("errors.jsonl");
    let out = pagesift(
        &[
            "label",
            "--max-page-bytes",
            "1000000",
            "--errors",
            errors.to_str().unwrap(),
            &plain_path,
            &gz_path,
        ],
        None,
    );
    let err = stderr(&out);
    assert!(!err.contains("panicked"), "{err}");
    let ids: Vec<String> = pages(&out)
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        ids,
        [
            "<urn:uuid:one>",
            "<urn:uuid:two>",
            "<urn:uuid:gz-one>",
            "<urn:uuid:gz-two>",
            "<urn:uuid:gz-three>"
        ],
        "{err}"
    );
    let reported = errors_file(&errors);
    assert_eq!(reported.len(), 3, "{reported:?}");
    for (e, (file, record)) in reported.iter().zip([
        ("crawl.warc", 2),
        ("crawl.warc.gz", 2),
        ("crawl.warc.gz", 4),
    ]) {
        assert!(e["file"].as_str().unwrap().ends_with(file), "{e}");
        let reason = e["reason"].as_str().unwrap();
        assert!(
            reason.starts_with(&format!("WARC record {record}: record larger than")),
            "{reason}"
        );
    }
    assert!(err.contains("8 pages read, 5 labelled, 3 skipped"), "{err}");
}

/// Issue #15, 7: CSV cells that a spreadsheet would run as formulas get a leading `'`, in the
/// span CSV and the summary; `--csv-raw` writes them as they are.
#[test]
fn csv_cells_that_look_like_formulas_are_quoted_unless_raw() {
    let dir = Dir::new();
    let line = serde_json::json!({
        "id": "@evil",
        "url": "=HYPERLINK(\"http://x.example\")",
        "text": format!("=1+2 {GOOD}"),
    });
    let input = dir.create("p.jsonl", format!("{line}\n"));
    let run = |raw: bool| {
        let summary = dir.path(if raw { "raw.csv" } else { "quoted.csv" });
        let mut args = vec![
            "label",
            "--format",
            "csv",
            "--summary",
            summary.to_str().unwrap(),
        ];
        if raw {
            args.push("--csv-raw");
        }
        args.push(&input);
        let out = pagesift(&args, None);
        assert!(out.status.success(), "{}", stderr(&out));
        let mut spans = csv::Reader::from_reader(&out.stdout[..]);
        let first = spans.records().next().unwrap().unwrap();
        let mut rows = csv::Reader::from_path(&summary).unwrap();
        let row = rows.records().next().unwrap().unwrap();
        (
            first[0].to_string(),
            first[7].to_string(),
            row[0].to_string(),
            row[1].to_string(),
        )
    };
    let (id, text, summary_id, url) = run(false);
    assert_eq!(id, "'@evil");
    assert!(text.starts_with("'=1+2"), "{text}");
    assert_eq!(summary_id, "'@evil");
    assert_eq!(url, "'=HYPERLINK(\"http://x.example\")");
    let (id, text, summary_id, url) = run(true);
    assert_eq!(id, "@evil");
    assert!(text.starts_with("=1+2"), "{text}");
    assert_eq!(summary_id, "@evil");
    assert_eq!(url, "=HYPERLINK(\"http://x.example\")");
}

/// Issue #15, 11: `--jobs` is capped at 4 threads per core, with a warning.
#[test]
fn an_absurd_jobs_count_is_capped_with_a_warning() {
    let dir = Dir::new();
    let input = dir.create("page.txt", GOOD);
    let out = pagesift(&["--jobs", "5000", "label", &input], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert!(
        stderr(&out).contains(&format!(
            "--jobs 5000 is more than 4 per core ({cores} cores): using {}",
            cores * 4
        )),
        "{}",
        stderr(&out)
    );
    assert_eq!(pages(&out).len(), 1);
    let out = pagesift(&["--jobs", "2", "label", &input], None);
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
}

/// Issue #15, 12: every output format ends quietly with 0 when stdout's reader goes away
/// (`pagesift … | head -2`).
#[test]
fn every_output_format_ends_quietly_when_the_reader_goes_away() {
    let dir = Dir::new();
    let mut input = String::new();
    let mut gold = String::new();
    for i in 0..3000 {
        let text = format!("Page {i}. {GOOD}");
        input.push_str(&format!(
            "{}\n",
            serde_json::json!({"id": format!("p{i}"), "text": text})
        ));
        gold.push_str(&format!(
            "{}\n",
            serde_json::json!({"id": format!("g{i}"), "text": text,
                "spans": [[0, text.len(), "education"]]})
        ));
    }
    let many = dir.create("many.jsonl", input);
    let gold = dir.create("gold.jsonl", gold);
    let doccano = dir.path("doccano.jsonl");
    let made = pagesift(
        &[
            "export",
            "--to",
            "doccano",
            "-o",
            doccano.to_str().unwrap(),
            &gold,
        ],
        None,
    );
    assert!(made.status.success(), "{}", stderr(&made));
    let doccano = doccano.to_str().unwrap();
    let runs: Vec<Vec<&str>> = vec![
        vec!["label", &many],
        vec!["label", "--format", "csv", &many],
        vec!["label", "--format", "csv", "--summary", "/dev/null", &many],
        vec!["explain", &many],
        vec!["extract", &many],
        vec!["extract", "--format", "text", &many],
        vec!["export", "--to", "doccano", &gold],
        vec!["export", "--to", "label-studio", &gold],
        vec!["import", "--from", "doccano", doccano],
        vec!["report", "--max-pages", "3000", "--out", "-", &many],
    ];
    for args in runs {
        let mut child = Command::new(util::bin())
            .arg("-q")
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        {
            use std::io::BufRead;
            let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
            lines.next().unwrap().unwrap();
            lines.next().unwrap().unwrap();
        }
        let out = child.wait_with_output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
        assert!(!err.contains("error"), "{args:?}: {err}");
    }
}

/// Issue #15, 15: bad arguments (2, from clap) and skipped pages (3) have distinct exit codes.
#[test]
fn usage_errors_and_skipped_pages_have_distinct_exit_codes() {
    let dir = Dir::new();
    let good = dir.create("good.txt", GOOD);
    let bad = dir.create("bad.txt", b"Caf\xe9");
    assert_eq!(pagesift(&["label", &good], None).status.code(), Some(0));
    assert_eq!(
        pagesift(&["label", &good, &bad], None).status.code(),
        Some(3)
    );
    assert_eq!(
        pagesift(&["label", "--no-such-option", &good], None)
            .status
            .code(),
        Some(2)
    );
    let missing_model = dir.path("no-model");
    assert_eq!(
        pagesift(
            &["label", "--model", missing_model.to_str().unwrap(), &good],
            None
        )
        .status
        .code(),
        Some(1)
    );
}

/// Runs pagesift, failing (not hanging) if it takes more than a minute.
fn pagesift_within_a_minute(args: &[&str]) -> std::process::Output {
    let mut child = Command::new(util::bin())
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    // Drain the pipes meanwhile, so a big output cannot block the child.
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr_pipe = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut bytes).map(|_| bytes)
    });
    let err_reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut stderr_pipe, &mut bytes).map(|_| bytes)
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("pagesift {args:?} still running after a minute");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    std::process::Output {
        status,
        stdout: out_reader.join().unwrap().unwrap(),
        stderr: err_reader.join().unwrap().unwrap(),
    }
}

/// Issue #15, 9: a directory walk does not follow symlinks unless `--follow` (they are
/// reported), detects loops when it does, and reads each file once, in sorted order.
#[cfg(unix)]
#[test]
fn directory_walks_report_symlinks_detect_loops_and_read_each_file_once() {
    use std::os::unix::fs::symlink;
    let dir = Dir::new();
    dir.create("in/a.txt", GOOD);
    dir.create("in/sub/b.txt", GOOD);
    dir.create("outside.txt", GOOD);
    symlink("..", dir.path("in/sub/up")).unwrap();
    std::fs::create_dir_all(dir.path("in/sub/deeper")).unwrap();
    symlink("../..", dir.path("in/sub/deeper/up2")).unwrap();
    symlink("a.txt", dir.path("in/again.txt")).unwrap();
    symlink("../outside.txt", dir.path("in/z-outside.txt")).unwrap();
    let input = dir.path("in");
    let input = input.to_str().unwrap();
    let ids = |out: &std::process::Output| -> Vec<String> {
        pages(out)
            .iter()
            .map(|p| {
                let id = p["id"].as_str().unwrap();
                id.strip_prefix(input).unwrap().to_string()
            })
            .collect()
    };

    let out = pagesift_within_a_minute(&["label", input]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert_eq!(ids(&out), ["/a.txt", "/sub/b.txt"], "{err}");
    assert_eq!(
        err.matches("symbolic link not followed").count(),
        4,
        "{err}"
    );
    assert!(err.contains("6 pages read, 2 labelled, 4 skipped"), "{err}");

    let out = pagesift_within_a_minute(&["label", "--follow", input]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    // again.txt is a.txt: read once, under its first path. z-outside.txt is a file of its own.
    assert_eq!(
        ids(&out),
        ["/a.txt", "/sub/b.txt", "/z-outside.txt"],
        "{err}"
    );
    assert_eq!(err.matches("symbolic link loop").count(), 2, "{err}");
}

/// Each span's `start`, `end` and `text` (a page has at least one span).
fn source_spans(page: &Value) -> Vec<(usize, usize, String)> {
    let spans = page["spans"].as_array().unwrap();
    assert!(!spans.is_empty(), "{page}");
    spans
        .iter()
        .map(|span| {
            let offset = |key: &str| span[key].as_u64().unwrap() as usize;
            let text = span["text"].as_str().unwrap().to_string();
            (offset("start"), offset("end"), text)
        })
        .collect()
}

/// Issue #15, 13: `start`/`end` point into the file as given, past a byte-order mark and across
/// bytes `--lossy` replaced; `text_start`/`text_end` point into the decoded text.
#[test]
fn offsets_of_bom_and_lossy_text_files_point_into_the_file() {
    let dir = Dir::new();
    let bom = [&b"\xEF\xBB\xBF"[..], GOOD.as_bytes()].concat();
    let lossy = [
        &b"Caf\xE9 au lait \xF0\x9F\x98 is coffee.\n"[..],
        GOOD.as_bytes(),
    ]
    .concat();
    for (name, bytes) in [("bom.txt", &bom), ("lossy.txt", &lossy)] {
        let path = dir.create(name, bytes);
        let emitted = dir.path(&format!("{name}.text.jsonl"));
        let out = pagesift(
            &[
                "label",
                "--lossy",
                "--emit-text",
                emitted.to_str().unwrap(),
                &path,
            ],
            None,
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let page = &pages(&out)[0];
        let text: Value =
            serde_json::from_str(std::fs::read_to_string(&emitted).unwrap().trim()).unwrap();
        let text = text["text"].as_str().unwrap();
        util::assert_spans_cover(text, page);
        for (start, end, span_text) in source_spans(page) {
            assert_eq!(
                String::from_utf8_lossy(&bytes[start..end]),
                span_text,
                "{name}: {page}"
            );
        }
    }
    // A JSON Lines `text` that starts with U+FEFF: `start`/`end` point into that string.
    let field = format!("\u{feff}{GOOD}");
    let record = serde_json::json!({"id": "bom", "text": field}).to_string();
    let path = dir.create("bom.jsonl", format!("{record}\n"));
    let out = pagesift(&["label", &path], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let page = &pages(&out)[0];
    let spans = page["spans"].as_array().unwrap();
    assert_eq!(spans[0]["start"], 3, "{page}");
    assert_eq!(spans[0]["text_start"], 0, "{page}");
    for span in spans {
        let (start, end) = (
            span["start"].as_u64().unwrap() as usize,
            span["end"].as_u64().unwrap() as usize,
        );
        assert_eq!(&field[start..end], span["text"].as_str().unwrap(), "{span}");
    }
}

/// A UTF-16 text file (what Windows tools save as "Unicode") is read, from a file or stdin, with
/// `start`/`end` pointing into its UTF-16 bytes; UTF-16 JSON Lines is one clear error.
#[test]
fn utf16_text_is_read_with_offsets_into_its_bytes() {
    let dir = Dir::new();
    let text = format!("Café — 😀 {GOOD}");
    let mut bytes = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        bytes.extend(unit.to_le_bytes());
    }
    let path = dir.create("unicode.txt", &bytes);
    let from_stdin = pagesift(&["label", "-"], Some(&bytes));
    for out in [pagesift(&["label", &path], None), from_stdin] {
        assert!(out.status.success(), "{}", stderr(&out));
        let page = &pages(&out)[0];
        util::assert_spans_cover(&text, page);
        for (start, end, span_text) in source_spans(page) {
            assert_eq!((start % 2, end % 2), (0, 0), "{page}");
            let units: Vec<u16> = bytes[start..end]
                .chunks_exact(2)
                .map(|p| u16::from_le_bytes([p[0], p[1]]))
                .collect();
            assert_eq!(String::from_utf16(&units).unwrap(), span_text, "{page}");
        }
    }
    let mut jsonl = vec![0xFF, 0xFE];
    for unit in "{\"text\": \"a\"}\n{\"text\": \"b\"}\n".encode_utf16() {
        jsonl.extend(unit.to_le_bytes());
    }
    let path = dir.create("unicode.jsonl", &jsonl);
    let good = dir.create("good.txt", GOOD);
    let out = pagesift(&["label", &path, &good], None);
    assert_eq!(pages(&out).len(), 1, "the other file is labelled");
    let err = stderr(&out);
    assert!(err.contains("unicode.jsonl: UTF-16 JSON; "), "{err}");
    assert_eq!(
        err.matches("unicode.jsonl").count(),
        1,
        "one error for the file: {err}"
    );
}

/// Issue #15, 16: `--errors` names the id of a page that failed after its id was known, and
/// every command that writes a file takes both `-o/--output` and `--out`.
#[test]
fn errors_name_known_ids_and_output_options_are_spelt_alike() {
    let dir = Dir::new();
    let blank = dir.create(
        "blank.html",
        "<html><body><script>x()</script></body></html>",
    );
    let mut warc = warc_record(
        "blank",
        b"<html><body><script>x()</script></body></html>",
        None,
    );
    warc.extend(warc_record("good", &good_html(1), None));
    let warc = dir.create("crawl.warc", &warc);
    let records = dir.create(
        "records.jsonl",
        "{\"id\":\"no-text\",\"body\":\"x\"}\n{\"id\":7,\"text\":5}\n{\"text\":1}\n",
    );
    let errors = dir.path("errors.jsonl");
    let out = pagesift(
        &[
            "label",
            "--errors",
            errors.to_str().unwrap(),
            &blank,
            &warc,
            &records,
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let ids: Vec<Value> = errors_file(&errors)
        .iter()
        .map(|e| e["id"].clone())
        .collect();
    assert_eq!(
        ids,
        [
            Value::from("no-text"),
            Value::from("7"),
            Value::Null,
            Value::from(blank.as_str()),
            Value::from("<urn:uuid:blank>"),
        ],
        "records that fail to parse are reported first, then pages that fail to label"
    );

    let good = dir.create("good.txt", GOOD);
    for (cmd, option, name) in [
        ("label", "--out", "a.jsonl"),
        ("extract", "--out", "b.jsonl"),
        ("report", "-o", "c.html"),
        ("report", "--output", "d.html"),
    ] {
        let path = dir.path(name);
        let out = pagesift(&[cmd, option, path.to_str().unwrap(), &good], None);
        assert!(out.status.success(), "{cmd} {option}: {}", stderr(&out));
        assert!(path.exists(), "{cmd} {option}");
    }
    // train parses -o and --output (it then fails on the missing gold file, not on the option).
    for option in ["-o", "--output"] {
        let out = pagesift(
            &[
                "train",
                option,
                dir.path("model").to_str().unwrap(),
                dir.path("missing.jsonl").to_str().unwrap(),
            ],
            None,
        );
        assert_ne!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(!stderr(&out).contains("unexpected argument"));
    }
}

/// A page that is one long word (no spaces, 4 MB), a blob of base64, a run of periods or a
/// million tiny sentences is labelled in bounded memory and time: the tokenizer encodes only the
/// head of a long word and of a huge block, and a page of more than 100,000 sentences is cut
/// into blocks only. Before, such a word cost about 75 bytes a byte (a 4 MB
/// word needed 450 MB of address space, a 30 MB one 2.2 GB of memory); here the run gets 350 MB
/// of address space in all, binary and model included.
#[cfg(target_os = "linux")]
#[test]
fn a_page_that_is_one_long_word_is_labelled_in_bounded_memory() {
    let dir = Dir::new();
    // Base64 of a pseudo-random stream: its capitals look like glued sentence starts.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let base64: String = (0..4_000_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            char::from(
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                    [(state % 64) as usize],
            )
        })
        .collect();
    for (name, text) in [
        ("ascii.txt", "a".repeat(4_000_000)),
        ("accented.txt", "é".repeat(2_000_000)),
        ("base64.txt", base64),
        // A million one-word sentences: labelled by block past 100,000 units.
        ("sentences.txt", "Ab. ".repeat(1_000_000)),
        ("periods.txt", ".".repeat(4_000_000)),
    ] {
        let path = dir.create(name, &text);
        let out = Command::new("sh")
            .arg("-c")
            .arg("ulimit -v 350000 && exec \"$0\" -q --jobs 1 label \"$1\"")
            .arg(util::bin())
            .arg(&path)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name}: {:?} {}",
            out.status,
            stderr(&out)
        );
        let labelled = pages(&out);
        assert_eq!(labelled.len(), 1, "{name}");
        util::assert_spans_cover(&text, &labelled[0]);
    }
    // More blocks than a page may have: that page is refused by name, the next one labelled.
    let lines = dir.create("lines.txt", "Ab.\n".repeat(150_000));
    let good = dir.create("good.txt", GOOD);
    let out = pagesift(&["-q", "label", &lines, &good], None);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("lines.txt: 150000 blocks, more than the 100000 a page may have"),
        "{}",
        stderr(&out)
    );
    assert_eq!(pages(&out).len(), 1);
}

/// Cross-validation sets aside a held-out gold page its fold's model refuses (more blocks than
/// a page may have), as `eval` does, and scores the rest: the page is named, the exit code says
/// an input was skipped, and the report and predictions hold the other pages.
#[test]
fn cross_validation_scores_the_rest_when_a_held_out_page_is_refused() {
    let dir = Dir::new();
    let text = "a\n".repeat(100_001);
    let huge = serde_json::json!({"id": "huge", "text": text, "spans": [[0, text.len() - 1, "boilerplate"]]});
    let huge = dir.create("huge.gold.jsonl", format!("{huge}\n"));
    let predictions = dir.path("cv.jsonl");
    let seeds = util::data("seeds.gold.jsonl");
    let out = pagesift(
        &[
            "-q",
            "cv",
            "--json",
            "--folds",
            "2",
            "--group-by",
            "page",
            "--boost-trees",
            "5",
            "--boost-ensemble",
            "1",
            "--vocab-size",
            "300",
            "--lexicon-folds",
            "2",
            "--predictions",
            predictions.to_str().unwrap(),
            &seeds,
            &huge,
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "huge.gold.jsonl: line 1: 100001 blocks, more than the 100000 a page may have"
        ),
        "{}",
        stderr(&out)
    );
    let report: Value = serde_json::from_str(&String::from_utf8_lossy(&out.stdout)).unwrap();
    assert_eq!(report["pages"], 5);
    let held_out = std::fs::read_to_string(predictions).unwrap();
    assert_eq!(held_out.lines().count(), 5);
    assert!(!held_out.contains("\"huge\""));
}

/// A page id may repeat (two crawls of one URL): every copy is labelled, a normal run warns,
/// and `--resume` matches the input against the output by position, not by id.
#[test]
fn repeated_ids_are_all_labelled_warned_about_and_resumed_by_position() {
    let dir = Dir::new();
    let texts = [
        ("a", "Ketamine blocks NMDA receptors in the brain."),
        ("b", "Call us today at (555) 010-0199 to book!"),
        ("bad", ""),
        ("a", "Side effects include dizziness and nausea."),
        ("c", "Our clinic accepts most insurance plans."),
    ];
    let input: String = texts
        .iter()
        .map(|(id, text)| format!("{}\n", serde_json::json!({"id": id, "text": text})))
        .collect();
    let input = dir.create("pages.jsonl", input);
    let output = dir.path("out.jsonl");
    let label = |extra: &[&str]| {
        let mut args = vec!["label", "--output", output.to_str().unwrap()];
        args.extend_from_slice(extra);
        args.push(&input);
        pagesift(&args, None)
    };
    let lines = || -> Vec<Value> {
        std::fs::read_to_string(&output)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let out = label(&[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out)); // the empty page is skipped
    assert!(
        stderr(&out).contains("page id \"a\" appears more than once"),
        "{}",
        stderr(&out)
    );
    let full = lines();
    let ids: Vec<&str> = full.iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["a", "b", "a", "c"]);

    // A run killed after its first two lines (the empty page after them writes none).
    let first_two: String = std::fs::read_to_string(&output)
        .unwrap()
        .lines()
        .take(2)
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&output, first_two).unwrap();
    let out = label(&["--resume"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("2 pages were already in the output"),
        "{}",
        stderr(&out)
    );
    // The second "a" is labelled and comes where it was: the output is the full run's.
    assert_eq!(lines(), full);
}

/// Issue #15, 14: HTML or JSON Lines on standard input or under a name that does not say
/// (`.php`, `.json`, no ending) is read as what its first bytes show, and the guess is told;
/// `--input-format` overrides it.
#[test]
fn content_is_sniffed_where_the_name_does_not_say() {
    let dir = Dir::new();
    let html = good_html(1);
    let php = dir.create("page.php", &html);
    let bare = dir.create("page", &html);
    let record = serde_json::json!({"id": "j1", "text": GOOD}).to_string();
    let json = dir.create("pages.json", format!("{record}\n"));
    let text = dir.create("notes", GOOD);
    for (path, stdin) in [
        (php.as_str(), None),
        (bare.as_str(), None),
        ("-", Some(html.as_slice())),
    ] {
        let out = pagesift(&["label", path], stdin);
        assert!(out.status.success(), "{}", stderr(&out));
        let page = &pages(&out)[0];
        util::assert_sources_hold(std::str::from_utf8(&html).unwrap(), page);
        assert!(
            !page["spans"][0]["text"].as_str().unwrap().contains('<'),
            "{page}"
        );
        assert!(
            stderr(&out).contains(&format!("{path}: read as html (guessed")),
            "{}",
            stderr(&out)
        );
    }
    let out = pagesift(&["label", &json, &text], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let labelled = pages(&out);
    assert_eq!(labelled[0]["id"], "j1");
    assert_eq!(labelled[1]["id"], text.as_str());
    assert!(stderr(&out).contains("pages.json: read as jsonl"));
    assert!(stderr(&out).contains("notes: read as text"));
    // Forced: the markup is the page's text, and nothing is guessed.
    let out = pagesift(&["label", "--input-format", "text", &php], None);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(pages(&out)[0]["spans"][0]["text"]
        .as_str()
        .unwrap()
        .starts_with("<html>"));
    assert!(!stderr(&out).contains("guessed"), "{}", stderr(&out));
    // A name that says wins over the content.
    let out = pagesift(&["label", &dir.create("markup.txt", &html)], None);
    assert!(!stderr(&out).contains("guessed"), "{}", stderr(&out));
}
