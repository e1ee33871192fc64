//! A small SVG chart renderer for the report: axes with nice ticks, line charts and grouped bar
//! charts, labels, and an accessible `<title>` and `<desc>`. Black on white (a second series
//! dashed or grey), so a chart printed on a black-and-white printer still reads.
//!
//! Coordinates are `f64` because they are pixels: the figures the report prints are formatted
//! from exact integers elsewhere ([`super::Numbers`]); a value here only places a mark, and the
//! tick labels are the formatter's text of a round tick value. Every text is escaped.

use super::html::escape;

/// The drawing's size in pixels (scaled to the page's width by CSS).
const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 340.0;
/// Margins: room for the y labels on the left, the x labels and legend below.
const LEFT: f64 = 96.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 70.0;

/// How a value is shown on an axis (a tick's label).
pub type Label<'a> = &'a dyn Fn(f64) -> String;

/// One line of a line chart: its name (the legend) and its points, x ascending.
pub struct Line {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

/// A band drawn behind the lines: its name and, per x, the low and high value.
pub struct Area {
    pub name: String,
    pub points: Vec<(f64, f64, f64)>,
}

/// Round tick values covering `[lo, hi]`: about `want` steps of 1, 2, 2.5 or 5 × 10^k.
pub fn ticks(lo: f64, hi: f64, want: usize) -> Vec<f64> {
    let (lo, hi) = if hi > lo {
        (lo, hi)
    } else if lo == 0.0 {
        (0.0, 1.0)
    } else {
        (lo - lo.abs() * 0.1, hi + hi.abs() * 0.1)
    };
    let rough = (hi - lo) / want.max(1) as f64;
    let magnitude = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        // A step a rounding below the rough one is that step (0.3 / 6 is 0.05000000000000002).
        .find(|s| *s >= rough * (1.0 - 1e-9))
        .unwrap_or(10.0 * magnitude);
    let first = (lo / step).floor() as i64;
    let last = (hi / step).ceil() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

/// The frame of a chart: `<svg>` with its title and description, the y grid and labels.
struct Frame {
    out: String,
    y0: f64,
    y1: f64,
}

impl Frame {
    fn new(id: &str, title: &str, desc: &str, y_ticks: &[f64], y_label: Label) -> Frame {
        let (y0, y1) = (y_ticks[0], *y_ticks.last().unwrap_or(&1.0));
        let mut out = format!(
            "<svg viewBox=\"0 0 {WIDTH} {HEIGHT}\" \
             role=\"img\" aria-labelledby=\"{id}-t {id}-d\" class=\"chart\" \
             font-family=\"DejaVu Sans, Liberation Sans, Arial, sans-serif\">\
             <title id=\"{id}-t\">{}</title><desc id=\"{id}-d\">{}</desc>\
             <rect x=\"0\" y=\"0\" width=\"{WIDTH}\" height=\"{HEIGHT}\" fill=\"#fff\"/>",
            escape(title),
            escape(desc)
        );
        let frame = Frame {
            out: String::new(),
            y0,
            y1,
        };
        for &t in y_ticks {
            let y = frame.y(t);
            out.push_str(&format!(
                "<line x1=\"{LEFT}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#bbb\" stroke-width=\"0.5\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"11\">{}</text>",
                WIDTH - RIGHT,
                LEFT - 6.0,
                y + 4.0,
                escape(&y_label(t))
            ));
        }
        out.push_str(&format!(
            "<line x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{LEFT}\" y2=\"{:.1}\" stroke=\"#000\"/>\
             <line x1=\"{LEFT}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#000\"/>",
            HEIGHT - BOTTOM,
            HEIGHT - BOTTOM,
            WIDTH - RIGHT,
            HEIGHT - BOTTOM
        ));
        Frame { out, y0, y1 }
    }

    /// The pixel row of value `v`.
    fn y(&self, v: f64) -> f64 {
        let span = (self.y1 - self.y0).max(f64::MIN_POSITIVE);
        HEIGHT - BOTTOM - (v - self.y0) / span * (HEIGHT - BOTTOM - TOP)
    }

    /// The legend below the x labels: a swatch and a name per entry.
    fn legend(&mut self, entries: &[(String, String)]) {
        let mut x = LEFT;
        let y = HEIGHT - 16.0;
        for (swatch, name) in entries {
            self.out.push_str(&format!(
                "<g transform=\"translate({x:.1},{y:.1})\">{swatch}</g>\
                 <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\">{}</text>",
                x + 28.0,
                y + 4.0,
                escape(name)
            ));
            x += 40.0 + 7.0 * name.chars().count() as f64;
        }
    }

    fn finish(mut self) -> String {
        self.out.push_str("</svg>");
        self.out
    }
}

/// The y ticks of values, from 0 when they are all on one side of it.
fn y_ticks(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    for v in values {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    ticks(lo, hi, 5)
}

/// Line styles: solid black, dashed black, dotted grey.
const DASHES: [&str; 3] = ["", " stroke-dasharray=\"6 4\"", " stroke-dasharray=\"2 3\""];
const STROKES: [&str; 3] = ["#000", "#000", "#555"];

/// A line chart of `lines` over x; `marks` are x positions drawn as a dotted vertical line
/// with a short label (a sweep's jumps).
#[allow(clippy::too_many_arguments)]
pub fn line_chart(
    id: &str,
    title: &str,
    desc: &str,
    lines: &[Line],
    areas: &[Area],
    marks: &[(f64, String)],
    x_label: Label,
    y_label: Label,
    x_name: &str,
) -> String {
    let ys = y_ticks(
        lines
            .iter()
            .flat_map(|l| l.points.iter().map(|p| p.1))
            .chain(
                areas
                    .iter()
                    .flat_map(|a| a.points.iter().flat_map(|p| [p.1, p.2])),
            ),
    );
    let (mut x0, mut x1) = (f64::INFINITY, f64::NEG_INFINITY);
    for (x, _) in lines.iter().flat_map(|l| l.points.iter()) {
        x0 = x0.min(*x);
        x1 = x1.max(*x);
    }
    if !x0.is_finite() {
        (x0, x1) = (0.0, 1.0);
    }
    if x1 <= x0 {
        x1 = x0 + 1.0;
        x0 -= 1.0;
    }
    let px = |x: f64| LEFT + (x - x0) / (x1 - x0) * (WIDTH - LEFT - RIGHT);
    let mut f = Frame::new(id, title, desc, &ys, y_label);
    let bottom = HEIGHT - BOTTOM;
    for t in ticks(x0, x1, 8).into_iter().filter(|t| {
        // A tick a rounding away from the ends counts as on them.
        *t >= x0 - (x1 - x0) * 1e-9 && *t <= x1 + (x1 - x0) * 1e-9
    }) {
        let x = px(t);
        f.out.push_str(&format!(
            "<line x1=\"{x:.1}\" y1=\"{bottom:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#000\"/>\
             <text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"11\">{}</text>",
            bottom + 4.0,
            bottom + 17.0,
            escape(&x_label(t))
        ));
    }
    f.out.push_str(&format!(
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"12\">{}</text>",
        LEFT + (WIDTH - LEFT - RIGHT) / 2.0,
        bottom + 34.0,
        escape(x_name)
    ));
    for (x, label) in marks {
        let x = px(*x);
        f.out.push_str(&format!(
            "<line x1=\"{x:.1}\" y1=\"{TOP}\" x2=\"{x:.1}\" y2=\"{bottom:.1}\" stroke=\"#000\" \
             stroke-width=\"0.8\" stroke-dasharray=\"1 3\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" font-weight=\"bold\">{}</text>",
            x + 3.0,
            TOP + 11.0,
            escape(label)
        ));
    }
    let mut legend = Vec::new();
    for area in areas {
        let upper = area.points.iter().map(|&(x, _, hi)| (x, hi));
        let lower = area.points.iter().rev().map(|&(x, lo, _)| (x, lo));
        let d: Vec<String> = upper
            .chain(lower)
            .map(|(x, y)| format!("{:.1},{:.1}", px(x), f.y(y)))
            .collect();
        f.out.push_str(&format!(
            "<polygon points=\"{}\" fill=\"#ddd\" stroke=\"none\"/>",
            d.join(" ")
        ));
        legend.push((
            "<rect x=\"0\" y=\"-6\" width=\"22\" height=\"12\" fill=\"#ddd\"/>".to_string(),
            area.name.clone(),
        ));
    }
    if !areas.is_empty() {
        // The axis again, over the bands.
        f.out.push_str(&format!(
            "<line x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{LEFT}\" y2=\"{bottom:.1}\" stroke=\"#000\"/>"
        ));
    }
    for (k, line) in lines.iter().enumerate() {
        let (dash, stroke) = (DASHES[k % 3], STROKES[k % 3]);
        let d: Vec<String> = line
            .points
            .iter()
            .map(|&(x, y)| format!("{:.1},{:.1}", px(x), f.y(y)))
            .collect();
        f.out.push_str(&format!(
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"2\"{dash}/>",
            d.join(" ")
        ));
        for &(x, y) in &line.points {
            f.out.push_str(&format!(
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.2\" fill=\"{stroke}\"/>",
                px(x),
                f.y(y)
            ));
        }
        legend.push((
            format!(
                "<line x1=\"0\" y1=\"0\" x2=\"22\" y2=\"0\" stroke=\"{stroke}\" stroke-width=\"2\"{dash}/>"
            ),
            line.name.clone(),
        ));
    }
    f.legend(&legend);
    f.finish()
}

/// Fills of a bar chart's groups: black, then grey, then white with a black edge.
const FILLS: [&str; 3] = ["#000", "#999", "#fff"];

/// A bar chart: one cluster per category (`categories`, the x labels), one bar per series
/// (`series`: name, a value per category).
pub fn bar_chart(
    id: &str,
    title: &str,
    desc: &str,
    categories: &[String],
    series: &[(String, Vec<f64>)],
    y_label: Label,
) -> String {
    let ys = y_ticks(series.iter().flat_map(|(_, v)| v.iter().copied()));
    let mut f = Frame::new(id, title, desc, &ys, y_label);
    let n = categories.len().max(1) as f64;
    let slot = (WIDTH - LEFT - RIGHT) / n;
    let bar = slot * 0.8 / series.len().max(1) as f64;
    let zero = f.y(0.0);
    for (c, name) in categories.iter().enumerate() {
        let x = LEFT + slot * c as f64;
        f.out.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"11\">{}</text>",
            x + slot / 2.0,
            HEIGHT - BOTTOM + 17.0,
            escape(name)
        ));
        for (s, (label, values)) in series.iter().enumerate() {
            let Some(&v) = values.get(c) else { continue };
            let y = f.y(v);
            let (top, h) = if y < zero {
                (y, zero - y)
            } else {
                (zero, y - zero)
            };
            f.out.push_str(&format!(
                "<rect x=\"{:.1}\" y=\"{top:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"{}\" \
                 stroke=\"#000\" stroke-width=\"0.6\"><title>{} {}: {}</title></rect>",
                x + slot * 0.1 + bar * s as f64,
                bar,
                FILLS[s % 3],
                escape(name),
                escape(label),
                escape(&y_label(v))
            ));
        }
    }
    let legend: Vec<(String, String)> = series
        .iter()
        .enumerate()
        .map(|(s, (name, _))| {
            (
                format!(
                    "<rect x=\"0\" y=\"-6\" width=\"22\" height=\"12\" fill=\"{}\" stroke=\"#000\" stroke-width=\"0.6\"/>",
                    FILLS[s % 3]
                ),
                name.clone(),
            )
        })
        .collect();
    f.legend(&legend);
    f.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(
            ticks(0.0, 864_925.0, 5),
            [0.0, 200_000.0, 400_000.0, 600_000.0, 800_000.0, 1_000_000.0]
        );
        let shown: Vec<String> = ticks(0.5, 0.8, 6)
            .iter()
            .map(|t| format!("{t:.2}"))
            .collect();
        assert_eq!(
            shown,
            ["0.50", "0.55", "0.60", "0.65", "0.70", "0.75", "0.80"]
        );
        assert_eq!(ticks(0.0, 0.0, 5).first(), Some(&0.0));
        let t = ticks(-120.0, 380.0, 5);
        assert!(t[0] <= -120.0 && *t.last().unwrap() >= 380.0);
    }

    #[test]
    fn charts_escape_text_and_have_a_title() {
        let fmt = |v: f64| format!("{v}");
        let svg = line_chart(
            "c1",
            "a <b> & \"c\"",
            "d",
            &[Line {
                name: "x<y".into(),
                points: vec![(0.0, 1.0), (1.0, 2.0)],
            }],
            &[Area {
                name: "band".into(),
                points: vec![(0.0, 0.5, 1.5), (1.0, 1.0, 3.0)],
            }],
            &[(0.5, "1".into())],
            &fmt,
            &fmt,
            "p",
        );
        assert!(svg.contains("<title id=\"c1-t\">a &lt;b&gt; &amp; &quot;c&quot;</title>"));
        assert!(svg.contains("x&lt;y") && !svg.contains("x<y"));
        let bars = bar_chart(
            "c2",
            "t",
            "d",
            &["01".into()],
            &[("s".into(), vec![3.0])],
            &fmt,
        );
        assert!(bars.starts_with("<svg") && bars.ends_with("</svg>") && bars.contains("<rect"));
    }
}
