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

use common::browser::{Driver, Server, answer, browser, temp_dir};

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
