//! The strategic-plan measures (DESIGN.md §3), live: each a GROUP BY over the district's rows
//! for a school year and an organization scope, with a breakdown by the scope's children, the
//! prior year's rate, and the lists people act on (classrooms still to survey, supervisors
//! still to train).
//!
//! The scope and the SQL they share (the organization tree, the dialect, named parameters)
//! are in `sql`; what a figure may show is `privacy`'s to say; the school year is `calendar`'s.
//!
//! Layout:
//! - `definitions.rs`: each measure's subjects as SQL — the rows it counts, the scope unit
//!   each belongs to and whether it counts toward the numerator;
//! - `service.rs`: running the definitions: a headline and a breakdown per measure, read from
//!   the maintained counts when they are current, else counted from the rows;
//! - `maintained.rs`: the maintained counts — what is kept, how it stays fresh and exact, the
//!   rebuild;
//! - `lists.rs`: SFS classrooms not administered and supervisory entries, paginated;
//! - `types.rs` / `query.rs`: the GraphQL surface.

pub mod definitions;
pub mod lists;
pub mod maintained;
pub mod query;
pub mod service;
pub mod subscription;
pub mod types;
