//! Closed sets of values (roles, statuses, kinds) as enums with one text form, used alike
//! by serde (JSON), utoipa (the spec) and the database (a TEXT column with a CHECK).

#[macro_export]
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
                 serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        // The text of each variant must be its snake_case name: utoipa reads `rename_all`.
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $text)] $variant ),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(&self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }

            /// Reads the stored text; anything else means the database was changed by hand.
            pub fn from_db(s: &str) -> Result<Self, $crate::error::ApiError> {
                Self::parse(s).ok_or_else(|| $crate::error::ApiError::Internal(
                    format!("unknown {} {:?} in the database", stringify!($name), s)))
            }
        }

        #[cfg(test)]
        impl $name {
            /// serde's text and the stored text agree (checked by each enum's tests).
            pub fn assert_texts_agree() {
                for v in Self::ALL {
                    assert_eq!(serde_json::to_value(v).unwrap(), serde_json::Value::String(v.as_str().into()));
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
