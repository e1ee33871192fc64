//! The Training page of `slieksnis serve`, end to end: exercises from the case files and from
//! generated households, the answer the rules give (the case files' own hand-checked values,
//! and the same numbers as `slieksnis explain`), the rules' branches met, JSON errors for bad
//! input, and the page driven in headless Chromium: an exercise predicted and submitted, the
//! score and the coverage changing, `docs/screenshots/training.png`.

mod common;

use std::process::Command;

use serde_json::{Value, json};

use common::browser::{Driver, Server, browser};

/// The case at `file:line` (as an answer names it) of the repository's case files.
fn case_at(file: &str, line: usize) -> toml::Table {
    let text = std::fs::read_to_string(common::repo().join(file)).unwrap();
    let table: toml::Table = text.parse().unwrap();
    let name_line = text.lines().nth(line - 1).unwrap().to_string();
    table["case"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_table().unwrap().clone())
        .find(|c| name_line.contains(&format!("{:?}", c["name"].as_str().unwrap())))
        .unwrap_or_else(|| panic!("no case at {file}:{line}"))
}

/// An expected amount of a case (`337` or `337.5`) as the API writes EUR.
fn eur_text(v: &toml::Value) -> String {
    match v {
        toml::Value::Integer(i) => format!("{i}.00"),
        toml::Value::Float(f) => format!("{f:.2}"),
        other => panic!("not an amount: {other}"),
    }
}

fn answer(s: &Server, exercise: Value, prediction: Value) -> Value {
    let (code, a) = s.post(
        "/api/answer",
        &json!({ "exercise": exercise, "prediction": prediction, "lang": "en" }),
    );
    assert_eq!(code, 200, "{a}");
    a
}

fn benefit<'a>(result: &'a Value, id: &str) -> &'a Value {
    &result["benefits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == json!(id))
        .unwrap()["eur"]
}

/// `slieksnis explain --json` for `args`: its status and each benefit in EUR.
fn explain_cli(args: &[&str]) -> (String, Vec<(String, String)>) {
    let out = Command::new(env!("CARGO_BIN_EXE_slieksnis"))
        .arg("explain")
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let l: Value = serde_json::from_slice(&out.stdout).unwrap();
    let status = l["result"]["status_id"]
        .as_str()
        .unwrap_or("none")
        .to_string();
    let benefits = l["result"]["benefits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            // (id, label, amount in ten-thousandths of a euro, text)
            let units = b[2].as_i64().unwrap();
            assert_eq!(units % 100, 0, "whole cents");
            let cents = units / 100;
            (
                b[0].as_str().unwrap().to_string(),
                format!("{}.{:02}", cents / 100, cents % 100),
            )
        })
        .collect();
    (status, benefits)
}

fn assert_same_as_cli(a: &Value, args: &[&str]) {
    let (status, benefits) = explain_cli(args);
    assert_eq!(a["result"]["status"], json!(status), "{args:?}");
    for (id, eur) in benefits {
        assert_eq!(benefit(&a["result"], &id), &json!(eur), "{id} of {args:?}");
    }
}

