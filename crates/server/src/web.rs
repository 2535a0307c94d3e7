//! Web pages embedded in the binary.
//!
//! `crates/server/web/` is embedded whole (`include_dir`). Pages have their
//! own addresses (`/`, `/agent`, `/admin`, `/supervisor`, `/supervisor/reports`, `/supervisor/planner`, `/book`, the meeting links, the demo shop);
//! every other file (ES modules, style sheets, the icon) is served at its
//! path by one route, with its Content-Type from its extension. The chat
//! widget is the exception: host pages load `/widget.js`, one classic
//! script that [`assemble`] builds at start from the ES module
//! `web/widget/main.js` and the modules it imports (`web/lib`, `web/i18n`),
//! so the widget shares every helper with the pages. See
//! `docs/architecture.md`, "Web assets".

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, Uri};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use include_dir::{include_dir, Dir, DirEntry};

use crate::state::AppState;

static WEB: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/web");

/// The files served at their paths (relative to `web/`, as in the address),
/// with their Content-Type. Pages (`.html`) are not among them: they are
/// served at their own addresses, with the page's headers.
static ASSETS: LazyLock<HashMap<&'static str, (&'static str, &'static [u8])>> =
    LazyLock::new(|| {
        let mut out = HashMap::new();
        collect(&WEB, &mut out);
        out
    });

/// The widget script, assembled once (at start: see [`router`]).
static WIDGET: LazyLock<String> = LazyLock::new(|| {
    assemble("widget/main.js").unwrap_or_else(|e| panic!("assembling /widget.js: {e}"))
});

pub fn router() -> Router<AppState> {
    // A widget that cannot be assembled stops the start, not a visitor.
    LazyLock::force(&WIDGET);
    LazyLock::force(&ASSETS);
    Router::new()
        .route("/", get(|| async { Html(text("index.html")) }))
        .route("/agent", get(|| async { Html(text("agent.html")) }))
        .route("/admin", get(|| async { Html(text("admin.html")) }))
        .route(
            "/supervisor",
            get(|| async { Html(text("supervisor.html")) }),
        )
        .route(
            "/supervisor/reports",
            get(|| async { Html(text("reports.html")) }),
        )
        .route(
            "/supervisor/planner",
            get(|| async { Html(text("planner.html")) }),
        )
        .route("/book", get(|| async { Html(text("book.html")) }))
        .route(
            "/meetings/{id}/cancel",
            get(|| async {
                // The token is in the address: keep it out of Referer headers.
                (
                    [(header::REFERRER_POLICY, "no-referrer")],
                    Html(text("cancel.html")),
                )
            }),
        )
        .route(
            // The link that confirms a booking from the booking page (sent
            // by email only); the same page as the cancel link.
            "/meetings/{id}/confirm",
            get(|| async {
                (
                    [(header::REFERRER_POLICY, "no-referrer")],
                    Html(text("cancel.html")),
                )
            }),
        )
        .route("/demo/shop", get(demo_shop))
        .merge(files())
}

/// The files: the widget, the icon, and every other file of web/ by its
/// path. Anything else goes to the 404 fallback; a known file asked with
/// another method than GET or HEAD is a 405.
fn files<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/widget.js", get(widget_js))
        // Browsers ask for /favicon.ico whatever the page says.
        .route("/favicon.ico", get(|| async { asset("favicon.svg") }))
        .route("/{*path}", get(file).fallback(file_other_method))
}

async fn file(uri: Uri, headers: HeaderMap) -> Response {
    match uri.path().strip_prefix('/') {
        Some(path) if ASSETS.contains_key(path) => asset(path),
        _ => not_found(headers, uri).await,
    }
}

async fn file_other_method(uri: Uri, headers: HeaderMap) -> Response {
    match uri.path().strip_prefix('/') {
        Some(path) if ASSETS.contains_key(path) => (
            [(header::ALLOW, "GET,HEAD")],
            crate::error::ApiError::MethodNotAllowed,
        )
            .into_response(),
        _ => not_found(headers, uri).await,
    }
}

