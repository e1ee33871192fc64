//! `slieksnis serve` end to end: the server started on an ephemeral port (`--port 0`, the
//! address read from its first line of stdout) and asked over HTTP, as a browser or a script
//! would. The API must give the CLI's numbers, refuse bad input with JSON errors and the right
//! status, keep serving through a burst and a 100 MB body; the pages are driven in headless
//! Chromium over chromedriver's W3C WebDriver API (skipped, saying so, where Chromium is not
//! installed, unless SLIEKSNIS_BROWSER=required, as in CI).

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use common::browser::{Driver, Server, answer, browser, downloaded, pdf_pages, temp_dir};

/// summary.csv of `slieksnis run` for Tukums 2026 with `sets`, by municipality then column.
fn cli_summary(sets: &[&str]) -> Vec<(String, Vec<(String, String)>)> {
    let out = temp_dir(&format!("cli-{}", sets.len()));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_slieksnis"));
    cmd.args([
        "run",
        "--municipality",
        "tukuma-novads",
        "--year",
        "2026",
        "-q",
    ])
    .args(["--replicates", "1", "--out"])
    .arg(&out);
    for s in sets {
        cmd.args(["--set", s]);
    }
    assert!(cmd.status().unwrap().success());
    let mut r = csv::Reader::from_path(out.join("summary.csv")).unwrap();
    let head: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| {
            let rec = rec.unwrap();
            let fields = head
                .iter()
                .cloned()
                .zip(rec.iter().map(String::from))
                .collect::<Vec<_>>();
            (rec[0].to_string(), fields)
        })
        .collect();
    let _ = std::fs::remove_dir_all(&out);
    rows
}

fn assert_same(side: &Value, cli: &[(String, Vec<(String, String)>)]) {
    let rows = side["rows"].as_array().unwrap();
    assert_eq!(rows.len(), cli.len());
    for (row, (name, fields)) in rows.iter().zip(cli) {
        assert_eq!(row["municipality"], json!(name));
        for (column, text) in fields {
            match column.as_str() {
                "municipality" => {}
                "assumed" => {
                    let labels: Vec<&str> = row["assumed"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|v| v.as_str().unwrap())
                        .collect();
                    assert_eq!(labels.join(" "), *text, "{name} assumed");
                }
                _ => {
                    let v = &row["measures"][column];
                    // Money is a EUR string, counts are integers: both as summary.csv writes them.
                    let shown = v
                        .as_str()
                        .map(String::from)
                        .unwrap_or_else(|| v.to_string());
                    assert_eq!(shown, *text, "{name} {column}");
                }
            }
        }
    }
}

#[test]
fn run_gives_the_cli_numbers() {
    let s = Server::start();
    let path = "municipalities.tukuma-novads.low_income.pct";
    let started = Instant::now();
    let (code, base) = s.post(
        "/api/run",
        &json!({"municipality": "tukuma-novads", "year": 2026}),
    );
    let first = started.elapsed();
    assert_eq!(code, 200, "{base}");
    assert!(base.get("reform").is_none());
    assert_same(&base["baseline"], &cli_summary(&[]));

    let started = Instant::now();
    let (code, r) = s.post(
        "/api/run",
        &json!({"municipality": "tukuma-novads", "year": 2026, "set": {path: "0.5"}}),
    );
    let moved = started.elapsed();
    assert_eq!(code, 200, "{r}");
    assert_same(&r["baseline"], &cli_summary(&[]));
    assert_same(&r["reform"], &cli_summary(&[&format!("{path}=0.5")]));
    // README: Tukums 2026 at 50 % against 60 %: municipal net 819 778 against 864 925 EUR.
    let total = r["difference"]["rows"].as_array().unwrap().last().unwrap();
    assert_eq!(total["municipality"], "TOTAL");
    assert!(
        total["municipal_net_eur"]
            .as_str()
            .unwrap()
            .starts_with("-45146.")
    );
    eprintln!("first request (households generated) {first:?}, a slider move {moved:?}");

    // A number is read by its decimal text: 0.5 as a JSON number gives the same.
    let (_, n) = s.post(
        "/api/run",
        &json!({"municipality": "tukuma-novads", "year": 2026, "set": {path: 0.5}}),
    );
    assert_eq!(n["reform"], r["reform"]);

    // Bands: p5 ≤ p50 ≤ p95 for the difference, and the point is the run's.
    let (code, b) = s.post(
        "/api/run",
        &json!({"municipality": "tukuma-novads", "year": 2026, "set": {path: "0.5"}, "replicates": 3}),
    );
    assert_eq!(code, 200, "{b}");
    assert_eq!(
        b["reform"]["rows"],
        r["reform"]["rows"]
            .clone()
            .as_array()
            .map(|rows| {
                let mut rows = rows.clone();
                for (row, banded) in rows.iter_mut().zip(b["reform"]["rows"].as_array().unwrap()) {
                    row["bands"] = banded["bands"].clone();
                }
                Value::Array(rows)
            })
            .unwrap()
    );
    let band = &b["difference"]["rows"].as_array().unwrap().last().unwrap()["bands"]["households"];
    assert!(
        band["p5"].as_i64() <= band["p50"].as_i64() && band["p50"].as_i64() <= band["p95"].as_i64()
    );
}

