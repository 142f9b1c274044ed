//! `schema.graphql` at the repository root is the SDL the code builds.

#[test]
fn checked_in_schema_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    let built = api::schema::sdl();
    assert!(
        checked_in == built,
        "schema.graphql is out of date with the code; regenerate it with\n\n    cargo run -- schema > schema.graphql\n"
    );
}

/// Every type, field, argument, input field and enum value of the schema is described: the
/// descriptions are the API's documentation (they become `schema.graphql` and GraphiQL's docs).
#[tokio::test]
async fn every_type_field_argument_and_enum_value_is_described() {
    let query = r#"{ __schema { types { name kind description
        fields { name description args { name description } }
        inputFields { name description }
        enumValues { name description } } } }"#;
    let response = api::schema::build().execute(query).await;
    assert!(response.errors.is_empty(), "{:?}", response.errors);
    let data = response.data.into_json().unwrap();
    let described = |v: &serde_json::Value| v["description"].as_str().is_some_and(|d| !d.trim().is_empty());
    let mut missing = Vec::new();
    for t in data["__schema"]["types"].as_array().unwrap() {
        let name = t["name"].as_str().unwrap();
        if name.starts_with("__") || ["String", "Int", "Float", "Boolean", "ID"].contains(&name) {
            continue;
        }
        if !described(t) {
            missing.push(name.to_owned());
        }
        for field in t["fields"].as_array().into_iter().flatten() {
            if !described(field) {
                missing.push(format!("{name}.{}", field["name"].as_str().unwrap()));
            }
            for arg in field["args"].as_array().into_iter().flatten() {
                if !described(arg) {
                    missing.push(format!(
                        "{name}.{}({})",
                        field["name"].as_str().unwrap(),
                        arg["name"].as_str().unwrap()
                    ));
                }
            }
        }
        for field in t["inputFields"].as_array().into_iter().flatten() {
            if !described(field) {
                missing.push(format!("{name}.{}", field["name"].as_str().unwrap()));
            }
        }
        for value in t["enumValues"].as_array().into_iter().flatten() {
            if !described(value) {
                missing.push(format!("{name}.{}", value["name"].as_str().unwrap()));
            }
        }
    }
    assert!(missing.is_empty(), "undescribed in the schema:\n{}", missing.join("\n"));
}

/// One date scalar (`Date`, ISO 8601) for every date argument and field, and counts typed
/// `Int`: a frontend's generated types should not have to reconcile two kinds of day or
/// round `304.0`. The only instant is an audit row's `occurredAt` (`DateTime`, RFC 3339), and
/// the only free-form value its record before and after (`JSON`).
#[test]
fn dates_are_one_scalar_and_counts_are_integers() {
    let sdl = api::schema::sdl();
    let scalars: Vec<&str> = sdl.lines().filter(|l| l.starts_with("scalar ")).collect();
    assert_eq!(
        scalars,
        ["scalar Date", "scalar DateTime", "scalar JSON", "scalar Upload"],
        "custom scalars"
    );
    for line in sdl.lines().filter(|l| l.contains(": DateTime") || l.contains(": JSON")) {
        let field = line.trim_start();
        assert!(
            ["occurredAt:", "before:", "after:", "from:", "to:"]
                .iter()
                .any(|name| field.starts_with(name)),
            "only the audit trail has instants and free-form values: {line}"
        );
    }
    for count in ["numerator", "denominator", "totalCount", "sessions", "uniqueEmployees"] {
        for line in sdl.lines().filter(|l| l.trim_start().starts_with(&format!("{count}:"))) {
            assert!(line.contains(": Int"), "{count} is not an Int: {line}");
        }
    }
}