#[test]
fn exercises_are_answered_as_the_case_files_and_explain_say() {
    let s = Server::start();
    let (code, all) = s.get("/api/branches?lang=lv");
    assert_eq!(code, 200);
    let branches = all["branches"].as_array().unwrap();
    assert_eq!(all["total"], json!(branches.len()));
    assert!(
        branches.len() >= 60 && branches.len() % 2 == 0,
        "{}",
        branches.len()
    );
    let ids: Vec<&str> = branches.iter().map(|b| b["id"].as_str().unwrap()).collect();
    assert!(
        branches
            .iter()
            .any(|b| b["words"] == json!("ienākumi ≤ trūcīgas mājsaimniecības slieksnis — nē"))
    );

    // The exercise shows the household, not its answer.
    let (code, x) = s.get("/api/exercise?source=cases&n=0&lang=en");
    assert_eq!(code, 200, "{x}");
    let count = x["count"].as_u64().unwrap();
    assert!(count > 100, "{count} case exercises");
    assert_eq!(x["id"], json!("cases/0"));
    assert!(x.get("result").is_none() && x.get("case").is_none());
    assert_eq!(x["members"][0]["facts"][0]["label"], json!("age"));
    let (_, lv) = s.get("/api/exercise?source=cases&n=0");
    assert_eq!(lv["members"][0]["facts"][0]["label"], json!("vecums"));

    // Cases spread over the files: the rules' answer is the case file's expectation (values a
    // person checked by hand from the law), and what `explain` gives for that household.
    let mut met = std::collections::BTreeSet::new();
    for n in (0..count).step_by(23) {
        let a = answer(
            &s,
            json!({ "source": "cases", "n": n }),
            json!({ "status": "none", "gmi_benefit": "0", "housing_benefit": "0" }),
        );
        let file = a["case"]["file"].as_str().unwrap();
        let line = a["case"]["line"].as_u64().unwrap() as usize;
        let case = case_at(file, line);
        if let Some(expect) = case.get("expect").and_then(|e| e.as_table()) {
            if let Some(status) = expect.get("status") {
                assert_eq!(
                    a["result"]["status"],
                    json!(status.as_str().unwrap()),
                    "{file}:{line}"
                );
            }
            for id in [
                "gmi_benefit",
                "housing_benefit",
                "health_benefit",
                "meals_benefit",
            ] {
                if let Some(v) = expect.get(id) {
                    assert_eq!(
                        benefit(&a["result"], id),
                        &json!(eur_text(v)),
                        "{file}:{line} {id}"
                    );
                }
            }
        }
        let toml_text = a["household_toml"].as_str().unwrap();
        let period = a["period"].as_str().unwrap();
        assert_same_as_cli(
            &a,
            &["--period", period, "--household", toml_text, "--lang", "en"],
        );
        // Each check says right exactly when the prediction equals the rules' value.
        for c in a["checks"].as_array().unwrap() {
            assert_eq!(c["right"], json!(c["predicted"] == c["answer"]), "{c}");
        }
        assert!(
            a["explanation"]["text"]
                .as_str()
                .unwrap()
                .contains("Household")
        );
        for id in a["branches"]["met"].as_array().unwrap() {
            assert!(ids.contains(&id.as_str().unwrap()), "{id} is not a branch");
            met.insert(id.as_str().unwrap().to_string());
        }
    }
    assert!(met.len() > branches.len() / 2, "{} met", met.len());

    // The GMI case of Kuldīga 2021 (two adults, two children, no income: 337 EUR) predicted
    // right in every field, with a decimal comma.
    let n = (0..count)
        .find(|&n| {
            let (_, x) = s.get(&format!("/api/exercise?source=cases&n={n}"));
            x["municipality"]["slug"] == json!("kuldigas-novads") && x["period"] == json!("2021-08")
        })
        .expect("the Kuldīga case");
    let a = answer(
        &s,
        json!({ "source": "cases", "n": n }),
        json!({ "status": "needy", "gmi_benefit": "337,00", "housing_benefit": 0 }),
    );
    assert_eq!(a["right"], json!(3), "{}", a["checks"]);
    assert_eq!(a["of"], json!(3));

    // A generated household of Tukums in March 2026: the same as explain --id gives.
    let (code, g) =
        s.get("/api/exercise?source=generated&municipality=tukuma-novads&period=2026-03&n=17");
    assert_eq!(code, 200, "{g}");
    assert_eq!(g["id"], json!("generated/tukuma-novads/2026-03/17"));
    assert!(g["count"].as_u64().unwrap() > 10_000);
    let a = answer(
        &s,
        json!({ "source": "generated", "n": 17, "municipality": "tukuma-novads", "period": "2026-03" }),
        json!({ "status": "needy", "gmi_benefit": "1.00" }),
    );
    assert_eq!(a["of"], json!(2));
    let id = a["household_id"].as_str().unwrap().to_string();
    assert!(a["command"].as_str().unwrap().contains(&id));
    assert_same_as_cli(
        &a,
        &[
            "--municipality",
            "tukuma-novads",
            "--id",
            &id,
            "--period",
            "2026-03",
            "--lang",
            "en",
        ],
    );
}

