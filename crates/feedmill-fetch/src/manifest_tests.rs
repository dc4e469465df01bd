//! The crate's manifest keeps the simulator's web server out of production builds: axum is an
//! optional dependency that only the `simulator` feature, off by default, switches on.

use toml::{Table, Value};

fn manifest() -> Result<Table, toml::de::Error> {
    include_str!("../Cargo.toml").parse()
}

/// The table `name` of the manifest; empty when it has none.
fn table(manifest: &Table, name: &str) -> Table {
    manifest
        .get(name)
        .and_then(Value::as_table)
        .cloned()
        .unwrap_or_default()
}

#[test]
fn axum_is_only_a_dependency_of_the_simulator_feature() -> Result<(), toml::de::Error> {
    let manifest = manifest()?;
    let axum = table(&manifest, "dependencies").get("axum").cloned();
    let optional = axum.as_ref().and_then(|spec| spec.get("optional"));
    assert_eq!(optional, Some(&Value::Boolean(true)), "{axum:?}");
    let features = table(&manifest, "features");
    let simulator = features.get("simulator").and_then(Value::as_array);
    assert_eq!(
        simulator.map(|deps| deps.iter().any(|d| d.as_str() == Some("dep:axum"))),
        Some(true)
    );
    let default = features.get("default").and_then(Value::as_array);
    assert!(
        default.is_none_or(|d| d.is_empty()),
        "the simulator must stay off by default: {default:?}"
    );
    Ok(())
}

#[test]
fn no_other_normal_dependency_brings_a_web_server() -> Result<(), toml::de::Error> {
    let manifest = manifest()?;
    let dependencies = table(&manifest, "dependencies");
    for server in ["axum", "hyper", "tower-http"] {
        let Some(spec) = dependencies.get(server) else {
            continue;
        };
        assert_eq!(
            spec.get("optional"),
            Some(&Value::Boolean(true)),
            "{server} must stay optional"
        );
    }
    Ok(())
}
