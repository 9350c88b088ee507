//! The single-user prefilter (`evidence::UserFilter`) on every real record of the repository:
//! whoever the parsers attribute a record to, that user's filter keeps it.

use irp_core::evidence::{Format, RecordReader, UserFilter};

mod corpus;

#[test]
fn every_record_is_kept_for_the_user_it_is_attributed_to() {
    let mut checked = 0;
    for (file, text, _) in corpus::records() {
        // Records as one line each, as the prefilter sees them in an NDJSON export.
        let line = text.replace('\n', " ");
        for event in RecordReader::new("corpus", line.as_bytes(), Format::Auto).flatten() {
            assert!(
                UserFilter::new(&event.user).may_mention(line.as_bytes()),
                "{file}: {} skipped in {line}",
                event.user
            );
            checked += 1;
        }
    }
    assert!(checked > 1_000, "only {checked} attributed records");
}
