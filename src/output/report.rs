//! The HTML report: one self-contained file (inline CSS and SVG, no script, no external URL).
//! A summary first (corpus totals, a histogram of per-page promotion share, a per-site table), then
//! each page with its spans marked by label: a colour, a border style and a text tag ([E], [P],
//! [B]), so the labels read without colour too. Hovering a span shows its label, score and reasons
//! (`title`); clicking or tabbing to it shows them under the span (CSS `:focus`).

use super::host_of;
use crate::run::Sink;
use crate::types::{non_whitespace_bytes, Label, LabelledPage, Page};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

impl<W: Write> Sink for ReportWriter<W> {
    fn page(&mut self, page: &Page, labelled: &LabelledPage) -> io::Result<()> {
        self.add(page, labelled);
        Ok(())
    }

    /// Writes the whole report: the summary needs every page.
    fn finish(&mut self) -> io::Result<()> {
        self.write_report()
    }
}

/// Collects pages, then writes the report at `finish` (the summary needs every page).
pub struct ReportWriter<W: Write> {
    out: W,
    /// Pages shown in full; the rest count in the summary only.
    max_pages: usize,
    pages: Vec<PageSummary>,
    bodies: Vec<String>,
}

/// What the summary keeps of a page.
struct PageSummary {
    host: Option<String>,
    label_bytes: [usize; Label::COUNT],
    promotion_share: f32,
}

const HISTOGRAM_BINS: usize = 10;

impl<W: Write> ReportWriter<W> {
    /// A report into `out` showing the first `max_pages` pages in full.
    pub fn new(out: W, max_pages: usize) -> Self {
        ReportWriter {
            out,
            max_pages,
            pages: Vec::new(),
            bodies: Vec::new(),
        }
    }

    /// Adds a labelled page; `page` gives the text between spans.
    pub fn add(&mut self, page: &Page, labelled: &LabelledPage) {
        let mut label_bytes = [0; Label::COUNT];
        for span in &labelled.spans {
            label_bytes[span.label.index()] += non_whitespace_bytes(&span.text);
        }
        self.pages.push(PageSummary {
            host: labelled
                .url
                .as_deref()
                .and_then(host_of)
                .map(str::to_string),
            label_bytes,
            promotion_share: labelled.promotion_share,
        });
        if self.bodies.len() < self.max_pages {
            self.bodies
                .push(page_section(self.bodies.len(), page, labelled));
        }
    }

    /// Hands back the writer (after [`Sink::finish`] wrote the report into it).
    pub fn into_inner(self) -> W {
        self.out
    }

    /// Writes the whole report.
    fn write_report(&mut self) -> io::Result<()> {
        let mut html = String::with_capacity(1 << 16);
        html.push_str(HEAD);
        html.push_str("<h1>pagesift report</h1>\n");
        html.push_str(LEGEND);
        html.push_str(&self.summary());
        if self.pages.len() > self.bodies.len() {
            let _ = writeln!(
                html,
                "<p class=\"note\"><strong>Showing the first {} of {} pages</strong>; the summary \
                 above counts all of them (<code>--max-pages</code> shows more).</p>",
                self.bodies.len(),
                self.pages.len()
            );
        }
        html.push_str("<h2 id=\"pages\">Pages</h2>\n");
        for body in &self.bodies {
            html.push_str(body);
        }
        html.push_str("</main>\n</body>\n</html>\n");
        self.out.write_all(html.as_bytes())?;
        self.out.flush()
    }

    fn summary(&self) -> String {
        let mut s = String::new();
        let mut totals = [0usize; Label::COUNT];
        for p in &self.pages {
            for (t, b) in totals.iter_mut().zip(p.label_bytes) {
                *t += b;
            }
        }
        let all: usize = totals.iter().sum::<usize>().max(1);
        s.push_str("<section id=\"summary\">\n<h2>Summary</h2>\n");
        let _ = writeln!(
            s,
            "<p>{} pages, {} labelled bytes (non-whitespace).</p>",
            self.pages.len(),
            totals.iter().sum::<usize>()
        );
        s.push_str("<table>\n<caption>Corpus totals</caption>\n<thead><tr><th scope=\"col\">label</th><th scope=\"col\">bytes</th><th scope=\"col\">share</th></tr></thead>\n<tbody>\n");
        for label in Label::ALL {
            let bytes = totals[label.index()];
            let _ = writeln!(
                s,
                "<tr><td>{} {}</td><td class=\"num\">{bytes}</td><td class=\"num\">{:.1}%</td></tr>",
                tag(label),
                label,
                100.0 * bytes as f64 / all as f64
            );
        }
        s.push_str("</tbody>\n</table>\n");
        s.push_str(&self.histogram());
        s.push_str(&self.sites());
        s.push_str("</section>\n");
        s
    }

