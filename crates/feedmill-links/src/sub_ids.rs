//! Sub-ids (click references): the publisher's markers that travel in a deep link so a sale can
//! be traced back to the click.
//!
//! Values are checked once, where they enter (a query parameter, a link-builder body), and are
//! then known to be safe: `[A-Za-z0-9_-]`, at most [`MAX_SUB_ID_LEN`] characters, so they can
//! never carry personal data such as an e-mail address. Each value sits in a numbered slot; a
//! network puts slot 1 into its first sub-id parameter (`epi`, `clickref`, `uid`, `r`), slot 2
//! into its second, and so on.
//!
//! [`SubIds`] is the one carrier of all [`MAX_SUB_ID_SLOTS`] slots, whatever the wire calls
//! them: a search fills slot 0 from `subid`, a click-out slots 0..3 from `sub_id`, `sub_id_2`,
//! `sub_id_3`, the link builder slots 0..6 from its `parameters`; slots the wire does not fill
//! stay empty.

use crate::error::LinkError;
use crate::limits::{MAX_SUB_ID_LEN, MAX_SUB_ID_SLOTS};

/// Checked sub-id values by slot (slot 0 is the network's first parameter).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubIds {
    slots: [Option<String>; MAX_SUB_ID_SLOTS],
}

impl SubIds {
    /// No sub-ids.
    pub fn none() -> SubIds {
        SubIds::default()
    }

    /// One value in slot 0, e.g. the `subid` of a search.
    pub fn single(field: &str, value: &str) -> Result<SubIds, LinkError> {
        let mut ids = SubIds::none();
        ids.set(0, field, value)?;
        Ok(ids)
    }

    /// Checks `value` and puts it into `slot`; an empty value leaves the slot empty.
    pub fn set(&mut self, slot: usize, field: &str, value: &str) -> Result<(), LinkError> {
        let Some(target) = self.slots.get_mut(slot) else {
            return Err(LinkError::SubIdSlot {
                field: field.to_string(),
            });
        };
        *target = check_sub_id(field, value)?;
        Ok(())
    }

    /// The value in `slot`, if any.
    pub fn get(&self, slot: usize) -> Option<&str> {
        self.slots.get(slot).and_then(|v| v.as_deref())
    }

    pub fn is_empty(&self) -> bool {
        self.slots.iter().all(Option::is_none)
    }

    /// Filled slots with their index.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &str)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(slot, value)| value.as_deref().map(|v| (slot, v)))
    }

    /// One past the highest filled slot: the number of parameters a network needs for them.
    pub fn num_slots_used(&self) -> usize {
        self.slots
            .iter()
            .rposition(Option::is_some)
            .map_or(0, |last| last + 1)
    }
}

/// `None` for an empty value; the value when it is a valid sub-id; an error naming `field`
/// otherwise.
pub fn check_sub_id(field: &str, value: &str) -> Result<Option<String>, LinkError> {
    if value.is_empty() {
        return Ok(None);
    }
    if value.len() > MAX_SUB_ID_LEN {
        return Err(LinkError::SubIdTooLong {
            field: field.to_string(),
        });
    }
    let valid = value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !valid {
        return Err(LinkError::SubIdCharacters {
            field: field.to_string(),
        });
    }
    Ok(Some(value.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_short_safe_values() -> Result<(), LinkError> {
        let ids = SubIds::single("subid", "news_letter-42")?;
        assert_eq!(ids.get(0), Some("news_letter-42"));
        assert_eq!(ids.num_slots_used(), 1);
        assert!(SubIds::single("subid", "")?.is_empty());
        Ok(())
    }

    #[test]
    fn rejects_unsafe_or_long_values() {
        for bad in ["a b", "a@b.se", "ä", "a&b=c", "%41", &"x".repeat(65)] {
            assert!(SubIds::single("subid", bad).is_err(), "{bad:?}");
        }
        let mut ids = SubIds::none();
        assert!(ids.set(MAX_SUB_ID_SLOTS, "clickref7", "x").is_err());
    }

    #[test]
    fn errors_name_the_wire_field() {
        let too_long = SubIds::single("subid", &"x".repeat(65));
        assert_eq!(
            too_long.map_err(|err| err.to_string()),
            Err("invalid subid: longer than 64 characters".to_string())
        );
        let mut ids = SubIds::none();
        let bad = ids.set(1, "sub_id_2", "a b").map_err(|err| err.to_string());
        assert_eq!(
            bad,
            Err("invalid sub_id_2: only letters A-Z, digits, '_' and '-' are allowed".to_string())
        );
        assert_eq!(
            ids.set(6, "clickref7", "x"),
            Err(LinkError::SubIdSlot {
                field: "clickref7".into()
            })
        );
    }

    #[test]
    fn holds_all_six_slots() -> Result<(), LinkError> {
        let mut ids = SubIds::none();
        for slot in 0..MAX_SUB_ID_SLOTS {
            ids.set(slot, "clickref", &format!("s{slot}"))?;
        }
        assert_eq!(ids.num_slots_used(), 6);
        assert_eq!(ids.get(5), Some("s5"));
        Ok(())
    }

    #[test]
    fn counts_slots_up_to_the_highest_filled_one() -> Result<(), LinkError> {
        let mut ids = SubIds::none();
        ids.set(2, "sub_id_3", "c")?;
        assert_eq!(ids.num_slots_used(), 3);
        assert_eq!(ids.iter().collect::<Vec<_>>(), vec![(2, "c")]);
        Ok(())
    }
}