/// A file of `web/` as text (pages and templates).
fn text(path: &str) -> &'static str {
    WEB.get_file(path)
        .and_then(|f| f.contents_utf8())
        .unwrap_or_else(|| panic!("web/{path} is embedded"))
}

/// The Content-Type of a file served at its path, by extension; None for
/// files that are not served that way.
fn content_type(path: &str) -> Option<&'static str> {
    match path.rsplit_once('.')?.1 {
        // ES modules are only run when served as JavaScript.
        "js" => Some("text/javascript; charset=utf-8"),
        "css" => Some("text/css; charset=utf-8"),
        "svg" => Some("image/svg+xml"),
        "json" => Some("application/json"),
        _ => None,
    }
}

fn collect(
    dir: &'static Dir<'static>,
    out: &mut HashMap<&'static str, (&'static str, &'static [u8])>,
) {
    for entry in dir.entries() {
        match entry {
            DirEntry::Dir(d) => collect(d, out),
            DirEntry::File(f) => {
                let path = f.path().to_str().expect("web/ file names are UTF-8");
                if let Some(ct) = content_type(path) {
                    out.insert(path, (ct, f.contents()));
                }
            }
        }
    }
}

/// One of the pages' own files (same-origin only); the icon may be kept
/// for a day.
fn asset(path: &str) -> Response {
    let (content_type, body) = ASSETS[path];
    let cache = if path == "favicon.svg" {
        "public, max-age=86400"
    } else {
        "no-cache"
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, cache),
        ],
        body,
    )
        .into_response()
}

/// Unknown addresses: a page for a person's browser (it asked for HTML and
/// the address is not under the API), problem+json for everything else.
pub async fn not_found(headers: HeaderMap, uri: Uri) -> axum::response::Response {
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if !wants_html || uri.path().starts_with("/api/") {
        return crate::error::ApiError::NotFound("page").into_response();
    }
    let lang = switchboard_core::language::language(
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
        "en",
    );
    let (title, body, home) = match lang {
        "fr" => (
            "Page introuvable",
            "Aucune page ne se trouve à cette adresse.",
            "Retour à l’accueil",
        ),
        "es" => (
            "Página no encontrada",
            "No hay ninguna página en esta dirección.",
            "Volver al inicio",
        ),
        _ => (
            "Page not found",
            "There is no page at this address.",
            "Back to the home page",
        ),
    };
    let page = text("not-found.html")
        .replace("{lang}", lang)
        .replace("{title}", title)
        .replace("{body}", body)
        .replace("{home}", home);
    (
        axum::http::StatusCode::NOT_FOUND,
        [(header::CACHE_CONTROL, "no-cache")],
        Html(page),
    )
        .into_response()
}

/// The chat widget. Any site may load the script; its endpoints check the
/// page's origin against the widget's allow-list.
async fn widget_js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        WIDGET.as_str(),
    )
}

/// One `import` line of a module: the local name of the default import,
/// or the names imported by name, and the module's path in `web/`.
#[derive(Debug)]
struct Import {
    default: Option<String>,
    names: Vec<String>,
    path: String,
}