#[test]
fn bad_exercises_and_predictions_get_json_errors() {
    let s = Server::start();
    let error = |(code, v): (u16, Value), want: u16, needle: &str| {
        assert_eq!(code, want, "{v}");
        let m = v["error"].as_str().unwrap();
        assert!(m.contains(needle), "{m:?} lacks {needle:?}");
    };
    error(
        s.get("/api/exercise?source=cases&n=100000"),
        404,
        "no exercise cases/100000",
    );
    error(s.get("/api/exercise?source=cases&n=-1"), 422, "n: '-1'");
    error(
        s.get("/api/exercise?source=cases&n=two"),
        422,
        "whole number",
    );
    error(
        s.get("/api/exercise?source=lottery"),
        422,
        "not cases or generated",
    );
    error(
        s.get("/api/exercise?source=generated&municipality=ogres-novad"),
        404,
        "ogres-novads",
    );
    error(
        s.get("/api/exercise?source=generated&municipality=tukuma-novads&n=99999999"),
        404,
        "no exercise generated/tukuma-novads/2026-03/99999999",
    );
    error(
        s.get("/api/exercise?source=generated&period=1999-01"),
        422,
        "1999",
    );
    error(s.get("/api/exercise?source=cases&lang=de"), 422, "lang");
    let post = |exercise: Value, prediction: Value| {
        s.post(
            "/api/answer",
            &json!({ "exercise": exercise, "prediction": prediction }),
        )
    };
    let case0 = json!({ "source": "cases", "n": 0 });
    error(
        post(case0.clone(), json!({ "status": "rich" })),
        422,
        "'rich' is not one of needy, low_income, none",
    );
    error(
        post(case0.clone(), json!({ "gmi_benefit": "1" })),
        422,
        "prediction.status is missing",
    );
    error(
        post(
            case0.clone(),
            json!({ "status": "none", "gmi_benefit": "abc" }),
        ),
        422,
        "prediction.gmi_benefit",
    );
    error(
        post(
            case0.clone(),
            json!({ "status": "none", "gmi_benefit": "1.234" }),
        ),
        422,
        "EUR and cents",
    );
    error(
        post(
            case0.clone(),
            json!({ "status": "none", "housing_benefit": "-5" }),
        ),
        422,
        "housing_benefit",
    );
    error(
        post(case0.clone(), json!({ "status": "none", "lottery": "5" })),
        422,
        "prediction.lottery",
    );
    error(
        post(
            json!({ "source": "cases", "n": 5000 }),
            json!({ "status": "none" }),
        ),
        404,
        "no exercise cases/5000",
    );
    error(
        post(json!({ "source": "cases" }), json!({ "status": "none" })),
        422,
        "missing field `n`",
    );
    error(
        post(
            json!({ "source": "generated", "n": 0, "municipality": "atlantis" }),
            json!({ "status": "none" }),
        ),
        404,
        "atlantis",
    );
    // Not JSON at all.
    let r = ureq::post(&format!("{}/api/answer", s.base))
        .set("Content-Type", "application/json")
        .send_string("{ exercise: ");
    error(common::browser::answer(r), 400, "not valid JSON");
    // The server goes on serving.
    let (code, x) = s.get("/api/exercise?source=cases&n=1");
    assert_eq!(code, 200, "{x}");
}

/// Types a prediction for case `n` on the page and submits it; the API's answer to the same.
fn predict(d: &Driver, s: &Server, n: u64, status: &str, gmi: &str, housing: &str) -> Value {
    d.js(&format!("document.querySelector('#p-status').value = '{status}'; document.querySelector('#p-gmi_benefit').value = '{gmi}'; document.querySelector('#p-housing_benefit').value = '{housing}'; document.querySelector('#submit').click();"));
    d.wait(
        "return document.querySelectorAll('#checks tbody tr').length === 3",
        "the checks",
    );
    answer(
        s,
        json!({ "source": "cases", "n": n }),
        json!({ "status": status, "gmi_benefit": gmi, "housing_benefit": housing }),
    )
}