    /// Inline SVG: pages per tenth of promotion share.
    fn histogram(&self) -> String {
        let mut bins = [0usize; HISTOGRAM_BINS];
        for p in &self.pages {
            let bin =
                ((p.promotion_share * HISTOGRAM_BINS as f32) as usize).min(HISTOGRAM_BINS - 1);
            bins[bin] += 1;
        }
        let max = bins.iter().copied().max().unwrap_or(0).max(1);
        let (width, height, bar) = (460, 180, 40);
        let mut s = String::new();
        let _ = writeln!(
            s,
            "<figure>\n<svg role=\"img\" aria-labelledby=\"hist-title\" \
             width=\"{width}\" height=\"{}\" viewBox=\"0 0 {width} {}\">\n<title id=\"hist-title\">Pages by promotion share</title>",
            height + 40,
            height + 40
        );
        for (i, &count) in bins.iter().enumerate() {
            let h = (count * (height - 20)) / max;
            let x = 20 + i * (bar + 3);
            let y = height - h;
            let _ = writeln!(
                s,
                "<rect class=\"bar\" x=\"{x}\" y=\"{y}\" width=\"{bar}\" height=\"{h}\"><title>{}–{}%: {count} pages</title></rect>\
                 <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{count}</text>\
                 <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                i * 10,
                i * 10 + 10,
                x + bar / 2,
                y.saturating_sub(4).max(12),
                x + bar / 2,
                height + 16,
                i * 10
            );
        }
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">promotion share of the page (%)</text>\n</svg>\n\
             <figcaption>Histogram of per-page promotion share (promotion bytes over labelled bytes).</figcaption>\n</figure>",
            width / 2,
            height + 36
        );
        s
    }

    /// One row per URL host (pages without a URL under "(no URL)").
    fn sites(&self) -> String {
        let mut by_host: BTreeMap<&str, (usize, [usize; Label::COUNT], f32)> = BTreeMap::new();
        for p in &self.pages {
            let entry = by_host
                .entry(p.host.as_deref().unwrap_or("(no URL)"))
                .or_default();
            entry.0 += 1;
            for (t, b) in entry.1.iter_mut().zip(p.label_bytes) {
                *t += b;
            }
            entry.2 = entry.2.max(p.promotion_share);
        }
        let mut s = String::from(
            "<table>\n<caption>Per site</caption>\n<thead><tr><th scope=\"col\">host</th><th scope=\"col\">pages</th>\
             <th scope=\"col\">education</th><th scope=\"col\">promotion</th><th scope=\"col\">boilerplate</th>\
             <th scope=\"col\">highest page promotion share</th></tr></thead>\n<tbody>\n",
        );
        for (host, (pages, bytes, max_share)) in by_host {
            let all = bytes.iter().sum::<usize>().max(1) as f64;
            let _ = write!(
                s,
                "<tr><td>{}</td><td class=\"num\">{pages}</td>",
                escape(host)
            );
            for b in bytes {
                let _ = write!(s, "<td class=\"num\">{:.1}%</td>", 100.0 * b as f64 / all);
            }
            let _ = writeln!(s, "<td class=\"num\">{:.1}%</td></tr>", 100.0 * max_share);
        }
        s.push_str("</tbody>\n</table>\n");
        s
    }
}

/// One page: its header and its text with every span marked.
fn page_section(index: usize, page: &Page, labelled: &LabelledPage) -> String {
    let mut s = String::with_capacity(page.text.len() * 2);
    let _ = writeln!(s, "<section class=\"page\" id=\"page-{}\">", index + 1);
    let _ = writeln!(s, "<h3>{}</h3>", escape(&labelled.id));
    let _ = write!(s, "<p class=\"meta\">");
    if let Some(url) = &labelled.url {
        // Shown as text, never linked: the report makes no request.
        let _ = write!(s, "{} · ", escape(url));
    }
    let _ = writeln!(
        s,
        "promotion share {:.1}% · {} spans</p>",
        100.0 * labelled.promotion_share,
        labelled.spans.len()
    );
    s.push_str("<div class=\"text\">");
    let mut at = 0;
    for (i, span) in labelled.spans.iter().enumerate() {
        if span.range.start > at {
            s.push_str(&escape(page.text.get(at..span.range.start).unwrap_or("")));
        }
        let mut info = format!("{} · score {:.2}", span.label, span.score);
        if !span.reasons.is_empty() {
            info.push_str(" · because: ");
            let reasons: Vec<String> = span
                .reasons
                .iter()
                .map(|r| format!("{} ({:+.2})", r.feature, r.push))
                .collect();
            info.push_str(&reasons.join(", "));
        }
        let _ = write!(
            s,
            "<span class=\"s {label}\" tabindex=\"0\" title=\"{info}\" data-info=\"{info}\" id=\"page-{page}-span-{i}\">{tag}{text}</span>",
            label = span.label,
            info = escape(&info),
            page = index + 1,
            tag = tag(span.label),
            text = escape(&span.text),
        );
        at = span.range.end;
    }
    s.push_str(&escape(page.text.get(at..).unwrap_or("")));
    s.push_str("</div>\n</section>\n");
    s
}