/// The import lines of a module (`import x from './a.js';`,
/// `import { a, b } from '../lib/b.js';`, one per line, at the start of
/// the line), with their paths resolved against the module's own.
fn imports(path: &str, source: &str) -> Result<Vec<Import>, String> {
    let mut out = Vec::new();
    for line in source.lines().filter(|l| l.starts_with("import ")) {
        let bad = || format!("web/{path}: unsupported import line {line:?}");
        let rest = line["import ".len()..].trim_end();
        let (what, spec) = rest.split_once(" from ").ok_or_else(bad)?;
        let spec = spec
            .strip_suffix(';')
            .unwrap_or(spec)
            .trim()
            .strip_prefix(['\'', '"'])
            .and_then(|s| s.strip_suffix(['\'', '"']))
            .ok_or_else(bad)?;
        let what = what.trim();
        let ident = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
        };
        let (default, names) =
            if let Some(list) = what.strip_prefix('{').and_then(|w| w.strip_suffix('}')) {
                let names: Vec<String> = list
                    .split(',')
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(str::to_owned)
                    .collect();
                if !names.iter().all(|n| ident(n)) {
                    return Err(bad());
                }
                (None, names)
            } else if ident(what) {
                (Some(what.to_owned()), Vec::new())
            } else {
                return Err(bad());
            };
        out.push(Import {
            default,
            names,
            path: resolve(path, spec).ok_or_else(bad)?,
        });
    }
    Ok(out)
}

