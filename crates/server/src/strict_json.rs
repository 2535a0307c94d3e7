//! A JSON value read into Rust types the way the API documents them.
//!
//! serde's derived structs also accept their positional form, an array
//! (`"customer": ["Ann", "Lee"]`), which the OpenAPI document does not
//! describe and no client means. [`Strict`] reads a [`serde_json::Value`]
//! like serde_json does, except that a struct must be a JSON object, at
//! every depth, and a variant's name read from a value (the tag of an
//! internally tagged enum, `{"kind": "macro", …}`) must be a string, not
//! the variant's index (`"kind": 1`). Other scalars are serde_json's own
//! reading.

use serde::de::value::{MapAccessDeserializer, MapDeserializer, SeqDeserializer};
use serde::de::{self, IntoDeserializer, Unexpected, Visitor};
use serde::forward_to_deserialize_any;
use serde_json::{Error, Value};

pub struct Strict(pub Value);

/// The members our tagged enums are tagged by.
const TAGS: [&str; 6] = ["kind", "type", "op", "per", "condition", "action"];

/// Whether serde is buffering this value rather than reading it into its
/// type. It does so for what an internally tagged enum (or a flattened
/// struct) holds: a tagged enum nested in one (a macro step's `action`) is
/// then read from serde's buffer, where a number picks a variant by index,
/// out of this deserializer's reach. So such objects are checked here, as
/// they are buffered. serde names no public type for this; its buffering
/// visitors are `…ContentVisitor` (serde is pinned; a unit test below fails
/// if that ever changes). Free-form members (`custom`, `attributes`) are
/// read as JSON values, never buffered, and keep any member they like.
fn buffered<V>() -> bool {
    std::any::type_name::<V>().contains("ContentVisitor")
}

fn numeric_tag(map: &serde_json::Map<String, Value>) -> Option<&str> {
    TAGS.into_iter()
        .find(|t| map.get(*t).is_some_and(Value::is_number))
}

impl<'de> IntoDeserializer<'de, Error> for Strict {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

fn members(map: serde_json::Map<String, Value>) -> impl Iterator<Item = (String, Strict)> {
    map.into_iter().map(|(k, v)| (k, Strict(v)))
}

impl<'de> de::Deserializer<'de> for Strict {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(items) => {
                let mut seq = SeqDeserializer::new(items.into_iter().map(Strict));
                let value = visitor.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(value)
            }
            Value::Object(map) => {
                if buffered::<V>() {
                    if let Some(name) = numeric_tag(&map) {
                        return Err(de::Error::custom(format!(
                            "`{name}` must be a name, not a number"
                        )));
                    }
                }
                let mut map = MapDeserializer::new(members(map));
                let value = visitor.visit_map(&mut map)?;
                map.end()?;
                Ok(value)
            }
            scalar => scalar.deserialize_any(visitor),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(_) => Err(de::Error::invalid_type(Unexpected::Seq, &visitor)),
            other => Strict(other).deserialize_any(visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            other => visitor.visit_some(Strict(other)),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(name) => visitor.visit_enum(name.into_deserializer()),
            Value::Object(map) if map.len() == 1 => visitor.visit_enum(MapAccessDeserializer::new(
                MapDeserializer::new(members(map)),
            )),
            Value::Object(_) => Err(de::Error::invalid_value(
                Unexpected::Map,
                &"an object with exactly one member",
            )),
            Value::Array(_) => Err(de::Error::invalid_type(Unexpected::Seq, &visitor)),
            scalar => scalar.deserialize_enum(_name, _variants, visitor),
        }
    }

    /// Reached only for values read as a variant's name: members' names
    /// are read as strings by the map, never through this deserializer.
    /// Forwarding to `deserialize_any` would let a number pick a variant
    /// by index.
    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Number(_) => Err(de::Error::custom("must be a name, not a number")),
            other => Strict(other).deserialize_any(visitor),
        }
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Name {
        first: String,
        last: Option<String>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Person {
        name: Name,
        tags: Vec<String>,
        #[serde(default)]
        kind: Option<Kind>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Plain,
        Counted(u32),
    }

    fn read<T: for<'de> Deserialize<'de>>(v: serde_json::Value) -> Result<T, Error> {
        T::deserialize(Strict(v))
    }

    #[test]
    fn objects_read_as_serde_json_reads_them() {
        let p: Person = read(serde_json::json!({
            "name": {"first": "Ann", "last": null}, "tags": ["a"], "kind": {"counted": 3}
        }))
        .unwrap();
        assert_eq!(p.name.first, "Ann");
        assert_eq!(p.kind, Some(Kind::Counted(3)));
        let p: Person =
            read(serde_json::json!({"name": {"first": "Bo"}, "tags": [], "kind": "plain"}))
                .unwrap();
        assert_eq!(p.kind, Some(Kind::Plain));
    }

    #[test]
    fn a_struct_written_as_an_array_is_refused_at_any_depth() {
        let e = read::<Person>(serde_json::json!({"name": ["Ann", null], "tags": []})).unwrap_err();
        assert!(e.to_string().contains("invalid type: sequence"), "{e}");
        assert!(read::<Person>(serde_json::json!([{"first": "Ann"}, []])).is_err());
        // serde_json itself takes both.
        assert!(serde_json::from_value::<Person>(
            serde_json::json!({"name": ["Ann", null], "tags": []})
        )
        .is_ok());
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(tag = "type", rename_all = "snake_case")]
    enum Shape {
        Dot,
        Line { length: u32 },
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Drawing {
        shape: Shape,
        /// Free-form: any member name, any value.
        custom: std::collections::BTreeMap<String, serde_json::Value>,
    }

    #[test]
    fn a_tag_must_name_its_variant_but_free_members_of_that_name_are_free() {
        let d: Drawing = read(serde_json::json!({
            "shape": {"type": "line", "length": 3},
            "custom": {"type": 5, "kind": 1, "op": 2.5}
        }))
        .unwrap();
        assert_eq!(d.shape, Shape::Line { length: 3 });
        assert_eq!(d.custom["type"], serde_json::json!(5));
        let e =
            read::<Drawing>(serde_json::json!({"shape": {"type": 0}, "custom": {}})).unwrap_err();
        assert!(
            e.to_string().contains("must be a name, not a number"),
            "{e}"
        );
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(tag = "kind", rename_all = "snake_case")]
    enum Step {
        Note { text: String },
        Act { action: Shape },
    }

    #[test]
    fn a_tag_nested_in_a_tagged_enum_must_be_a_name_too() {
        let ok: Step = read(serde_json::json!({"kind": "act", "action": {"type": "dot"}})).unwrap();
        assert_eq!(ok, Step::Act { action: Shape::Dot });
        // serde reads `action` from its buffer, where 0 would be `dot`.
        let e =
            read::<Step>(serde_json::json!({"kind": "act", "action": {"type": 0}})).unwrap_err();
        assert!(
            e.to_string().contains("must be a name, not a number"),
            "{e}"
        );
        let note: Step = read(serde_json::json!({"kind": "note", "text": "t"})).unwrap();
        assert_eq!(note, Step::Note { text: "t".into() });
    }

    #[test]
    fn wrong_types_and_unknown_variants_are_refused() {
        assert!(read::<Person>(serde_json::json!({"name": {"first": 1}, "tags": []})).is_err());
        assert!(read::<Person>(
            serde_json::json!({"name": {"first": "A"}, "tags": [], "kind": "other"})
        )
        .is_err());
    }
}