/// The text marker of a label, for readers who cannot tell the colours apart.
fn tag(label: Label) -> String {
    let letter = match label {
        Label::Education => 'E',
        Label::Promotion => 'P',
        Label::Boilerplate => 'B',
    };
    format!("<b class=\"tag\">[{letter}]</b>")
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Controls other than tab/newline are not allowed in HTML text.
            c if c.is_control() && c != '\n' && c != '\t' && c != '\r' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

const HEAD: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pagesift report</title>
<style>
body { font: 15px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem; color: #111; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border: 1px solid #bbb; padding: .2rem .5rem; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
caption { font-weight: bold; text-align: left; }
.note { background: #fff7d6; padding: .5rem; border-left: 4px solid #b58900; }
.page { border-top: 2px solid #333; margin-top: 2rem; }
.meta { color: #444; overflow-wrap: anywhere; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; }
.s { position: relative; border-radius: 2px; padding: 0 1px; }
.s:focus { outline: 2px solid #000; }
.s:focus::after { content: attr(data-info); display: block; background: #222; color: #fff; padding: .3rem .5rem; font-size: 13px; white-space: normal; }
.tag { font-size: 11px; font-weight: bold; margin-right: 2px; }
.education { background: #d6e9ff; border-bottom: 2px solid #1f5fbf; }
.promotion { background: #ffd9b3; border: 2px dashed #b34700; }
.boilerplate { background: #e6e6e6; color: #444; border-bottom: 2px dotted #666; }
.bar { fill: #b34700; }
svg text { font-size: 12px; fill: #111; }
dl.legend { display: flex; gap: 1.5rem; flex-wrap: wrap; }
dl.legend dt { margin: 0; }
dl.legend dd { margin: 0 0 0 .3rem; }
</style>
</head>
<body>
<main>
"#;

const LEGEND: &str = r#"<dl class="legend">
<dt><span class="s education"><b class="tag">[E]</b>education</span></dt><dd>informs (solid underline)</dd>
<dt><span class="s promotion"><b class="tag">[P]</b>promotion</span></dt><dd>sells or recruits (dashed box)</dd>
<dt><span class="s boilerplate"><b class="tag">[B]</b>boilerplate</span></dt><dd>page furniture (dotted underline)</dd>
</dl>
<p>Hover over a span for its label, score and reasons; click or tab to it to show them below it.</p>
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{ByteRange, Span};

    #[test]
    fn writes_a_self_contained_report_with_markers_and_summary() {
        let page = Page::from_text("p<1>", "Ketamine works.\nCall us now & book!");
        let span = |s: usize, e: usize, label| Span {
            range: ByteRange::new(s, e),
            source: None,
            label,
            score: 0.9,
            text: page.text[s..e].to_string(),
            reasons: Vec::new(),
        };
        let labelled = LabelledPage {
            id: page.id.clone(),
            url: Some("https://clinic.example/a?x=1".into()),
            promotion_share: 0.6,
            spans: vec![
                span(0, 15, Label::Education),
                span(16, 35, Label::Promotion),
            ],
            text_bytes: page.text.len(),
            lossy: false,
        };
        let mut out = Vec::new();
        let mut report = ReportWriter::new(&mut out, 1);
        report.add(&page, &labelled);
        report.add(&page, &labelled);
        report.finish().unwrap();
        let html = String::from_utf8(out).unwrap();
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("<h3>p&lt;1&gt;</h3>"));
        assert!(html.contains("[P]</b>Call us now &amp; book!</span>"));
        assert!(html.contains("Showing the first 1 of 2 pages"));
        assert!(html.contains("<td>clinic.example</td><td class=\"num\">2</td>"));
        assert!(html.contains("<svg") && html.contains("2 pages</title>"));
        // The page's URL once, as text; nothing to fetch or follow.
        assert_eq!(html.matches("http").count(), 1);
        for fetch in ["href=", "src=", "url(", "@import", "<script", "<link"] {
            assert!(!html.contains(fetch), "{fetch}");
        }
    }
}
