//! Access levels: the coarse classification AWS gives every action.

use std::fmt;
use std::str::FromStr;

/// One access level, as the AWS Service Authorization Reference names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AccessLevel {
    /// Lists resources (`s3:ListAllMyBuckets`).
    List,
    /// Reads resources or their attributes (`s3:GetObject`).
    Read,
    /// Creates, changes or deletes resources (`s3:PutObject`).
    Write,
    /// Grants or changes permissions (`iam:AttachRolePolicy`).
    PermissionsManagement,
    /// Changes tags only (`s3:PutObjectTagging`).
    Tagging,
}

impl AccessLevel {
    /// Every level, in the order of this enum.
    pub const ALL: [AccessLevel; 5] = [
        AccessLevel::List,
        AccessLevel::Read,
        AccessLevel::Write,
        AccessLevel::PermissionsManagement,
        AccessLevel::Tagging,
    ];

    /// The name AWS uses: `List`, `Read`, `Write`, `Permissions management`, `Tagging`.
    pub fn as_str(self) -> &'static str {
        match self {
            AccessLevel::List => "List",
            AccessLevel::Read => "Read",
            AccessLevel::Write => "Write",
            AccessLevel::PermissionsManagement => "Permissions management",
            AccessLevel::Tagging => "Tagging",
        }
    }

    /// The letter of the level in the catalog's data format.
    pub(crate) fn from_letter(letter: u8) -> Option<Self> {
        Some(match letter {
            b'L' => AccessLevel::List,
            b'R' => AccessLevel::Read,
            b'W' => AccessLevel::Write,
            b'P' => AccessLevel::PermissionsManagement,
            b'T' => AccessLevel::Tagging,
            _ => return None,
        })
    }

    /// The position of the level in [`AccessLevel::ALL`].
    pub(crate) fn index(self) -> usize {
        self as usize
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl fmt::Display for AccessLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not an access level.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown access level `{0}`: expected list, read, write, permissions-management or tagging"
)]
pub struct ParseAccessLevelError(pub String);

impl FromStr for AccessLevel {
    type Err = ParseAccessLevelError;

    /// Accepts the AWS name and the kebab-case name, in any case: `Permissions management`,
    /// `permissions-management`, `permissions_management`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let key: String = s
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '_'))
            .map(|c| c.to_ascii_lowercase())
            .collect();
        match key.as_str() {
            "list" => Ok(AccessLevel::List),
            "read" => Ok(AccessLevel::Read),
            "write" => Ok(AccessLevel::Write),
            "permissionsmanagement" => Ok(AccessLevel::PermissionsManagement),
            "tagging" => Ok(AccessLevel::Tagging),
            _ => Err(ParseAccessLevelError(s.to_owned())),
        }
    }
}

/// The access levels of one action. Most actions have one; some have two, such as
/// `iam:CreateServiceLinkedRole` (`Permissions management, Write`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct AccessLevels(u8);

impl AccessLevels {
    /// No level.
    pub const EMPTY: AccessLevels = AccessLevels(0);

    /// Whether `level` is among these.
    pub fn contains(self, level: AccessLevel) -> bool {
        self.0 & level.bit() != 0
    }

    /// Adds `level`.
    pub fn insert(&mut self, level: AccessLevel) {
        self.0 |= level.bit();
    }

    /// Whether there is no level.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// How many levels.
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// The levels, in the order of [`AccessLevel::ALL`].
    pub fn iter(self) -> impl Iterator<Item = AccessLevel> {
        let mut bits = self.0;
        std::iter::from_fn(move || {
            // The lowest set bit is the next level: bit `i` is `AccessLevel::ALL[i]`.
            let level = AccessLevel::ALL
                .get(bits.trailing_zeros() as usize)
                .copied()?;
            bits &= bits - 1;
            Some(level)
        })
    }
}

impl From<AccessLevel> for AccessLevels {
    fn from(level: AccessLevel) -> Self {
        AccessLevels(level.bit())
    }
}

impl FromIterator<AccessLevel> for AccessLevels {
    fn from_iter<I: IntoIterator<Item = AccessLevel>>(iter: I) -> Self {
        let mut levels = AccessLevels::EMPTY;
        for level in iter {
            levels.insert(level);
        }
        levels
    }
}

/// As AWS writes them: names in alphabetical order, separated by `, ` (`Permissions
/// management, Write`).
impl fmt::Display for AccessLevels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<&str> = self.iter().map(AccessLevel::as_str).collect();
        names.sort_unstable();
        f.write_str(&names.join(", "))
    }
}

impl fmt::Debug for AccessLevels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compound_levels_display_as_aws_writes_them() {
        let levels: AccessLevels = [AccessLevel::Write, AccessLevel::PermissionsManagement]
            .into_iter()
            .collect();
        assert_eq!(levels.to_string(), "Permissions management, Write");
        assert_eq!(levels.len(), 2);
        assert!(levels.contains(AccessLevel::Write));
        assert!(!levels.contains(AccessLevel::Read));
        let tagging: AccessLevels = [AccessLevel::Write, AccessLevel::Tagging]
            .into_iter()
            .collect();
        assert_eq!(tagging.to_string(), "Tagging, Write");
        assert_eq!(AccessLevels::EMPTY.to_string(), "");
    }

    #[test]
    fn level_names_parse_in_any_spelling() {
        for level in AccessLevel::ALL {
            assert_eq!(level.as_str().parse::<AccessLevel>(), Ok(level));
        }
        assert_eq!(
            "permissions-management".parse::<AccessLevel>(),
            Ok(AccessLevel::PermissionsManagement)
        );
        assert_eq!("TAGGING".parse::<AccessLevel>(), Ok(AccessLevel::Tagging));
        let err = "admin".parse::<AccessLevel>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown access level `admin`: expected list, read, write, permissions-management or tagging"
        );
    }

    #[test]
    fn data_letters_map_to_levels() {
        let letters: Vec<_> = b"LRWPT"
            .iter()
            .filter_map(|&b| AccessLevel::from_letter(b))
            .collect();
        assert_eq!(letters, AccessLevel::ALL);
        assert_eq!(AccessLevel::from_letter(b'x'), None);
    }
}
