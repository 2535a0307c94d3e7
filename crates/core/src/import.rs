//! Contacts from a CSV file: which column holds which field, and each row
//! checked by the same rules as a contact made through the API.
//!
//! The whole file is read and checked before anything is written: a file
//! with one bad row imports nothing, and the report names every bad row
//! (its line in the file, the field, the reason), so the person fixes the
//! file once rather than row by row.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use crate::records::{ContactDraft, ContactInput};
use crate::validation::FieldError;
use crate::Invalid;

/// The contact fields a column may fill.
pub const CONTACT_FIELDS: [&str; 14] = [
    "first_name",
    "last_name",
    "email",
    "phone",
    "account_id",
    "job_title",
    "title",
    "relationship_type",
    "city",
    "category",
    "preferred_channel",
    "locale",
    "time_zone",
    "external_id",
];

/// The most rows one import takes.
pub const MAX_ROWS: usize = 1_000_000;
/// The most bad rows a report lists (the count is always whole).
pub const MAX_REPORTED: usize = 1_000;

/// One bad row: its line in the file (the header is line 1), the field and
/// why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BadRow {
    pub line: u64,
    pub field: String,
    pub code: String,
    pub message: String,
}

/// Why a file cannot be imported.
#[derive(Debug, Clone, PartialEq)]
pub enum Refused {
    /// The file or the column mapping is wrong (errors name `columns.<field>`
    /// or `file`).
    Mapping(Invalid),
    /// Some rows are bad: `bad` lists the first [`MAX_REPORTED`], `count`
    /// how many there are.
    Rows { bad: Vec<BadRow>, count: usize },
}

/// Which column holds each field. `explicit` maps a field to a header as
/// the person chose it; a header that names a field (ignoring case,
/// spaces and dashes: "First name" → first_name) maps itself otherwise.
pub fn columns(
    headers: &[String],
    explicit: &BTreeMap<String, String>,
) -> Result<Vec<(&'static str, usize)>, Invalid> {
    let mut errors = Vec::new();
    let position = |name: &str| headers.iter().position(|h| h.trim() == name.trim());
    let mut out: Vec<(&'static str, usize)> = Vec::new();
    for (field, header) in explicit {
        let Some(known) = CONTACT_FIELDS.iter().find(|f| **f == field.as_str()) else {
            errors.push(FieldError::new(
                format!("columns.{field}"),
                "unknown",
                format!(
                    "not a contact field; use one of {}",
                    CONTACT_FIELDS.join(", ")
                ),
            ));
            continue;
        };
        match position(header) {
            Some(i) => out.push((known, i)),
            None => errors.push(FieldError::new(
                format!("columns.{field}"),
                "unknown",
                "the file has no column with this header",
            )),
        }
    }
    for (i, h) in headers.iter().enumerate() {
        let name = h.trim().to_lowercase().replace([' ', '-'], "_");
        if let Some(field) = CONTACT_FIELDS.iter().find(|f| **f == name) {
            let taken = out.iter().any(|(f, c)| f == field || *c == i);
            if !taken && !explicit.contains_key(*field) {
                out.push((field, i));
            }
        }
    }
    if out.is_empty() && errors.is_empty() {
        errors.push(FieldError::new(
            "columns",
            "required",
            "no column maps to a contact field; name the headers or map them",
        ));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Invalid(errors))
    }
}

/// Reads and checks every row of `csv`; `progress` hears the number of rows
/// read so far (every 1,000 and at the end).
pub fn contacts(
    csv: &[u8],
    explicit: &BTreeMap<String, String>,
    mut progress: impl FnMut(usize),
) -> Result<Vec<ContactDraft>, Refused> {
    let file_error = |message: String| {
        Refused::Mapping(Invalid(vec![FieldError::new("file", "invalid", message)]))
    };
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(csv);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| file_error(format!("the first line must name the columns: {e}")))?
        .iter()
        .map(str::to_owned)
        .collect();
    let map = columns(&headers, explicit).map_err(Refused::Mapping)?;
    let mut drafts = Vec::new();
    let mut bad = Vec::new();
    let mut count = 0;
    let mut external: HashMap<String, u64> = HashMap::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(file_error(format!("line {line}: {e}"))),
        }
        if drafts.len() + count >= MAX_ROWS {
            return Err(file_error(format!("at most {MAX_ROWS} rows per import")));
        }
        let mut fail = |field: &str, code: &str, message: String| {
            count += 1;
            if bad.len() < MAX_REPORTED {
                bad.push(BadRow {
                    line,
                    field: field.to_owned(),
                    code: code.to_owned(),
                    message,
                });
            }
        };
        match row(&record, &map) {
            Err(e) => fail(&e.field, &e.code, e.message),
            Ok(d) => match d
                .external_id
                .as_ref()
                .and_then(|x| external.get(x).copied())
            {
                Some(first) => fail(
                    "external_id",
                    "duplicate",
                    format!("line {first} has the same external_id"),
                ),
                None => {
                    if let Some(x) = &d.external_id {
                        external.insert(x.clone(), line);
                    }
                    drafts.push(d);
                }
            },
        }
        let read = drafts.len() + count;
        if read % 1000 == 0 {
            progress(read);
        }
    }
    progress(drafts.len() + count);
    if count > 0 {
        return Err(Refused::Rows { bad, count });
    }
    Ok(drafts)
}

