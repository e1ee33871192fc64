//! What the tests of `slieksnis serve` share: the server started on an ephemeral port
//! (`--port 0`, its address read from the first line of stdout) and asked over HTTP, and headless
//! Chromium driven over chromedriver's W3C WebDriver API (skipped, saying so, where Chromium is
//! not installed, unless SLIEKSNIS_BROWSER=required, as in CI).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub struct Server {
    child: Child,
    pub base: String,
}

impl Server {
    pub fn start() -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_slieksnis"))
            .args(["serve", "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start slieksnis serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("the address line");
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .trim_end_matches('/')
            .to_string();
        Server { child, base }
    }

    pub fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        answer(ureq::post(&format!("{}{path}", self.base)).send_json(body.clone()))
    }

    pub fn get(&self, path: &str) -> (u16, Value) {
        answer(ureq::get(&format!("{}{path}", self.base)).call())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn answer(r: Result<ureq::Response, ureq::Error>) -> (u16, Value) {
    match r {
        Ok(r) => (r.status(), r.into_json().expect("JSON")),
        Err(ureq::Error::Status(code, r)) => (code, r.into_json().expect("a JSON error body")),
        Err(e) => panic!("transport error: {e}"),
    }
}

pub fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("slieksnis-serve-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// Chromium and chromedriver, or why not.
pub fn browser() -> Option<(PathBuf, PathBuf)> {
    let chromium = Path::new("/usr/bin/chromium");
    let driver = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .iter()
        .map(Path::new)
        .find(|p| p.exists());
    let required = std::env::var("SLIEKSNIS_BROWSER").as_deref() == Ok("required");
    match (chromium.exists(), driver) {
        (true, Some(d)) => Some((chromium.to_path_buf(), d.to_path_buf())),
        _ => {
            let why = "SKIPPED: browser test: /usr/bin/chromium or chromedriver is missing (apt-get install -y chromium chromium-driver)";
            assert!(!required, "{why}, and SLIEKSNIS_BROWSER=required");
            eprintln!("{why}");
            println!("{why}");
            None
        }
    }
}

pub struct Driver {
    child: Child,
    base: String,
    session: String,
    _profile: PathBuf,
}

impl Driver {
    pub fn start(chromium: &Path, driver: &Path) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let base = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        while ureq::get(&format!("{base}/status")).call().is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        // A profile of its own: two browsers on one profile directory close each other.
        static STARTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = STARTED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let profile = temp_dir(&format!("chromium-profile-{n}"));
        let args = json!([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1280,1000",
            format!("--user-data-dir={}", profile.display()),
        ]);
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium.display().to_string(), "args": args}}}});
        let mut d = Driver {
            child,
            base,
            session: String::new(),
            _profile: profile,
        };
        let r = d.call("POST", "/session", Some(caps));
        d.session = r["sessionId"].as_str().expect("a session").to_string();
        d
    }

    pub fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = if path == "/session" {
            format!("{}{path}", self.base)
        } else {
            format!("{}/session/{}{path}", self.base, self.session)
        };
        let r = match body {
            Some(b) => ureq::request(method, &url).send_json(b),
            None => ureq::request(method, &url).call(),
        };
        match r {
            Ok(r) => r.into_json::<Value>().unwrap()["value"].clone(),
            Err(ureq::Error::Status(c, r)) => panic!(
                "WebDriver {path}: {c} {}",
                r.into_string().unwrap_or_default()
            ),
            Err(e) => panic!("WebDriver {path}: {e}"),
        }
    }

    pub fn go(&self, url: &str) {
        self.call("POST", "/url", Some(json!({"url": url})));
    }

    pub fn js(&self, script: &str) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
    }

    /// Polls `script` until it returns something other than null or false.
    pub fn wait(&self, script: &str, what: &str) -> Value {
        let started = Instant::now();
        loop {
            let v = self.js(script);
            if !v.is_null() && v != json!(false) && v != json!("") {
                return v;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "timed out waiting for {what}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn screenshot(&self, name: &str) {
        let b64 = self.call("GET", "/screenshot", None);
        let png = base64(b64.as_str().unwrap());
        assert_eq!(&png[1..4], b"PNG");
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), png).unwrap();
    }
}

/// What the download, offline and print tests add: Chrome DevTools Protocol commands through
/// chromedriver (`POST /session/{id}/goog/cdp/execute`) and WebDriver's print.
impl Driver {
    /// A Chrome DevTools Protocol command on the current page, its result.
    pub fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.call(
            "POST",
            "/goog/cdp/execute",
            Some(json!({"cmd": cmd, "params": params})),
        )
    }

    /// The files the pages download go to `dir` (made empty), without asking.
    pub fn download_to(&self, dir: &Path) {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).unwrap();
        self.cdp(
            "Browser.setDownloadBehavior",
            json!({"behavior": "allow", "downloadPath": dir.display().to_string()}),
        );
    }

    /// The network off for this page: every http(s) request fails as with no connection.
    pub fn offline(&self) {
        self.cdp("Network.enable", json!({}));
        self.cdp(
            "Network.emulateNetworkConditions",
            json!({"offline": true, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}),
        );
    }

    /// The page printed to PDF as a person would print it (A4, backgrounds), its bytes.
    pub fn print_pdf(&self) -> Vec<u8> {
        let b64 = self.call(
            "POST",
            "/print",
            Some(json!({"page": {"width": 21.0, "height": 29.7}, "background": true})),
        );
        let pdf = base64(b64.as_str().expect("a base64 PDF"));
        assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
        pdf
    }
}

/// Waits (at most 60 s) for the one finished download in `dir` whose name ends with `ext`
/// (Chromium writes `NAME.crdownload` until it is whole); its path.
pub fn downloaded(dir: &Path, ext: &str) -> PathBuf {
    let started = Instant::now();
    loop {
        let names: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        let partial = names
            .iter()
            .any(|p| p.extension().is_some_and(|x| x == "crdownload"));
        if let Some(p) = names
            .iter()
            .find(|p| p.extension().is_some_and(|x| x == ext))
            && !partial
        {
            return p.clone();
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no .{ext} downloaded into {}: {names:?}",
            dir.display()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The pages of a PDF: its page objects (`/Type /Page`, not `/Pages`).
pub fn pdf_pages(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    text.match_indices("/Type")
        .filter(|(at, _)| {
            let rest = text[at + 5..].trim_start();
            rest.starts_with("/Page") && !rest.starts_with("/Pages")
        })
        .count()
}

impl Drop for Driver {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = ureq::delete(&format!("{}/session/{}", self.base, self.session)).call();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Standard base64 (the screenshot endpoint's PNG).
pub fn base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let digits: Vec<u8> = text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
        .map(value)
        .collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &d)| n | u32::from(d) << (18 - 6 * i));
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    out
}
