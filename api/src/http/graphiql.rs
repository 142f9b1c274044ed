//! GraphiQL at `/`, working with no internet: the page, its start script and the pinned
//! production builds of GraphiQL and React it loads are compiled into the binary from
//! `api/assets/graphiql/` (their provenance, licences and checksums are in that folder's
//! README.md and SHA256SUMS) and served under `/graphiql/`. A Content-Security-Policy keeps
//! the page to this origin, so it cannot quietly start depending on a CDN again.

use poem::endpoint::{EmbeddedFileEndpoint, EmbeddedFilesEndpoint};
use poem::http::header;
use poem::middleware::SetHeader;
use poem::{Endpoint, EndpointExt};

/// The files of `api/assets/graphiql/`, in the binary.
#[derive(rust_embed::RustEmbed)]
#[folder = "assets/graphiql/"]
pub(super) struct Assets;

/// What the page may load: its own scripts and styles (GraphiQL sets inline styles, and its
/// fonts and icons are data URLs), and requests to this origin's `/graphql`.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                      font-src 'self' data:; img-src 'self' data:; connect-src 'self'; \
                      base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The page (`/`): revalidated on every visit, since it names the assets of this build.
pub(super) fn page() -> impl Endpoint {
    EmbeddedFileEndpoint::<Assets>::new("index.html").with(
        SetHeader::new()
            .overriding(header::CONTENT_SECURITY_POLICY, POLICY)
            .overriding(header::CACHE_CONTROL, "no-cache")
            .overriding(header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    )
}

/// The assets (`/graphiql/…`): cached for a day, revalidated by their ETag.
pub(super) fn assets() -> impl Endpoint {
    EmbeddedFilesEndpoint::<Assets>::new().with(
        SetHeader::new()
            .overriding(header::CACHE_CONTROL, "public, max-age=86400")
            .overriding(header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    )
}

#[cfg(test)]
mod tests {
    use super::Assets;

    /// The embedded files are byte for byte the ones SHA256SUMS records (the official
    /// release files, whose provenance README.md gives): a changed or truncated asset fails
    /// here, not in a user's browser.
    #[test]
    fn the_embedded_assets_match_their_recorded_checksums() {
        let sums = include_str!("../../assets/graphiql/SHA256SUMS");
        let mut checked = 0;
        for line in sums.lines().filter(|l| !l.trim().is_empty()) {
            let (hash, name) = line.split_once("  ").expect("`<sha256>  <file>` lines");
            let file = Assets::get(name).unwrap_or_else(|| panic!("{name} is not embedded"));
            let actual: String = file.metadata.sha256_hash().iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(actual, hash, "{name} differs from the file SHA256SUMS records");
            checked += 1;
        }
        assert_eq!(checked, 6, "four release files and two licences");
        for file in ["index.html", "start.js"] {
            assert!(Assets::get(file).is_some(), "{file} is embedded");
        }
    }
}