#[test]
fn bad_requests_get_json_errors() {
    let s = Server::start();
    // A slider value outside the legal range: 422 naming the parameter and the range.
    let (code, e) = s.post(
        "/api/run",
        &json!({"municipality": "tukuma-novads", "year": 2026, "set": {"gmi.pct": "0.9"}}),
    );
    assert_eq!(code, 422);
    let m = e["error"].as_str().unwrap();
    assert!(m.contains("gmi.pct") && m.contains("0 … 0.5"), "{m}");
    let (code, e) = s.post(
        "/api/run",
        &json!({"municipality": "tukuma-novads", "year": 2026, "set": {"behaviour.take_up_cap": "11"}}),
    );
    assert_eq!(code, 422);
    assert!(
        e["error"]
            .as_str()
            .unwrap()
            .contains("behaviour.take_up_cap"),
        "{e}"
    );
    // A value the rules refuse (above 80 % of the median).
    let (code, e) = s.post(
        "/api/run",
        &json!({"municipality": "tukuma-novads", "period": "2026-03",
                "set": {"municipalities.tukuma-novads.low_income.pct": "0.9"}}),
    );
    assert_eq!(code, 422, "{e}");
    assert!(
        e["error"].as_str().unwrap().contains("legal maximum"),
        "{e}"
    );
    // An unknown council.
    let (code, e) = s.post(
        "/api/run",
        &json!({"municipality": "tukuma-novad", "year": 2026}),
    );
    assert_eq!(code, 404);
    assert!(
        e["error"]
            .as_str()
            .unwrap()
            .contains("did you mean tukuma-novads"),
        "{e}"
    );
    let (code, _) = s.get("/api/parameters?municipality=nowhere&year=2026");
    assert_eq!(code, 404);
    // A year that cannot be simulated, a missing field.
    let (code, _) = s.post(
        "/api/run",
        &json!({"municipality": "tukuma-novads", "year": 2040}),
    );
    assert_eq!(code, 422);
    let (code, _) = s.post("/api/run", &json!({"year": 2026}));
    assert_eq!(code, 422);
    // Not JSON at all.
    let r = ureq::post(&format!("{}/api/run", s.base))
        .set("Content-Type", "application/json")
        .send_string("{not json");
    let (code, e) = answer(r);
    assert_eq!(code, 400);
    assert!(e["error"].is_string());
    // Malformed households: TOML that does not parse (400), a household without persons (422).
    let (code, e) = s.post(
        "/api/household",
        &json!({"household": "municipality = \"tukuma-novads\"\npersons = [", "period": "2026-01"}),
    );
    assert_eq!(code, 400, "{e}");
    assert!(e["error"].as_str().unwrap().contains("household"), "{e}");
    let (code, e) = s.post(
        "/api/household",
        &json!({"household": {"municipality": "tukuma-novads"}, "period": "2026-01"}),
    );
    assert_eq!(code, 422, "{e}");
    assert!(e["error"].as_str().unwrap().contains("persons"), "{e}");
    let (code, _) = s.post(
        "/api/household",
        &json!({"household": {"municipality": "tukuma-novads", "persons": [{"age": 400}]}, "period": "2026-01"}),
    );
    assert_eq!(code, 422);
    let (code, _) = s.post(
        "/api/household",
        &json!({"household": 7, "period": "2026-01"}),
    );
    assert_eq!(code, 400);
    // An unknown route.
    let (code, e) = s.get("/api/nothing");
    assert_eq!(code, 404);
    assert!(e["error"].is_string());
    // Still serving.
    let (code, _) = s.get("/api/parameters?municipality=tukuma-novads&year=2026");
    assert_eq!(code, 200);
}

