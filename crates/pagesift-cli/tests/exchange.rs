//! The report and the annotation-tool formats, through the binary.

#[path = "../../../tests/util/mod.rs"]
mod util;

use serde_json::Value;
use util::{data, pagesift, stderr, Dir};

#[test]
fn the_report_is_one_self_contained_file_with_every_page_marked() {
    let dir = Dir::new();
    let path = dir.path("report.html");
    let out = pagesift(
        &[
            "report",
            "--out",
            path.to_str().unwrap(),
            &data("seeds.gold.jsonl"),
        ],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let html = std::fs::read_to_string(&path).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    for fetch in [
        "href=", "src=", "url(", "@import", "<script", "<link", "<img",
    ] {
        assert!(!html.contains(fetch), "{fetch} in the report");
    }
    for id in ["seed-000", "seed-001", "seed-002", "seed-003", "seed-004"] {
        assert!(html.contains(&format!("<h3>{id}</h3>")), "{id}");
    }
    // Each label has its colour class and its text marker; spans carry score and reasons.
    for (class, tag) in [
        ("education", "[E]"),
        ("promotion", "[P]"),
        ("boilerplate", "[B]"),
    ] {
        assert!(html.contains(&format!("class=\"s {class}\"")), "{class}");
        assert!(
            html.contains(&format!("<b class=\"tag\">{tag}</b>")),
            "{tag}"
        );
    }
    assert!(html.contains("score 0.") && html.contains("because: lexicon_"));
    assert!(html.contains("<svg") && html.contains("<caption>Per site</caption>"));
    assert!(html.contains("<p>5 pages,"));
    // A cap keeps large batches readable and says so.
    let out = pagesift(
        &[
            "report",
            "--max-pages",
            "2",
            "--out",
            path.to_str().unwrap(),
            &data("seeds.gold.jsonl"),
        ],
        None,
    );
    assert!(out.status.success());
    let html = std::fs::read_to_string(&path).unwrap();
    assert!(html.contains("Showing the first 2 of 5 pages"));
    assert!(!html.contains("<h3>seed-002</h3>"));
}

/// Gold with the characters naive offset converters get wrong.
const TRICKY_GOLD: &str = r#"{"id":"t1","url":"https://x.example/","text":"Café 😀 facts\r\n咖啡因 blocks adenosine 👍🏽.\r\nCall us 📞 now!","spans":[[0,16,"boilerplate"],[18,54,"education"],[56,73,"promotion"]]}"#;

#[test]
fn every_tool_format_round_trips_emoji_cjk_and_crlf_through_the_binary() {
    let dir = Dir::new();
    let gold_path = dir.create("tricky.gold.jsonl", format!("{TRICKY_GOLD}\n"));
    let gold: Value = serde_json::from_str(TRICKY_GOLD).unwrap();
    let text = gold["text"].as_str().unwrap();
    for span in gold["spans"].as_array().unwrap() {
        let (s, e) = (
            span[0].as_u64().unwrap() as usize,
            span[1].as_u64().unwrap() as usize,
        );
        assert!(
            text.get(s..e).is_some_and(|t| !t.trim().is_empty()),
            "fixture span {s}..{e}"
        );
    }
    for tool in ["doccano", "label-studio", "spacy"] {
        let exported = dir.path(&format!("{tool}.out"));
        let out = pagesift(
            &[
                "export",
                "--to",
                tool,
                "-o",
                exported.to_str().unwrap(),
                &gold_path,
            ],
            None,
        );
        assert!(out.status.success(), "{tool}: {}", stderr(&out));
        let back = pagesift(
            &["import", "--from", tool, exported.to_str().unwrap()],
            None,
        );
        assert!(back.status.success(), "{tool}: {}", stderr(&back));
        let record: Value = serde_json::from_str(util::stdout(&back).trim()).unwrap();
        assert_eq!(record["text"], gold["text"], "{tool}");
        assert_eq!(record["spans"], gold["spans"], "{tool}");
        assert_eq!(record["id"], "t1", "{tool}");
    }
    // The same spans, in each tool's own unit.
    let exported = std::fs::read_to_string(dir.path("doccano.out")).unwrap();
    let doccano: Value = serde_json::from_str(exported.trim()).unwrap();
    assert_eq!(
        doccano["label"][0],
        serde_json::json!([0, 12, "boilerplate"])
    );
    let exported = std::fs::read_to_string(dir.path("label-studio.out")).unwrap();
    let studio: Value = serde_json::from_str(&exported).unwrap();
    let value = &studio[0]["annotations"][0]["result"][1]["value"];
    assert_eq!(
        (value["start"].as_u64(), value["end"].as_u64()),
        (Some(15), Some(41))
    );
}

#[test]
fn export_predict_writes_the_models_spans_and_import_reports_bad_records() {
    let dir = Dir::new();
    let out = pagesift(
        &[
            "export",
            "--to",
            "spacy",
            "--predict",
            &data("seeds.gold.jsonl"),
        ],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let lines: Vec<Value> = util::stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5);
    assert!(lines
        .iter()
        .all(|l| !l["spans"].as_array().unwrap().is_empty()));
    let bad = dir.create(
        "bad.jsonl",
        "{\"text\":\"ok\",\"label\":[[0,2,\"education\"]]}\n{\"text\":\"ab\",\"label\":[[0,9,\"education\"]]}\n",
    );
    let out = pagesift(&["import", "--from", "doccano", &bad], None);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("bad.jsonl: line 2: bad gold spans: offset 9"),
        "{}",
        stderr(&out)
    );
    assert_eq!(util::stdout(&out).lines().count(), 1);
}
