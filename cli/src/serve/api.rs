//! The HTTP side: routes, JSON in and out, errors as `{"error": message}` with a status, the
//! body limit, the panic guard and the concurrency limit. What a request computes is
//! `super::work`'s.
//!
//! Heavy work runs on tokio's blocking threads, at most `runs` at once (a semaphore: each run
//! already uses every core through rayon); up to [`MAX_QUEUE`] requests wait for a permit and
//! the next get 503 at once, so a burst of a thousand requests holds at most that many small
//! bodies in memory. A panic anywhere is a 500 and the server goes on.

use std::any::Any;
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::de::DeserializeOwned;
use serde_json::json;
use slieksnis_engine::Policy;
use slieksnis_engine::run::Horizon;
use tokio::sync::Semaphore;
use tower_http::catch_panic::CatchPanicLayer;

use super::training;
use super::work::{self, ApiError};

/// The largest request body: a household or a run request is a few hundred bytes.
pub const BODY_LIMIT: usize = 1 << 20;

/// Requests waiting for or holding a permit, past which a request gets 503.
pub const MAX_QUEUE: usize = 256;

const WHATIF: &str = include_str!("pages/whatif.html");
const HOUSEHOLD: &str = include_str!("pages/household.html");
const TRAINING: &str = include_str!("pages/training.html");
const TRAINING_JS: &str = include_str!("pages/training.js");
const CSS: &str = include_str!("pages/app.css");
const JS: &str = include_str!("pages/app.js");
const API_DOC: &str = include_str!("../../../docs/api.md");

struct App {
    work: work::State,
    permits: Arc<Semaphore>,
    queued: AtomicUsize,
}

type Shared = Arc<App>;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, axum::Json(json!({ "error": self.message }))).into_response()
    }
}

/// The router with every route and layer.
pub fn router(policy: Policy, runs: usize) -> Router {
    let app = Arc::new(App {
        work: work::State::new(policy),
        permits: Arc::new(Semaphore::new(runs.max(1))),
        queued: AtomicUsize::new(0),
    });
    Router::new()
        .route("/", get(whatif_page))
        .route("/household", get(household_page))
        .route(
            "/assets/app.css",
            get(|| async { asset(CSS, "text/css; charset=utf-8") }),
        )
        .route(
            "/assets/app.js",
            get(|| async { asset(JS, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/api",
            get(|| async { asset(API_DOC, "text/markdown; charset=utf-8") }),
        )
        .route(
            "/api/councils",
            get(|| async { axum::Json(work::councils()) }),
        )
        .route("/api/run", post(run))
        .route("/api/parameters", get(parameters))
        .route("/api/household", post(household))
        .route("/api/xlsx", get(xlsx))
        .route("/api/report", get(report))
        .route("/training", get(training_page))
        .route(
            "/assets/training.js",
            get(|| async { asset(TRAINING_JS, "text/javascript; charset=utf-8") }),
        )
        .route("/api/exercise", get(exercise))
        .route("/api/answer", post(answer))
        .route("/api/branches", get(branches))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(CatchPanicLayer::custom(panicked))
        .with_state(app)
}

fn asset(text: &'static str, kind: &'static str) -> Response {
    ([(header::CONTENT_TYPE, kind)], text).into_response()
}

/// `?lang=en` or Latvian, for a page.
fn page(template: &str, q: &HashMap<String, String>) -> Response {
    let lang = if q.get("lang").map(String::as_str) == Some("en") {
        "en"
    } else {
        "lv"
    };
    axum::response::Html(template.replace("{{lang}}", lang)).into_response()
}

async fn whatif_page(Query(q): Query<HashMap<String, String>>) -> Response {
    page(WHATIF, &q)
}

async fn household_page(Query(q): Query<HashMap<String, String>>) -> Response {
    page(HOUSEHOLD, &q)
}

async fn training_page(Query(q): Query<HashMap<String, String>>) -> Response {
    page(TRAINING, &q)
}

/// `GET /api/exercise?source=cases|generated&n=N&municipality=SLUG&period=YYYY-MM&lang=en`.
async fn exercise(State(app): State<Shared>, Query(q): Query<HashMap<String, String>>) -> Response {
    let (r, lang) = match training::ExerciseRef::from_query(&q)
        .and_then(|r| Ok((r, work::lang_of(q.get("lang").map(String::as_str))?)))
    {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    json_response(blocking(&app, move |w| training::exercise_request(w, &r, lang)).await)
}

async fn answer(State(app): State<Shared>, b: Result<Bytes, BytesRejection>) -> Response {
    let r: training::AnswerRequest = match body(b) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    json_response(blocking(&app, move |w| training::answer_request(w, &r)).await)
}

async fn branches(State(app): State<Shared>, Query(q): Query<HashMap<String, String>>) -> Response {
    match work::lang_of(q.get("lang").map(String::as_str)) {
        Ok(lang) => axum::Json(training::branches_request(&app.work, lang)).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn not_found(uri: axum::http::Uri) -> Response {
    ApiError::new(
        404,
        format!("{}: no such page or endpoint (see /api)", uri.path()),
    )
    .into_response()
}

fn panicked(p: Box<dyn Any + Send + 'static>) -> Response {
    ApiError::new(500, format!("internal error: {}", panic_text(&*p))).into_response()
}

fn panic_text(p: &(dyn Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into())
}

/// A JSON body: 413 past the limit, 400 for what is not JSON, 422 for JSON of the wrong shape.
fn body<T: DeserializeOwned>(b: Result<Bytes, BytesRejection>) -> Result<T, ApiError> {
    let bytes = b.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                413,
                format!("the request body is larger than {} KiB", BODY_LIMIT >> 10),
            )
        } else {
            ApiError::new(400, format!("cannot read the request body: {r}"))
        }
    })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        let status = match e.classify() {
            serde_json::error::Category::Data => 422,
            _ => 400,
        };
        ApiError::new(
            status,
            format!("the request is not valid JSON for this endpoint: {e}"),
        )
    })
}