#[test]
fn a_100_mb_body_gets_413_quickly() {
    let s = Server::start();
    let addr = s.base.trim_start_matches("http://").to_string();
    let mut stream = TcpStream::connect(&addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let size: usize = 100 << 20;
    write!(
        stream,
        "POST /api/run HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {size}\r\n\r\n"
    )
    .unwrap();
    let started = Instant::now();
    let mut writer = stream.try_clone().unwrap();
    // The body is sent on its own thread: the server answers before it has read it all and
    // may close the connection, so the writer's errors are expected.
    let sender = std::thread::spawn(move || {
        let chunk = vec![b' '; 1 << 20];
        for _ in 0..100 {
            if writer.write_all(&chunk).is_err() {
                return;
            }
        }
    });
    let mut response = Vec::new();
    let mut buf = [0u8; 4096];
    while !response.windows(4).any(|w| w == b"\r\n\r\n")
        || !String::from_utf8_lossy(&response).contains("}")
    {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => response.extend_from_slice(&buf[..n]),
        }
    }
    let elapsed = started.elapsed();
    let text = String::from_utf8_lossy(&response);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(text.contains("\"error\""), "{text}");
    assert!(elapsed < Duration::from_secs(10), "413 took {elapsed:?}");
    drop(stream);
    let _ = sender.join();
    let (code, _) = s.get("/api/parameters?municipality=tukuma-novads&year=2026");
    assert_eq!(code, 200);
}

#[test]
fn two_hundred_requests_at_once() {
    let s = Server::start();
    let base = s.base.clone();
    let started = Instant::now();
    let threads: Vec<_> = (0..200)
        .map(|k| {
            let base = base.clone();
            std::thread::spawn(move || {
                // Months of three councils with GMI shares 0.20–0.29: each a run of the rules.
                let council = ["tukuma-novads", "ogres-novads", "talsu-novads"][k % 3];
                let body = json!({"municipality": council, "period": "2026-03",
                                  "set": {"gmi.pct": format!("0.2{}", k % 10)}});
                let agent = ureq::AgentBuilder::new()
                    .timeout(Duration::from_secs(120))
                    .build();
                answer(agent.post(&format!("{base}/api/run")).send_json(body)).0
            })
        })
        .collect();
    let codes: Vec<u16> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    eprintln!("200 requests in {:?}", started.elapsed());
    assert!(codes.iter().all(|&c| c == 200), "{codes:?}");
    let (code, r) = s.post(
        "/api/run",
        &json!({"municipality": "tukuma-novads", "period": "2026-03"}),
    );
    assert_eq!(code, 200, "{r}");
}

/// A burst of 1 000 requests at once: each is answered (200) or refused at once with a JSON
/// error (503, the queue full), none fails otherwise, and the server goes on serving.
#[test]
fn a_burst_of_a_thousand_requests() {
    let s = Server::start();
    let base = s.base.clone();
    let started = Instant::now();
    let threads: Vec<_> = (0..1000)
        .map(|k| {
            let base = base.clone();
            std::thread::spawn(move || {
                let body = json!({"municipality": "tukuma-novads", "period": "2026-03",
                                  "set": {"gmi.pct": format!("0.{}", 15 + k % 10)}});
                let agent = ureq::AgentBuilder::new()
                    .timeout(Duration::from_secs(120))
                    .build();
                answer(agent.post(&format!("{base}/api/run")).send_json(body))
            })
        })
        .collect();
    let answers: Vec<(u16, Value)> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let refused = answers.iter().filter(|(c, _)| *c == 503).count();
    eprintln!(
        "1 000 requests in {:?}: {} answered, {refused} refused",
        started.elapsed(),
        answers.len() - refused
    );
    for (code, body) in &answers {
        match code {
            200 => assert!(body["baseline"].is_object(), "{body}"),
            503 => assert!(
                body["error"].as_str().is_some_and(|m| !m.is_empty()),
                "{body}"
            ),
            _ => panic!("{code}: {body}"),
        }
    }
    assert!(refused < answers.len(), "every request was refused");
    let (code, r) = s.post(
        "/api/run",
        &json!({"municipality": "tukuma-novads", "period": "2026-03"}),
    );
    assert_eq!(code, 200, "{r}");
}

