//! What a record's normalization reports besides its offer: the rejection of a record
//! ([`Reject`]: the field, the reason, an excerpt) and the warnings of values it dropped.

use crate::record::RecordWarning;
use feedmill_model::RejectReason;

/// Why a record cannot become an offer: the field, the reason, and an excerpt of the value.
pub(super) type Reject = (&'static str, RejectReason, String);

/// Records one warning of `kind` (a dropped or repaired value) with its detail.
pub(super) fn warn(warnings: &mut Vec<RecordWarning>, kind: &'static str, detail: String) {
    warnings.push(RecordWarning { kind, detail });
}