/// `spec` ("./a.js", "../lib/b.js") seen from the module at `from`, as a
/// path in `web/`; None when it is not relative or leaves `web/`.
fn resolve(from: &str, spec: &str) -> Option<String> {
    if !spec.starts_with("./") && !spec.starts_with("../") {
        return None;
    }
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop(); // the module's own file name
    for part in spec.split('/') {
        match part {
            "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// The names a module declares at its top level (column 0), and whether
/// each is exported: `[export] [async] function f`, `[export] const|let x`.
fn declarations(source: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for line in source.lines() {
        let (exported, rest) = match line.strip_prefix("export ") {
            Some(rest) => (true, rest),
            None => (false, line),
        };
        let rest = rest.strip_prefix("async ").unwrap_or(rest);
        let Some(rest) = ["function ", "const ", "let ", "var "]
            .iter()
            .find_map(|k| rest.strip_prefix(k))
        else {
            continue;
        };
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '$')
            .collect();
        if !name.is_empty() {
            out.push((name, exported));
        }
    }
    out
}

/// Builds one classic script from the ES module `entry` (a path in
/// `web/`) and every module it imports, transitively: each module once,
/// after the modules it imports, its import lines dropped and its
/// `export` keywords removed (`export default X` becomes `const name = X`,
/// `name` being what its importer called it), all inside one function;
/// comment lines and the top-level declarations nothing uses are left out.
///
/// Modules that go into it keep to what this understands: one import per
/// line, default imports or plain named ones (no `as`), `export` only
/// before a top-level `function`, `const` or `let`, or `default`; no two
/// of them declaring the same top-level name (checked here); top-level
/// statements starting at column 0, one name each, their other lines
/// indented or closing (`}`, `)`, `]`), and no `//` comment lines inside
/// strings (as the formatter and the project's style have them).
fn assemble(entry: &str) -> Result<String, String> {
    struct Linker {
        order: Vec<String>,
        seen: HashSet<String>,
        default_names: HashMap<String, String>,
    }
    impl Linker {
        fn visit(&mut self, path: &str) -> Result<(), String> {
            if !self.seen.insert(path.to_owned()) {
                return Ok(());
            }
            let source = WEB
                .get_file(path)
                .and_then(|f| f.contents_utf8())
                .ok_or_else(|| format!("web/{path} is not an embedded text file"))?;
            let imports = imports(path, source)?;
            for i in &imports {
                if let Some(name) = &i.default {
                    let known = self
                        .default_names
                        .entry(i.path.clone())
                        .or_insert_with(|| name.clone());
                    if known != name {
                        return Err(format!(
                            "web/{} is imported as both {known} and {name}",
                            i.path
                        ));
                    }
                }
            }
            for i in &imports {
                self.visit(&i.path)?;
                let exported: HashSet<String> = declarations(
                    WEB.get_file(&i.path)
                        .and_then(|f| f.contents_utf8())
                        .unwrap_or_default(),
                )
                .into_iter()
                .filter_map(|(n, e)| e.then_some(n))
                .collect();
                if let Some(n) = i.names.iter().find(|n| !exported.contains(*n)) {
                    return Err(format!("web/{path}: web/{} exports no {n}", i.path));
                }
            }
            self.order.push(path.to_owned());
            Ok(())
        }
    }
    let mut linker = Linker {
        order: Vec::new(),
        seen: HashSet::new(),
        default_names: HashMap::new(),
    };
    linker.visit(entry)?;

    // Each module's top-level items, exports rewritten.
    let mut declared: HashMap<String, String> = HashMap::new();
    let mut modules: Vec<(&String, Vec<Item>)> = Vec::new();
    for path in &linker.order {
        let source = WEB
            .get_file(path)
            .and_then(|f| f.contents_utf8())
            .unwrap_or_default();
        let mut names: Vec<String> = declarations(source).into_iter().map(|(n, _)| n).collect();
        names.extend(linker.default_names.get(path).cloned());
        for name in names {
            if let Some(other) = declared.insert(name.clone(), path.clone()) {
                return Err(format!("web/{other} and web/{path} both declare {name}"));
            }
        }
        let mut lines = Vec::new();
        for line in source.lines() {
            if line.starts_with("import ") {
                continue;
            }
            if let Some(rest) = line.strip_prefix("export default ") {
                let name = linker
                    .default_names
                    .get(path)
                    .ok_or_else(|| format!("web/{path}: a default export nobody imports"))?;
                lines.push(format!("const {name} = {rest}"));
            } else if let Some(rest) = line.strip_prefix("export ") {
                if !["function ", "async function ", "const ", "let "]
                    .iter()
                    .any(|k| rest.starts_with(k))
                {
                    return Err(format!("web/{path}: unsupported export line {line:?}"));
                }
                lines.push(rest.to_owned());
            } else {
                lines.push(line.to_owned());
            }
        }
        modules.push((path, items(&lines)));
    }

    // Declarations nothing else mentions are left out (again and again:
    // leaving one out may leave another unused), so the widget carries only
    // the helpers it uses. Mentions are counted generously (in strings and
    // comments too): a doubt keeps a declaration.
    loop {
        let mut dropped = false;
        for m in 0..modules.len() {
            for i in 0..modules[m].1.len() {
                let item = &modules[m].1[i];
                let Some(name) = item.name.as_deref().filter(|_| item.kept) else {
                    continue;
                };
                let used = modules.iter().enumerate().any(|(n, (_, items))| {
                    items.iter().enumerate().any(|(j, other)| {
                        other.kept && (n, j) != (m, i) && mentions(&other.text, name)
                    })
                });
                if !used {
                    modules[m].1[i].kept = false;
                    dropped = true;
                }
            }
        }
        if !dropped {
            break;
        }
    }

    let mut out = format!(
        "/* Switchboard chat widget (docs/chat.md). Assembled by the server from \
         web/{entry} and the modules it imports; edit those. */\n(function () {{\n'use strict';\n"
    );
    for (path, items) in &modules {
        out.push_str(&format!("// ---- web/{path}\n"));
        for item in items.iter().filter(|i| i.kept) {
            out.push_str(&item.text);
        }
    }
    out.push_str("})();\n");
    Ok(out)
}

/// One top-level statement of a module (a declaration with the comments
/// before it, or anything else), comment lines left out.
struct Item {
    /// The name it declares (`function f`, `const x`, `let y`).
    name: Option<String>,
    text: String,
    kept: bool,
}

/// A module's top-level statements. A statement starts on a line at
/// column 0 (not a closing `}`, `)` or `]`) and runs until the next such
/// line; comment lines join the statement that follows them.
fn items(lines: &[String]) -> Vec<Item> {
    let mut out: Vec<Item> = Vec::new();
    let mut code_yet = false; // the current item has code (not only comments)
    for line in lines {
        let starts = !line.is_empty() && !line.starts_with([' ', '\t', '}', ')', ']']);
        if out.is_empty() || (starts && code_yet) {
            out.push(Item {
                name: None,
                text: String::new(),
                kept: true,
            });
            code_yet = false;
        }
        let item = out.last_mut().expect("an item");
        if line.trim_start().starts_with("//") {
            continue;
        }
        if !code_yet && !line.trim().is_empty() {
            item.name = declarations(line).pop().map(|(n, _)| n);
            code_yet = true;
        }
        item.text.push_str(line);
        item.text.push('\n');
    }
    out
}

/// Whether `text` mentions the identifier `name` other than as a property
/// (`x.name`); a spread (`...name`) is a mention.
fn mentions(text: &str, name: &str) -> bool {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$';
    text.match_indices(name).any(|(at, _)| {
        let before = &text[..at];
        let after = &text[at + name.len()..];
        !before.ends_with(ident)
            && !after.starts_with(ident)
            && (!before.ends_with('.') || before.ends_with("..."))
    })
}

#[derive(serde::Deserialize)]
struct DemoParams {
    widget: Option<String>,
}

/// A sample host page with the widget, for trying it out: `?widget=ID`
/// (default: the first widget).
async fn demo_shop(
    State(s): State<AppState>,
    Query(p): Query<DemoParams>,
) -> Result<impl IntoResponse, crate::error::ApiError> {
    let id = match p.widget {
        Some(w) => s.db.widget(&w).await?.id,
        None => {
            s.db.widgets()
                .await?
                .into_iter()
                .next()
                .ok_or(crate::error::ApiError::NotFound("widget"))?
                .id
        }
    };
    // Ids are UUIDs; nothing else reaches the page.
    Ok((
        [(
            header::CONTENT_SECURITY_POLICY,
            crate::security_headers::DEMO_HOST_POLICY,
        )],
        Html(text("widget-demo.html").replace("__WIDGET_ID__", &id)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn js_files() -> Vec<(&'static str, &'static str)> {
        let mut out: Vec<_> = ASSETS
            .iter()
            .filter(|(p, _)| p.ends_with(".js"))
            .map(|(p, (_, body))| (*p, std::str::from_utf8(body).unwrap()))
            .collect();
        out.sort();
        out
    }

    #[test]
    fn the_widget_is_one_classic_script_built_from_the_modules() {
        let w = assemble("widget/main.js").unwrap();
        assert!(w.starts_with("/* Switchboard chat widget"));
        assert!(w.ends_with("})();\n"));
        for line in w.lines() {
            assert!(
                !line.starts_with("import ") && !line.starts_with("export "),
                "{line}"
            );
        }
        // The shared helpers come from web/lib, once each.
        for part in [
            "web/lib/dom.js",
            "web/lib/i18n.js",
            "web/lib/api.js",
            "web/i18n/widget.es.js",
        ] {
            assert_eq!(w.matches(&format!("// ---- {part}\n")).count(), 1, "{part}");
        }
        assert_eq!(w.matches("\nfunction h(tag, attrs, ...kids) {").count(), 1);
        assert_eq!(
            w.matches("\nasync function api(method, path, body, opts) {")
                .count(),
            1
        );
        // What only the pages use is left out; what the helpers it uses use is in.
        for unused in [
            "function translatePage(",
            "function showProblem(",
            "function timeEl(",
            "function byId(",
        ] {
            assert!(!w.contains(unused), "{unused}");
        }
        for used in [
            "\nfunction str(",
            "\nlet csrf = null;",
            "\nconst browserTz = ",
            "\nfunction stamp(",
        ] {
            assert!(w.contains(used), "{used}");
        }
        assert!(
            w.contains("\nconst es = {\n"),
            "the default export, named as imported"
        );
        // The module ran last, after everything it imports.
        assert!(w.rfind("// ---- ").unwrap() == w.find("// ---- web/widget/main.js").unwrap());
    }

    #[test]
    fn the_linker_refuses_what_it_does_not_understand() {
        assert!(imports("a/b.js", "import { x as y } from './c.js';").is_err());
        assert!(imports("a/b.js", "import * as c from './c.js';").is_err());
        assert!(imports("a/b.js", "import x from 'https://example.com/x.js';").is_err());
        assert!(imports("a/b.js", "import x from '../../x.js';").is_err());
        let i = imports(
            "a/b.js",
            "import { p, q } from '../lib/c.js';\nimport d from \"./d.js\"",
        )
        .unwrap();
        assert_eq!(i[0].names, ["p", "q"]);
        assert_eq!(i[0].path, "lib/c.js");
        assert_eq!(i[1].default.as_deref(), Some("d"));
        assert_eq!(i[1].path, "a/d.js");
    }

    /// A fix to a helper in web/lib is made once: nothing else in web/
    /// defines a function or constant of the same name.
    #[test]
    fn each_shared_helper_is_defined_once() {
        let mut helpers: HashMap<String, &str> = HashMap::new();
        for (path, source) in js_files()
            .into_iter()
            .filter(|(p, _)| p.starts_with("lib/"))
        {
            for (name, exported) in declarations(source) {
                if exported {
                    assert!(
                        helpers.insert(name.clone(), path).is_none(),
                        "{name} twice in web/lib"
                    );
                }
            }
        }
        assert!(helpers.len() >= 20, "{helpers:?}");
        for (path, source) in js_files() {
            for line in source.lines() {
                let l = line.trim_start();
                let l = l.strip_prefix("export ").unwrap_or(l);
                let l = l.strip_prefix("async ").unwrap_or(l);
                for (name, home) in &helpers {
                    if *home == path {
                        continue;
                    }
                    for k in ["function ", "const ", "let ", "var "] {
                        let decl = format!("{k}{name}");
                        if let Some(after) = l.strip_prefix(&decl) {
                            let same = !after.starts_with(|c: char| {
                                c.is_ascii_alphanumeric() || c == '_' || c == '$'
                            });
                            assert!(
                                !same,
                                "web/{path} defines {name} again (it is in web/{home}): {line}"
                            );
                        }
                    }
                }
            }
        }
    }

    /// Every module's imports name embedded files and exported names, and
    /// every page's script and style sheet is served.
    #[test]
    fn imports_and_page_references_resolve() {
        let exports: HashMap<&str, Vec<String>> = js_files()
            .into_iter()
            .map(|(p, s)| {
                (
                    p,
                    declarations(s)
                        .into_iter()
                        .filter(|d| d.1)
                        .map(|d| d.0)
                        .collect(),
                )
            })
            .collect();
        for (path, source) in js_files() {
            for i in imports(path, source).unwrap() {
                let Some(names) = exports.get(i.path.as_str()) else {
                    panic!("web/{path} imports web/{}, which is not served", i.path);
                };
                for n in &i.names {
                    assert!(
                        names.contains(n),
                        "web/{path}: web/{} exports no {n}",
                        i.path
                    );
                }
                if i.default.is_some() {
                    let target = std::str::from_utf8(ASSETS[i.path.as_str()].1).unwrap();
                    assert!(
                        target.contains("\nexport default "),
                        "web/{}: no default export",
                        i.path
                    );
                }
            }
        }
        for page in [
            "index.html",
            "agent.html",
            "admin.html",
            "book.html",
            "cancel.html",
        ] {
            let html = text(page);
            let mut refs = 0;
            for attr in ["src=\"/", "href=\"/"] {
                for (at, _) in html.match_indices(attr) {
                    let rest = &html[at + attr.len()..];
                    let path = &rest[..rest.find('"').unwrap()];
                    if matches!(path.rsplit_once('.'), Some((_, "js" | "css" | "svg"))) {
                        assert!(ASSETS.contains_key(path), "{page}: /{path}");
                        refs += 1;
                    }
                }
            }
            assert!(refs >= 1, "{page}");
        }
    }

    /// What a browser gets for each kind of address (headers as before
    /// the files were served from one route).
    #[tokio::test]
    async fn files_answer_with_their_headers() {
        use axum::body::Body;
        use axum::http::{Method, Request, StatusCode};
        use tower::ServiceExt;

        async fn ask(method: Method, path: &str, accept: &str) -> Response {
            files::<()>()
                .fallback(not_found)
                .oneshot(
                    Request::builder()
                        .method(method)
                        .uri(path)
                        .header(header::ACCEPT, accept)
                        .body(Body::empty())
                        .unwrap(),
                )
                .await
                .unwrap()
        }
        let h = |r: &Response, name: header::HeaderName| {
            r.headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        for path in [
            "/agent/main.js",
            "/lib/api.js",
            "/i18n/book.fr.js",
            "/book.js",
            "/home.js",
        ] {
            let r = ask(Method::GET, path, "*/*").await;
            assert_eq!(r.status(), StatusCode::OK, "{path}");
            assert_eq!(
                h(&r, header::CONTENT_TYPE).unwrap(),
                "text/javascript; charset=utf-8"
            );
            assert_eq!(h(&r, header::CACHE_CONTROL).unwrap(), "no-cache");
            assert_eq!(h(&r, header::ACCESS_CONTROL_ALLOW_ORIGIN), None);
        }
        let r = ask(Method::GET, "/booking.css", "text/css").await;
        assert_eq!(
            h(&r, header::CONTENT_TYPE).unwrap(),
            "text/css; charset=utf-8"
        );
        assert_eq!(h(&r, header::CACHE_CONTROL).unwrap(), "no-cache");
        for path in ["/favicon.svg", "/favicon.ico"] {
            let r = ask(Method::GET, path, "image/*").await;
            assert_eq!(h(&r, header::CONTENT_TYPE).unwrap(), "image/svg+xml");
            assert_eq!(
                h(&r, header::CACHE_CONTROL).unwrap(),
                "public, max-age=86400"
            );
        }
        let r = ask(Method::GET, "/widget.js", "*/*").await;
        assert_eq!(
            h(&r, header::CONTENT_TYPE).unwrap(),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(h(&r, header::CACHE_CONTROL).unwrap(), "public, max-age=300");
        assert_eq!(h(&r, header::ACCESS_CONTROL_ALLOW_ORIGIN).unwrap(), "*");
        let body = axum::body::to_bytes(r.into_body(), usize::MAX)
            .await
            .unwrap();
        assert_eq!(body, WIDGET.as_bytes());
        let r = ask(Method::HEAD, "/lib/dom.js", "*/*").await;
        assert_eq!(r.status(), StatusCode::OK);
        // Pages only at their own addresses; unknown files reach the fallback.
        for path in [
            "/agent.html",
            "/agent.js",
            "/widget/",
            "/lib//dom.js",
            "/nowhere",
            "/lib/dom.js/x",
        ] {
            let r = ask(Method::GET, path, "text/html").await;
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
            assert!(
                h(&r, header::CONTENT_TYPE)
                    .unwrap()
                    .starts_with("text/html"),
                "{path}"
            );
        }
        let r = ask(Method::POST, "/nowhere", "application/json").await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            h(&r, header::CONTENT_TYPE).unwrap(),
            "application/problem+json"
        );
        let r = ask(Method::POST, "/lib/dom.js", "*/*").await;
        assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(h(&r, header::ALLOW).unwrap(), "GET,HEAD");
    }

    #[test]
    fn files_are_served_with_their_types() {
        assert_eq!(ASSETS["agent/main.js"].0, "text/javascript; charset=utf-8");
        assert_eq!(ASSETS["lib/dom.js"].0, "text/javascript; charset=utf-8");
        assert_eq!(ASSETS["agent.css"].0, "text/css; charset=utf-8");
        assert_eq!(ASSETS["favicon.svg"].0, "image/svg+xml");
        assert!(
            !ASSETS.contains_key("agent.html"),
            "pages have their own addresses"
        );
        assert!(!ASSETS.contains_key("widget.js"), "assembled, not a file");
    }
}