/// One row as a contact, or its first error.
fn row(
    record: &csv::StringRecord,
    map: &[(&'static str, usize)],
) -> Result<ContactDraft, FieldError> {
    let mut input = ContactInput::default();
    for (field, column) in map {
        let value = record.get(*column).map(str::trim).filter(|v| !v.is_empty());
        let Some(value) = value else { continue };
        let v = Some(value.to_owned());
        match *field {
            "first_name" => input.first_name = v,
            "last_name" => input.last_name = v,
            "email" => input.email = v,
            "phone" => input.phone = v,
            "account_id" => input.account_id = v,
            "job_title" => input.job_title = v,
            "title" => input.title = v,
            "relationship_type" => input.relationship_type = v,
            "city" => input.city = v,
            "category" => input.category = v,
            "locale" => input.locale = v,
            "time_zone" => input.time_zone = v,
            "external_id" => input.external_id = v,
            "preferred_channel" => {
                input.preferred_channel = Some(
                    serde_json::from_value(Value::String(value.to_owned())).map_err(|_| {
                        FieldError::new(
                            "preferred_channel",
                            "invalid",
                            "not a channel this contact can prefer",
                        )
                    })?,
                )
            }
            _ => unreachable!("columns() maps known fields only"),
        }
    }
    ContactDraft::parse(input).map_err(|mut e| e.0.remove(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(a, b)| ((*a).into(), (*b).into()))
            .collect()
    }

    #[test]
    fn headers_that_name_fields_map_themselves_and_choices_win() {
        let headers: Vec<String> = ["First name", "E-mail", "email", "Town"]
            .map(String::from)
            .into();
        let got = columns(&headers, &map(&[("email", "E-mail"), ("city", "Town")])).unwrap();
        assert!(got.contains(&("first_name", 0)));
        assert!(
            got.contains(&("email", 1)),
            "the chosen column, not the one named email"
        );
        assert!(got.contains(&("city", 3)));
        assert_eq!(got.len(), 3);
        let e = columns(
            &headers,
            &map(&[("shoe_size", "Town"), ("phone", "Mobile")]),
        )
        .unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, vec!["columns.phone", "columns.shoe_size"]);
        let none: Vec<String> = vec!["Colour".into()];
        assert_eq!(columns(&none, &map(&[])).unwrap_err().0[0].field, "columns");
    }

    #[test]
    fn every_bad_row_is_reported_by_line_and_nothing_passes() {
        let csv = "first_name,email,phone,external_id\n\
                   Ann,ann@example.com,+33612345678,a1\n\
                   ,not-an-email,,\n\
                   \"Bob, Jr.\",bob@example.com,,a1\n\
                   ,,,\n";
        let mut heard = Vec::new();
        let Err(Refused::Rows { bad, count }) =
            contacts(csv.as_bytes(), &map(&[]), |n| heard.push(n))
        else {
            panic!("refused")
        };
        assert_eq!(count, 3);
        let lines: Vec<_> = bad.iter().map(|b| (b.line, b.field.as_str())).collect();
        assert_eq!(
            lines,
            vec![(3, "email"), (4, "external_id"), (5, "last_name")]
        );
        assert_eq!(heard.last(), Some(&4));
    }

    #[test]
    fn good_rows_become_contacts_quoted_fields_and_all() {
        let csv = "Last name,First name,Preferred channel,Ignored\n\
                   \"O'Brien, Sr\",Seán,email,x\n\
                   Martin,,sms,y\n";
        let got = contacts(csv.as_bytes(), &map(&[]), |_| {}).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].last_name.as_deref(), Some("O'Brien, Sr"));
        assert_eq!(got[0].first_name.as_deref(), Some("Seán"));
        assert_eq!(got[1].preferred_channel.map(|c| c.as_str()), Some("sms"));
    }

    #[test]
    fn a_broken_file_is_refused_as_a_whole() {
        let ragged = "first_name,email\nAnn\n";
        assert!(matches!(
            contacts(ragged.as_bytes(), &map(&[]), |_| {}),
            Err(Refused::Mapping(_))
        ));
        let not_utf8 = b"first_name\n\xff\xfe\n";
        assert!(matches!(
            contacts(not_utf8, &map(&[]), |_| {}),
            Err(Refused::Mapping(_))
        ));
    }
}
