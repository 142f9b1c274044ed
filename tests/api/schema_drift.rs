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