#[test]
fn training_page_in_a_browser() {
    let Some((chromium, driver)) = browser() else {
        return;
    };
    let s = Server::start();
    // Every page's menu leads to the training page, in both languages.
    for page in ["/", "/household", "/training"] {
        let html = ureq::get(&format!("{}{page}", s.base))
            .call()
            .unwrap()
            .into_string()
            .unwrap();
        assert!(html.contains("data-nav=\"/training\""), "{page}");
    }
    let d = Driver::start(&chromium, &driver);
    let text = |sel: &str| {
        d.js(&format!(
            "const e = document.querySelector('{sel}'); return e && e.textContent"
        ))
    };

    // English: a case exercise appears; nothing answered yet.
    d.go(&format!("{}/training?lang=en", s.base));
    d.js("localStorage.clear();");
    d.go(&format!("{}/training?lang=en", s.base));
    d.wait("return document.querySelectorAll('#members li').length > 0 && document.querySelector('#coverage').textContent.includes('/')", "the exercise");
    assert_eq!(text("h1"), json!("Training"));
    let (_, all) = s.get("/api/branches");
    let total = all["total"].as_u64().unwrap();
    assert_eq!(text("#coverage"), json!(format!("0 / {total}")));
    assert_eq!(text("#score"), json!("—"));
    let unmet = d.js("return document.querySelectorAll('#unmet li').length");
    assert_eq!(unmet, json!(total));

    // Predict and submit, as a trainee types it.
    let a = predict(&d, &s, 0, "needy", "100", "0");
    let right = a["right"].as_u64().unwrap();
    assert_eq!(text("#score"), json!(format!("{right} / 3")));
    let verdicts = d.js("return Array.from(document.querySelectorAll('#checks tbody tr')).map(r => r.dataset.field + ':' + r.querySelector('.verdict').textContent)");
    let want: Vec<String> = a["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{}:{}",
                c["field"].as_str().unwrap(),
                if c["right"] == json!(true) {
                    "✓ right"
                } else {
                    "✗ wrong"
                }
            )
        })
        .collect();
    assert_eq!(verdicts, json!(want));
    let met = a["branches"]["met"].as_array().unwrap().len() as u64;
    assert!(met > 0);
    assert_eq!(text("#coverage"), json!(format!("{met} / {total}")));
    assert_eq!(
        d.js("return document.querySelectorAll('#unmet li').length"),
        json!(total - met)
    );
    assert!(text("#explanation").as_str().unwrap().contains("Household"));
    assert!(
        text("#case-name")
            .as_str()
            .unwrap()
            .contains("policies/tests/")
    );

    // A second exercise, in Latvian: the next case; the score and the coverage add up.
    d.go(&format!("{}/training", s.base));
    d.wait("return document.querySelector('.note') && document.querySelector('#exercise .note') && document.querySelector('#exercise .note').textContent === 'cases/1'", "the next case");
    assert_eq!(text("h1"), json!("Apmācība"));
    let b = predict(&d, &s, 1, "none", "0", "0,00");
    let both = right + b["right"].as_u64().unwrap();
    assert_eq!(text("#score"), json!(format!("{both} / 6")));
    let mut union: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
    for x in [&a, &b] {
        union.extend(
            x["branches"]["met"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap()),
        );
    }
    assert_eq!(
        text("#coverage"),
        json!(format!("{} / {total}", union.len()))
    );
    assert!(
        text("#score-detail")
            .as_str()
            .unwrap()
            .starts_with("uzdevumi: 2;")
    );

    // A bad prediction is a message on the page, and the page goes on.
    d.js("document.querySelector('#next').click();");
    d.wait(
        "return document.querySelector('#exercise .note').textContent === 'cases/2'",
        "the third case",
    );
    d.js("document.querySelector('#p-gmi_benefit').value = '12.345'; document.querySelector('#p-housing_benefit').value = '0'; document.querySelector('#submit').click();");
    let message = d.wait(
        "const s = document.querySelector('#status.error'); return s && s.textContent",
        "the error message",
    );
    assert!(
        message.as_str().unwrap().contains("gmi_benefit"),
        "{message}"
    );
    assert_eq!(text("#score"), json!(format!("{both} / 6")));

    // The screenshot: the first answer again, in Latvian.
    d.js("document.querySelector('#p-gmi_benefit').value = '0'; document.querySelector('#submit').click();");
    d.wait(
        "return document.querySelectorAll('#checks tbody tr').length === 3",
        "the third checks",
    );
    d.js("document.querySelector('#unmet-box').open = true;");
    d.screenshot("training.png");

    // A link gives an exercise again: a generated household of Ogre, June 2025, number 3.
    d.go(&format!(
        "{}/training?lang=en&source=generated&municipality=ogres-novads&period=2025-06&n=3",
        s.base
    ));
    let id = d.wait(
        "const a = document.querySelector('#exercise .note a'); return a && a.textContent",
        "the linked exercise",
    );
    assert_eq!(id, json!("generated/ogres-novads/2025-06/3"));
    let (_, x) = s
        .get("/api/exercise?source=generated&municipality=ogres-novads&period=2025-06&n=3&lang=en");
    assert_eq!(
        d.js("return document.querySelectorAll('#members li').length"),
        json!(x["members"].as_array().unwrap().len())
    );
    assert!(
        text("#exercise-title")
            .as_str()
            .unwrap()
            .contains("Ogres novads, June 2025")
    );
}
