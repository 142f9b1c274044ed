//! The house rules of DESIGN.md §1, read from the source: no import cycle between the top-level
//! modules of `api/src` (the domain areas may name each other's GraphQL types — that is the
//! graph — so they count as one node), the GraphQL kit knows no area, and the server does not
//! link the benchmark harness (`staffgraph-bench`, in `bench/`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The domain areas (DESIGN.md §1): they may refer to each other.
const AREAS: &[&str] = &[
    "org",
    "framework",
    "evaluation",
    "survey",
    "training",
    "wellness",
    "measures",
];

/// Macros exported at the crate root (`crate::children_by!`) and the module that defines them.
const MACROS: &[(&str, &str)] = &[
    ("children_by", "graphql"),
    ("order_by", "graphql"),
    ("api_entities", "graphql"),
    ("payload", "graphql"),
];

fn source_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("api/src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Top-level module → the top-level modules it names (`crate::x`, `$crate::x`).
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let root = source_dir();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    for file in files {
        let relative = file.strip_prefix(&root).unwrap();
        let first = relative.components().next().unwrap().as_os_str().to_string_lossy();
        let module = first.trim_end_matches(".rs").to_owned();
        if module == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let deps = graph.entry(module.clone()).or_default();
        for (at, _) in text.match_indices("crate::") {
            let name: String = text[at + "crate::".len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let name = MACROS
                .iter()
                .find(|(m, _)| *m == name)
                .map_or(name.clone(), |(_, owner)| (*owner).to_owned());
            if !name.is_empty() && name != module {
                deps.insert(name);
            }
        }
    }
    graph
}

/// The graph with every area folded into one node, `areas`.
fn folded(graph: &BTreeMap<String, BTreeSet<String>>) -> BTreeMap<String, BTreeSet<String>> {
    let fold = |m: &str| {
        if AREAS.contains(&m) {
            "areas".to_owned()
        } else {
            m.to_owned()
        }
    };
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, deps) in graph {
        let entry = out.entry(fold(module)).or_default();
        entry.extend(deps.iter().map(|d| fold(d)).filter(|d| *d != fold(module)));
    }
    out
}

/// A cycle, if there is one (depth-first search).
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn no_import_cycle_between_top_level_modules() {
    let graph = module_graph();
    assert!(graph.contains_key("graphql") && graph.contains_key("sql"), "{graph:?}");
    let folded = folded(&graph);
    let drawing: Vec<String> = folded
        .iter()
        .map(|(m, deps)| format!("{m} -> {}", deps.iter().cloned().collect::<Vec<_>>().join(", ")))
        .collect();
    if let Some(cycle) = find_cycle(&folded) {
        panic!("import cycle: {}\n{}", cycle.join(" -> "), drawing.join("\n"));
    }
}

#[test]
fn the_graphql_kit_sql_toolkit_and_privacy_know_no_area() {
    let graph = module_graph();
    let allowed: &[(&str, &[&str])] = &[
        ("graphql", &["auth", "error"]),
        ("sql", &["calendar", "error"]),
        ("privacy", &["auth", "calendar", "error", "sql"]),
        ("auth", &["error", "sql"]),
        ("error", &[]),
        ("calendar", &["error"]),
    ];
    for (module, may) in allowed {
        let deps = &graph[*module];
        let extra: Vec<&String> = deps.iter().filter(|d| !may.contains(&d.as_str())).collect();
        assert!(
            extra.is_empty(),
            "`{module}` may import only {may:?}, imports {extra:?}"
        );
    }
}

#[test]
fn the_server_does_not_link_the_benchmark_harness() {
    let manifest = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("api/Cargo.toml")).unwrap();
    assert!(!manifest.contains("reqwest"), "api/Cargo.toml depends on reqwest");
    assert!(!source_dir().join("bench").exists(), "api/src/bench exists");
}