#[test]
fn parameters_and_household() {
    let s = Server::start();
    let (code, p) = s.get("/api/parameters?municipality=tukuma-novads&year=2026");
    assert_eq!(code, 200);
    let paths: Vec<&str> = p["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["path"].as_str().unwrap())
        .collect();
    for want in [
        "municipalities.tukuma-novads.low_income.pct",
        "gmi.pct",
        "municipalities.tukuma-novads.health_benefit.amount",
        "behaviour.take_up_cap",
    ] {
        assert!(paths.contains(&want), "{want} in {paths:?}");
    }
    let li = &p["parameters"][0];
    assert_eq!(
        (li["value"].as_str(), li["min"].as_str(), li["max"].as_str()),
        (Some("0.6"), Some("0.5"), Some("0.8"))
    );
    // A council benefit amount moved alone (the council's own value is not known: the whole
    // default is set with that field changed) costs less.
    let (code, r) = s.post(
        "/api/run",
        &json!({"municipality": "tukuma-novads", "year": 2026,
                "set": {"municipalities.tukuma-novads.health_benefit.amount": "100",
                        "behaviour.take_up_cap": "1.2"}}),
    );
    assert_eq!(code, 200, "{r}");
    let d = r["difference"]["rows"].as_array().unwrap().last().unwrap();
    assert!(
        d["benefits"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["id"] == "gmi_benefit" && b["households"].as_i64().unwrap() > 0),
        "{d}"
    );

    // The household of `slieksnis explain --household`, as TOML and as JSON: the same answer.
    let toml = "municipality = \"tukuma-novads\"\nhousing_costs = 250\npersons = [{ age = 40, income = 300 }, { age = 38 }, { age = 10 }]";
    let (code, a) = s.post(
        "/api/household",
        &json!({"household": toml, "period": "2026-01", "lang": "en"}),
    );
    assert_eq!(code, 200, "{a}");
    let (_, b) = s.post(
        "/api/household",
        &json!({"household": {"municipality": "tukuma-novads", "housing_costs": 250,
                "persons": [{"age": 40, "income": 300}, {"age": 38}, {"age": 10}]},
                "period": "2026-01", "lang": "en"}),
    );
    assert_eq!(a, b);
    assert_eq!(a["result"]["status"], "needy");
    let out = Command::new(env!("CARGO_BIN_EXE_slieksnis"))
        .args([
            "explain",
            "--period",
            "2026-01",
            "--lang",
            "en",
            "--household",
            toml,
        ])
        .output()
        .unwrap();
    assert_eq!(
        a["explanation"]["text"].as_str().unwrap(),
        String::from_utf8_lossy(&out.stdout)
    );
    let points = a["series"]["points"].as_array().unwrap();
    assert_eq!(points.len(), 151);
    assert_eq!(points[30]["x"], 300);
    assert_eq!(points[30]["total_eur"], a["result"]["total_eur"]);
    // Past the thresholds the household gets less: the series has cliffs.
    let totals: Vec<f64> = points
        .iter()
        .map(|p| p["total_eur"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(totals.windows(2).any(|w| w[0] - w[1] > 50.0), "{totals:?}");

    // The workbook of what the What-if page shows.
    let q = serde_json::to_string(&json!({"municipality": "tukuma-novads", "year": 2026})).unwrap();
    let r = ureq::get(&format!("{}/api/xlsx", s.base))
        .query("q", &q)
        .call()
        .unwrap();
    assert_eq!(r.status(), 200);
    let mut bytes = Vec::new();
    r.into_reader().read_to_end(&mut bytes).unwrap();
    assert_eq!(&bytes[..2], b"PK");
}

/// A section of a report (`<section id="ID">…</section>`), as written.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("<section id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no section {id}"));
    let end = start + html[start..].find("</section>").unwrap();
    &html[start..end]
}

/// A GET download: its status, Content-Type, Content-Disposition and bytes.
fn download(s: &Server, path: &str, q: &Value, lang: &str) -> (u16, String, String, Vec<u8>) {
    let r = ureq::get(&format!("{}{path}", s.base))
        .query("q", &q.to_string())
        .query("lang", lang)
        .call()
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    let (kind, name) = (
        r.header("content-type").unwrap_or("").to_string(),
        r.header("content-disposition").unwrap_or("").to_string(),
    );
    let status = r.status();
    let mut bytes = Vec::new();
    r.into_reader().read_to_end(&mut bytes).unwrap();
    (status, kind, name, bytes)
}

/// A number cell of the workbook's summary sheet: the column `label`, the row of `side` (a
/// comparison's, or `None`) and `slug`.
fn summary_cell(book: &[u8], side: Option<&str>, slug: &str, label: &str) -> f64 {
    use calamine::{Data, Reader, Xlsx};
    let mut wb = Xlsx::new(std::io::Cursor::new(book.to_vec())).expect("a workbook");
    let range = wb
        .worksheet_range("kopsavilkums")
        .expect("the summary sheet");
    let text = |r: usize, c: usize| match range.get((r, c)) {
        Some(Data::String(t)) => t.clone(),
        _ => String::new(),
    };
    let first = if side.is_some() {
        "variants"
    } else {
        "pašvaldība"
    };
    let top = (0..range.height())
        .find(|&r| text(r, 0) == first)
        .expect("a header row");
    let col = (0..range.width())
        .find(|&c| text(top, c) == label)
        .unwrap_or_else(|| panic!("no column {label}"));
    let slug_col = (0..range.width())
        .find(|&c| text(top, c) == "kods")
        .expect("the slug column");
    let row = (top + 1..range.height())
        .find(|&r| side.is_none_or(|s| text(r, 0) == s) && text(r, slug_col) == slug)
        .unwrap_or_else(|| panic!("no row {side:?} {slug}"));
    match range.get((row, col)) {
        Some(Data::Float(f)) => *f,
        other => panic!("{label}: not a number: {other:?}"),
    }
}

#[test]
fn downloads_are_what_the_run_shows_written_by_the_commands_code() {
    let s = Server::start();
    let path = "municipalities.tukuma-novads.low_income.pct";
    // The same question as a scenario file, for `slieksnis report` (the field set as the slider
    // sets it, so that the value used has the same date in force).
    let dir = temp_dir("report-scenario");
    std::fs::create_dir_all(&dir).unwrap();
    let scenario = dir.join("tukums.toml");
    std::fs::write(
        &scenario,
        "name = \"Tukums 2026 at 50 %\"\nmunicipality = \"tukuma-novads\"\nyear = 2026\n\
         [baseline]\nname = \"in force\"\n[reform]\nname = \"50 %\"\n\
         set = { \"municipalities.tukuma-novads.low_income.pct\" = 0.5 }\n",
    )
    .unwrap();
    let cli_file = dir.join("cli.html");
    let cli = {
        let (scenario, out) = (scenario.clone(), cli_file.clone());
        std::thread::spawn(move || {
            Command::new(env!("CARGO_BIN_EXE_slieksnis"))
                .arg("report")
                .arg(&scenario)
                .args(["--replicates", "1", "-q", "--out"])
                .arg(&out)
                .status()
                .unwrap()
        })
    };
    let q = json!({"municipality": "tukuma-novads", "year": 2026, "set": {path: "0.5"}, "replicates": 0});
    let (code, kind, name, bytes) = download(&s, "/api/report", &q, "lv");
    assert_eq!(code, 200);
    assert_eq!(kind, "text/html; charset=utf-8");
    assert_eq!(
        name,
        "attachment; filename=\"slieksnis-tukuma-novads-2026.html\""
    );
    let web = String::from_utf8(bytes).unwrap();
    assert!(web.contains("<h1>Ko darīt, ja: Tukuma novads, 2026</h1>"));
    // README: Tukums 2026 at 50 % against 60 %: municipal net 819 778,34 against 864 924,92 EUR.
    for figure in ["864\u{a0}924,92", "819\u{a0}778,34", "-45\u{a0}146,58"] {
        assert!(web.contains(figure), "{figure}");
    }
    assert!(web.contains(&format!("--set {path}=0.5")), "the command");
    assert!(!web.to_lowercase().contains("<script"));
    // The commands' own report of the same question: its sections after the question, byte
    // for byte (the parameters changed, the results, the months).
    assert!(cli.join().unwrap().success());
    let cli = std::fs::read_to_string(&cli_file).unwrap();
    for id in ["assumptions", "results", "months"] {
        assert_eq!(section(&web, id), section(&cli, id), "section {id}");
    }
    // The same request, the same bytes.
    let (_, _, _, again) = download(&s, "/api/report", &q, "lv");
    assert!(again == web.as_bytes(), "the same file twice");
    let (_, _, _, en) = download(&s, "/api/report", &q, "en");
    let en = String::from_utf8(en).unwrap();
    assert!(en.contains("<h1>What if: Tukuma novads, 2026</h1>") && en.contains("-45,146.58"));

    // The workbook carries everything the request has: a projected year's assumption, the
    // bands, the months; its figures are /api/run's for the same request.
    let q = json!({"municipality": "tukuma-novads", "year": 2027, "set": {path: "0.55"},
                   "assume": {"median_growth": "0.08"}, "replicates": 2});
    let (code, run) = s.post("/api/run", &q);
    assert_eq!(code, 200, "{run}");
    let net_of = |run: &Value, side: &str| {
        let rows = run[side]["rows"].as_array().unwrap();
        let row = rows
            .iter()
            .find(|r| r["municipality"] == "tukuma-novads")
            .unwrap();
        row["municipal_net_eur"]
            .as_str()
            .unwrap()
            .parse::<f64>()
            .unwrap()
    };
    let net = |side: &str| net_of(&run, side);
    // Without the assumption (and without bands, which cost a debug build seconds).
    let (_, plain) = s.post(
        "/api/run",
        &json!({"municipality": "tukuma-novads", "year": 2027, "set": {path: "0.55"}}),
    );
    assert_ne!(
        net_of(&plain, "reform"),
        net("reform"),
        "the assumption changes the figures"
    );
    let (code, kind, name, book) = download(&s, "/api/xlsx", &q, "lv");
    assert_eq!(code, 200);
    assert!(kind.starts_with("application/vnd.openxmlformats"), "{kind}");
    assert_eq!(
        name,
        "attachment; filename=\"slieksnis-tukuma-novads-2027.xlsx\""
    );
    for (side, label) in [
        ("bāze", "baseline"),
        ("reforma", "reform"),
        ("starpība", "difference"),
    ] {
        assert_eq!(
            summary_cell(&book, Some(side), "tukuma-novads", "pašvaldības neto EUR"),
            net(label),
            "{side}"
        );
    }
    use calamine::Reader;
    let wb = calamine::Xlsx::new(std::io::Cursor::new(book.clone())).unwrap();
    for sheet in [
        "kopsavilkums",
        "pabalsti",
        "mēneši",
        "intervāli",
        "parametri",
    ] {
        assert!(
            wb.sheet_names().iter().any(|n| n == sheet),
            "{sheet} in {:?}",
            wb.sheet_names()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- Browser tests ----
#[test]
fn pages_in_a_browser() {
    let Some((chromium, driver)) = browser() else {
        return;
    };
    let s = Server::start();
    let d = Driver::start(&chromium, &driver);
    let net = "const c = document.querySelector('[data-measure=municipal_net_eur] .v'); return c && c.textContent";

    // What if, in Latvian: move the low-income slider, see the figures change.
    d.go(&format!("{}/?municipality=tukuma-novads&year=2026", s.base));
    let before = d.wait(net, "the What-if figures");
    assert!(before.as_str().unwrap().contains("864"), "{before}");
    assert_eq!(
        d.js("return document.querySelector('h1').textContent"),
        json!("Ko darīt, ja")
    );
    d.js("const i = document.querySelector('input[data-path$=\"low_income.pct\"]'); i.value = '0.5'; i.dispatchEvent(new Event('input'));");
    let after = d.wait(
        &format!("const v = document.querySelector('[data-measure=municipal_net_eur] .v'); const d = document.querySelector('[data-measure=municipal_net_eur] .d'); return v && d && v.textContent !== {before} && v.textContent"),
        "the figures after the slider moved",
    );
    assert!(after.as_str().unwrap().contains("819"), "{after}");
    let diff =
        d.js("return document.querySelector('[data-measure=municipal_net_eur] .d').textContent");
    assert!(diff.as_str().unwrap().starts_with('−'), "{diff}");
    d.screenshot("whatif.png");
    downloads_of_the_page(&d, &after, &diff);

    // The household calculator, in English: the result, then a higher income, a lower result.
    d.go(&format!("{}/household?lang=en", s.base));
    let total = "const c = document.querySelector('#hh-total .v'); return c && c.textContent";
    let first = d.wait(total, "the household result");
    d.wait(
        "return document.querySelectorAll('#cliff-chart .cliff').length > 0",
        "the cliff chart",
    );
    assert!(
        d.js("return document.querySelector('#explanation').textContent")
            .as_str()
            .unwrap()
            .contains("Household")
    );
    d.js("document.querySelector('#members tbody .income').value = '900'; document.querySelector('#calc').click();");
    let second = d.wait(&format!("const c = document.querySelector('#hh-total .v'); return c && c.textContent !== {first} && c.textContent"), "the new result");
    assert_ne!(first, second);
    d.js("document.querySelector('#members tbody .income').value = '300'; document.querySelector('#calc').click();");
    d.wait(&format!("const c = document.querySelector('#hh-total .v'); return c && c.textContent === {first}"), "the first result again");
    d.screenshot("household.png");
}

/// The What-if page's two downloads, clicked as a person clicks them with the slider moved:
/// the report and the workbook arrive, and their figures are the page's.
fn downloads_of_the_page(d: &Driver, net: &Value, diff: &Value) {
    let dir = temp_dir("downloads");
    d.download_to(&dir);
    // What the page shows, as the report writes it: a no-break space between thousands, ASCII -.
    let as_report = |v: &Value| {
        v.as_str()
            .unwrap()
            .trim_end_matches(['€', ' '])
            .trim_end_matches(" pret spēkā esošo")
            .replace('\u{202f}', "\u{a0}")
            .replace('−', "-")
    };
    let (net, diff) = (as_report(net), as_report(diff));
    assert_eq!(diff, "-45\u{a0}146,58");
    let gross = as_report(
        &d.js("return document.querySelector('[data-measure=gross_eur] .v').textContent"),
    );
    d.js("document.querySelector('#report').click()");
    let file = downloaded(&dir, "html");
    assert_eq!(
        file.file_name().unwrap(),
        "slieksnis-tukuma-novads-2026.html"
    );
    let html = std::fs::read_to_string(&file).unwrap();
    for figure in [&net, &diff, &gross] {
        assert!(
            html.contains(figure.as_str()),
            "{figure} of the page in the report"
        );
    }
    assert!(html.contains("municipalities.tukuma-novads.low_income.pct=0.5"));
    d.js("document.querySelector('#xlsx').click()");
    let file = downloaded(&dir, "xlsx");
    let book = std::fs::read(&file).unwrap();
    let eur = |s: &str| {
        s.replace(['\u{a0}', ' '], "")
            .replace(',', ".")
            .parse::<f64>()
            .unwrap()
    };
    assert_eq!(
        summary_cell(
            &book,
            Some("reforma"),
            "tukuma-novads",
            "pašvaldības neto EUR"
        ),
        eur(&net)
    );
    assert_eq!(
        summary_cell(
            &book,
            Some("starpība"),
            "tukuma-novads",
            "pašvaldības neto EUR"
        ),
        eur(&diff)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A report written by the CLI opened from file:// with the network off: nothing outside the
/// file is requested, its charts are drawn, its figures are there, it prints to A4 with no
/// table wider than the page; the README's screenshot of it.
#[test]
fn a_cli_report_opens_offline_and_prints() {
    let Some((chromium, driver)) = browser() else {
        return;
    };
    let dir = temp_dir("offline-report");
    std::fs::create_dir_all(&dir).unwrap();
    let (file, out) = (dir.join("ogre.html"), dir.join("csv"));
    let scenario = "scenarios/ogre-2026-low-income-60.toml";
    let run = |args: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_slieksnis"));
        c.current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
        c.args(args);
        c
    };
    let written = {
        let mut c = run(&["report", scenario, "--replicates", "1", "-q", "--out"]);
        c.arg(&file);
        std::thread::spawn(move || c.status().unwrap())
    };
    let mut c = run(&["compare", scenario, "--replicates", "1", "-q", "--out"]);
    assert!(c.arg(&out).status().unwrap().success());
    assert!(written.join().unwrap().success());
    let d = Driver::start(&chromium, &driver);
    d.offline();
    d.go(&format!("file://{}", file.display()));
    d.wait("return document.readyState === 'complete'", "the report");
    assert_eq!(
        d.js("return performance.getEntriesByType('resource').map(e => e.name)"),
        json!([]),
        "nothing requested beyond the file"
    );
    // Every chart drawn: an SVG with a size and marks of a size in it.
    let charts = d.js(
        "return [...document.querySelectorAll('svg')].map(s => { const r = s.getBoundingClientRect(); \
         const marks = [...s.querySelectorAll('rect,path,polyline,line')].filter(m => { const b = m.getBBox(); return b.width > 0 || b.height > 0; }).length; \
         return [Math.round(r.width), Math.round(r.height), marks]; })",
    );
    let charts = charts.as_array().unwrap();
    assert!(!charts.is_empty(), "a chart");
    for c in charts {
        assert!(
            c[0].as_i64() > Some(100) && c[1].as_i64() > Some(50) && c[2].as_i64() > Some(12),
            "a chart not drawn: {charts:?}"
        );
    }
    assert_eq!(
        d.js("return [...document.images].filter(i => !i.complete || i.naturalWidth === 0).length"),
        json!(0)
    );
    // The figures of comparison.csv, as the Latvian report prints them.
    let text = d
        .js("return document.body.innerText")
        .as_str()
        .unwrap()
        .to_string();
    let mut csv = csv::Reader::from_path(out.join("comparison.csv")).unwrap();
    let head = csv.headers().unwrap().clone();
    let net = head.iter().position(|h| h == "municipal_net_eur").unwrap();
    let mut seen = 0;
    for rec in csv.records() {
        let rec = rec.unwrap();
        if &rec[1] != "ogres-novads" {
            continue;
        }
        let (whole, cents) = rec[net].split_once('.').unwrap();
        let (sign, digits) = whole.strip_prefix('-').map_or(("", whole), |d| ("-", d));
        let grouped: Vec<String> = digits
            .as_bytes()
            .rchunks(3)
            .rev()
            .map(|c| String::from_utf8(c.to_vec()).unwrap())
            .collect();
        let lv = format!("{sign}{},{cents}", grouped.join("\u{a0}"));
        assert!(text.contains(&lv), "{} {lv} in the report", &rec[0]);
        seen += 1;
    }
    assert_eq!(seen, 3, "baseline, reform and difference");
    // The README's picture: the year's cash flow, its chart and the months adding up.
    d.js("document.getElementById('months').scrollIntoView()");
    d.screenshot("report.png");

    // Printed: no table wider than A4's text (210 mm less 2 × 12 mm margins at 96 px an inch),
    // its rows kept whole; then the PDF itself.
    d.cdp("Emulation.setEmulatedMedia", json!({"media": "print"}));
    d.cdp(
        "Emulation.setDeviceMetricsOverride",
        json!({"width": 703, "height": 1000, "deviceScaleFactor": 1, "mobile": false}),
    );
    let wide = d.js(
        "return [...document.querySelectorAll('table, svg')].filter(t => t.getBoundingClientRect().right > document.documentElement.clientWidth + 1).map(t => t.outerHTML.slice(0, 80))",
    );
    assert_eq!(wide, json!([]), "cut at the page's edge");
    assert_eq!(
        d.js("return getComputedStyle(document.querySelector('tr')).breakInside"),
        json!("avoid")
    );
    d.cdp("Emulation.clearDeviceMetricsOverride", json!({}));
    d.cdp("Emulation.setEmulatedMedia", json!({"media": ""}));
    let pdf = d.print_pdf();
    let pages = pdf_pages(&pdf);
    let sections = d
        .js("return document.querySelectorAll('section').length")
        .as_u64()
        .unwrap() as usize;
    eprintln!(
        "the report printed to {pages} A4 pages ({} bytes), {sections} sections",
        pdf.len()
    );
    assert!(
        pages >= sections,
        "a section a page: {pages} pages, {sections} sections"
    );
    std::fs::write(dir.join("ogre.pdf"), &pdf).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