/// Runs `f` on a blocking thread once a permit is free; 503 when too many wait.
async fn blocking<T: Send + 'static>(
    app: &Shared,
    f: impl FnOnce(&work::State) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    struct Queued<'a>(&'a AtomicUsize);
    impl Drop for Queued<'_> {
        fn drop(&mut self) {
            self.0.fetch_sub(1, Ordering::SeqCst);
        }
    }
    let before = app.queued.fetch_add(1, Ordering::SeqCst);
    let _queued = Queued(&app.queued);
    if before >= MAX_QUEUE {
        return Err(ApiError::new(
            503,
            format!("busy: {MAX_QUEUE} requests are waiting; try again in a moment"),
        ));
    }
    let permit = app
        .permits
        .clone()
        .acquire_owned()
        .await
        .map_err(|_| ApiError::new(503, "the server is stopping"))?;
    let app = app.clone();
    let joined = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        catch_unwind(AssertUnwindSafe(|| f(&app.work)))
    })
    .await;
    match joined {
        Ok(Ok(result)) => result,
        Ok(Err(p)) => Err(ApiError::new(
            500,
            format!("internal error: {}", panic_text(&*p)),
        )),
        Err(e) => Err(ApiError::new(500, format!("internal error: {e}"))),
    }
}

fn json_response(v: Result<serde_json::Value, ApiError>) -> Response {
    match v {
        Ok(v) => axum::Json(v).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn run(State(app): State<Shared>, b: Result<Bytes, BytesRejection>) -> Response {
    let r: work::RunRequest = match body(b) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    json_response(blocking(&app, move |w| work::run_request(w, &r)).await)
}

async fn household(State(app): State<Shared>, b: Result<Bytes, BytesRejection>) -> Response {
    let r: work::HouseholdRequest = match body(b) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    json_response(blocking(&app, move |w| work::household_request(w, &r)).await)
}

async fn parameters(
    State(app): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(m) = q.get("municipality").cloned() else {
        return ApiError::unprocessable("give municipality=SLUG (and year=YYYY or period=YYYY-MM)")
            .into_response();
    };
    let year = match q.get("year").map(|y| y.parse::<i32>()) {
        None => None,
        Some(Ok(y)) => Some(y),
        Some(Err(_)) => {
            return ApiError::unprocessable("year: write YYYY, e.g. 2026").into_response();
        }
    };
    let horizon: Horizon = match work::horizon(year, q.get("period").map(String::as_str)) {
        Ok(h) => h,
        Err(e) => return e.into_response(),
    };
    json_response(blocking(&app, move |w| work::parameters_request(w, &m, horizon)).await)
}

/// A download's request: `q`, the JSON of a `/api/run` request (what the What-if page sends),
/// and `lang`; the file's name from its council and horizon.
fn download_request(
    q: &HashMap<String, String>,
    ext: &str,
) -> Result<(work::RunRequest, bool, String), ApiError> {
    let text = q
        .get("q")
        .ok_or_else(|| ApiError::unprocessable("give q= the JSON of a /api/run request"))?;
    let r: work::RunRequest = body(Ok(Bytes::from(text.clone())))?;
    let lv = q.get("lang").map(String::as_str) != Some("en");
    // A council's slug and a year or month, both checked by the computation before the file
    // is sent: nothing to quote.
    let name = format!(
        "slieksnis-{}-{}.{ext}",
        r.municipality,
        r.year
            .map_or_else(|| r.period.clone().unwrap_or_default(), |y| y.to_string())
    );
    Ok((r, lv, name))
}

/// A file to save: its type and `Content-Disposition: attachment`.
fn attachment(bytes: Vec<u8>, kind: &'static str, name: &str) -> Response {
    let mut resp = Response::new(Body::from(bytes));
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

/// `GET /api/xlsx?q=RUN-REQUEST-JSON&lang=en`: the workbook of what the What-if page shows.
async fn xlsx(State(app): State<Shared>, Query(q): Query<HashMap<String, String>>) -> Response {
    let (r, lv, name) = match download_request(&q, "xlsx") {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    match blocking(&app, move |w| work::xlsx_request(w, &r, lv)).await {
        Ok(bytes) => attachment(
            bytes,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            &name,
        ),
        Err(e) => e.into_response(),
    }
}

/// `GET /api/report?q=RUN-REQUEST-JSON&lang=en`: the council report of what the What-if page
/// shows, one self-contained HTML file.
async fn report(State(app): State<Shared>, Query(q): Query<HashMap<String, String>>) -> Response {
    let (r, lv, name) = match download_request(&q, "html") {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    match blocking(&app, move |w| work::report_request(w, &r, lv)).await {
        Ok(html) => attachment(html.into_bytes(), "text/html; charset=utf-8", &name),
        Err(e) => e.into_response(),
    }
}
