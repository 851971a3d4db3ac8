//! Server-side SVG charts (no script, no inline style: the CSP allows neither). Labels are
//! escaped like any other text.

use std::fmt::Write as _;

use super::html::esc;

/// One line of a line chart: label, colour, (unix seconds, value) points in time order.
pub(crate) struct Series<'a> {
    pub(crate) label: &'a str,
    pub(crate) color: &'a str,
    pub(crate) points: Vec<(i64, f64)>,
}

const W: f64 = 720.0;
const H: f64 = 200.0;
const PAD_L: f64 = 48.0;
const PAD_B: f64 = 24.0;
const PAD_T: f64 = 12.0;

/// Series longer than this are drawn as lines only.
const MAX_DOTS: usize = 120;

fn hhmm(secs: i64) -> String {
    let day = secs.rem_euclid(86_400);
    format!("{:02}:{:02}", day / 3600, (day % 3600) / 60)
}

fn num(v: f64) -> String {
    if v >= 1_000_000.0 {
        format!("{:.1}M", v / 1_000_000.0)
    } else if v >= 1000.0 {
        format!("{:.1}k", v / 1000.0)
    } else {
        format!("{v:.0}")
    }
}

/// A time-series line chart (traffic per minute); "No data" when every series is empty.
pub(crate) fn line_chart(id: &str, title: &str, series: &[Series<'_>]) -> String {
    let all = series.iter().flat_map(|s| s.points.iter());
    let (mut x0, mut x1, mut ymax) = (i64::MAX, i64::MIN, 0f64);
    for (x, y) in all {
        x0 = x0.min(*x);
        x1 = x1.max(*x);
        ymax = ymax.max(*y);
    }
    if x0 > x1 {
        return format!(
            "<figure class=\"chart\" id=\"{}\"><figcaption>{}</figcaption><p class=\"muted\">No data yet.</p></figure>",
            esc(id),
            esc(title)
        );
    }
    let ymax = if ymax <= 0.0 { 1.0 } else { ymax };
    let span = (x1 - x0).max(60) as f64;
    let px = |x: i64| PAD_L + (x - x0) as f64 / span * (W - PAD_L - 8.0);
    let py = |y: f64| PAD_T + (1.0 - y / ymax) * (H - PAD_T - PAD_B);
    let mut out = format!(
        "<figure class=\"chart\" id=\"{}\" data-testid=\"{}\"><figcaption>{}</figcaption>\
         <svg viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"{}\">",
        esc(id),
        esc(id),
        esc(title),
        esc(title)
    );
    let _ = write!(
        out,
        "<line x1=\"{PAD_L}\" y1=\"{}\" x2=\"{W}\" y2=\"{}\" stroke=\"#999\"/>\
         <line x1=\"{PAD_L}\" y1=\"{PAD_T}\" x2=\"{PAD_L}\" y2=\"{}\" stroke=\"#999\"/>\
         <text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"11\">{}</text>\
         <text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"11\">0</text>\
         <text x=\"{PAD_L}\" y=\"{}\" font-size=\"11\">{}</text>\
         <text x=\"{W}\" y=\"{}\" text-anchor=\"end\" font-size=\"11\">{} UTC</text>",
        H - PAD_B,
        H - PAD_B,
        H - PAD_B,
        PAD_L - 4.0,
        PAD_T + 10.0,
        num(ymax),
        PAD_L - 4.0,
        H - PAD_B,
        H - 6.0,
        hhmm(x0),
        H - 6.0,
        hhmm(x1)
    );
    for s in series {
        if s.points.is_empty() {
            continue;
        }
        let pts: Vec<String> = s
            .points
            .iter()
            .map(|(x, y)| format!("{:.1},{:.1}", px(*x), py(*y)))
            .collect();
        let _ = write!(
            out,
            "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"><title>{}</title></polyline>",
            esc(s.color),
            pts.join(" "),
            esc(s.label)
        );
        // Dots make a lone minute (a line needs two points) and sparse series visible.
        if s.points.len() <= MAX_DOTS {
            for (x, y) in &s.points {
                let _ = write!(
                    out,
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{}\"><title>{} {}: {}</title></circle>",
                    px(*x),
                    py(*y),
                    esc(s.color),
                    esc(s.label),
                    hhmm(*x),
                    num(*y)
                );
            }
        }
    }
    out.push_str("</svg><div class=\"legend\">");
    for s in series {
        let _ = write!(
            out,
            "<span><svg width=\"10\" height=\"10\"><rect width=\"10\" height=\"10\" fill=\"{}\"/></svg> {}</span>",
            esc(s.color),
            esc(s.label)
        );
    }
    out.push_str("</div></figure>");
    out
}

/// A horizontal bar chart of labelled counts.
pub(crate) fn bar_chart(id: &str, title: &str, bars: &[(String, f64)], color: &str) -> String {
    if bars.is_empty() {
        return format!(
            "<figure class=\"chart\" id=\"{}\"><figcaption>{}</figcaption><p class=\"muted\">No data yet.</p></figure>",
            esc(id),
            esc(title)
        );
    }
    let row = 22.0;
    let label_w = 200.0;
    let width = 480.0;
    let height = row * bars.len() as f64 + 4.0;
    let max = bars.iter().map(|b| b.1).fold(0.0, f64::max).max(1.0);
    let mut out = format!(
        "<figure class=\"chart\" id=\"{}\" data-testid=\"{}\"><figcaption>{}</figcaption>\
         <svg viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{}\">",
        esc(id),
        esc(id),
        esc(title),
        esc(title)
    );
    for (i, (label, v)) in bars.iter().enumerate() {
        let y = i as f64 * row + 2.0;
        let w = (v / max * (width - label_w - 60.0)).max(1.0);
        let short: String = label.chars().take(30).collect();
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"12\">{}</text>\
             <rect x=\"{label_w}\" y=\"{y}\" width=\"{w:.1}\" height=\"{}\" fill=\"{}\"><title>{}: {}</title></rect>\
             <text x=\"{}\" y=\"{}\" font-size=\"12\">{}</text>",
            label_w - 6.0,
            y + 14.0,
            esc(&short),
            row - 6.0,
            esc(color),
            esc(label),
            num(*v),
            label_w + w + 4.0,
            y + 14.0,
            num(*v)
        );
    }
    out.push_str("</svg></figure>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_escape_labels_and_handle_empty_input() {
        let bars = vec![("<script>x</script>".to_string(), 3.0)];
        let svg = bar_chart("b", "Bars", &bars, "#36c");
        assert!(!svg.contains("<script>"), "{svg}");
        assert!(svg.contains("&lt;script&gt;"));
        assert!(line_chart("l", "Lines", &[]).contains("No data"));
        let s = Series {
            label: "requests",
            color: "#36c",
            points: vec![(0, 1.0), (60, 3.0)],
        };
        let svg = line_chart("l", "Lines", &[s]);
        assert!(
            svg.contains("<polyline") && svg.contains("00:01 UTC"),
            "{svg}"
        );
    }
}
