//! The domain's modules import each other without a cycle: `ports` at the bottom, the feature
//! modules above it, `work` and `sweep` on top. Read from the sources (test code aside), so a
//! module that starts importing one that imports it back fails here, naming the cycle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each top-level module of `domain/` and the top-level modules its code names.
fn imports(domain: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in rust_files(domain) {
        let relative = file.strip_prefix(domain).expect("under domain/");
        let top = relative.components().next().expect("a path").as_os_str().to_string_lossy().replace(".rs", "");
        let test_file = ["tests.rs", "flow_tests.rs", "testing.rs"].iter().any(|name| relative.ends_with(name));
        if top == "mod" || top == "testing" || test_file {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("readable");
        // the code before its unit tests
        let code = text.split("#[cfg(test)]\nmod tests").next().unwrap_or_default();
        let depth = relative.components().count();
        let named = graph.entry(top.clone()).or_default();
        for (index, _) in code.match_indices("crate::domain::") {
            named.insert(identifier(&code[index + "crate::domain::".len()..]));
        }
        // `super::x` names a sibling of `domain/` only from a file directly under it
        if depth == 1 {
            for (index, _) in code.match_indices("super::") {
                let rest = &code[index + "super::".len()..];
                if let Some(group) = rest.strip_prefix('{') {
                    let group = &group[..group.find('}').unwrap_or(group.len())];
                    named.extend(group.split(',').map(|item| identifier(item.trim())));
                } else {
                    named.insert(identifier(rest));
                }
            }
        }
        named.remove(&top);
    }
    let modules: BTreeSet<String> = graph.keys().cloned().collect();
    graph.values_mut().for_each(|named| named.retain(|module| modules.contains(module)));
    graph
}

fn identifier(text: &str) -> String {
    text.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect()
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("a directory") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// A cycle through `start`, if there is one: the path back to it.
fn cycle_from(graph: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    let mut stack = vec![vec![start.to_owned()]];
    let mut seen = BTreeSet::new();
    while let Some(path) = stack.pop() {
        let last = path.last().expect("never empty");
        for next in graph.get(last).into_iter().flatten() {
            if next == start {
                return Some([path.clone(), vec![start.to_owned()]].concat());
            }
            if seen.insert(next.clone()) {
                stack.push([path.clone(), vec![next.clone()]].concat());
            }
        }
    }
    None
}

#[test]
fn the_domain_imports_in_layers() {
    let domain = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/domain");
    let graph = imports(&domain);
    assert!(graph.len() > 15 && graph["cuts"].contains("ports"), "the graph was read: {graph:?}");
    assert!(
        graph["ports"].iter().all(|m| ["ids", "page", "time"].contains(&m.as_str())),
        "ports: {:?}",
        graph["ports"]
    );
    let cycles: Vec<Vec<String>> = graph.keys().filter_map(|module| cycle_from(&graph, module)).collect();
    assert!(cycles.is_empty(), "import cycles in domain/: {cycles:?}");
}

#[test]
fn a_cycle_is_found() {
    let graph: BTreeMap<String, BTreeSet<String>> = [("a", "b"), ("b", "c"), ("c", "a"), ("d", "a")]
        .into_iter()
        .map(|(from, to)| (from.to_owned(), BTreeSet::from([to.to_owned()])))
        .collect();
    assert_eq!(cycle_from(&graph, "a"), Some(vec!["a".into(), "b".into(), "c".into(), "a".into()]));
    assert_eq!(cycle_from(&graph, "d"), None);
}
