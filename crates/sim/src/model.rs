//! Plain data types shared by the library API, the control endpoint and the CLI:
//! what an instance is created from ([`InstanceSpec`]), what is reported about it
//! ([`InstanceInfo`], [`CertificateInfo`]), the fault modes ([`Fault`]), the
//! hostile-answer modes ([`Hostile`]) and the certificate modes and options
//! ([`TlsMode`], [`CertSpec`], [`CertChange`]).
//!
//! Owns only shapes and defaults. It must never hold runtime state, sockets or
//! locks: these values are copied freely and serialized to manifests.

use serde::{Deserialize, Serialize};

/// Build every instance gets unless told otherwise.
pub const DEFAULT_BUILD: u32 = 7100;
/// Default administrator user name of a simulated instance.
pub const DEFAULT_USERNAME: &str = "admin";
/// Default administrator password of a simulated instance.
pub const DEFAULT_PASSWORD: &str = "Admin@12345";

/// How a simulated instance misbehaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Fault {
    /// Healthy: answers every request.
    None,
    /// The listening socket is closed, so connects get ECONNREFUSED.
    Down,
    /// Accepts TCP connections but never answers on them.
    Hang,
    /// Every request under `/mssp/v1/` answers `500 internal_error`.
    Error500,
}

impl Fault {
    /// The wire name, as used by the control endpoint and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Fault::None => "none",
            Fault::Down => "down",
            Fault::Hang => "hang",
            Fault::Error500 => "error500",
        }
    }
}

/// Hostile answers an instance gives on demand ([`crate::Sim::set_hostile`]):
/// well-formed JSON of the documented shapes whose values are what a careless
/// client would mishandle. Every mode is off by default; any combination may be
/// on. Unknown members are refused when deserialized, so a misspelt mode is an
/// error rather than a test that silently checks nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Hostile {
    /// `POST /mssp/v1/session` answers `"expires_in": u64::MAX`
    /// ([`Hostile::EXPIRES_IN`]); the instance itself keeps its normal token
    /// lifetime.
    pub huge_token_lifetime: bool,
    /// Strings shown to people (component names and statuses in `health` and
    /// `data`, technician names and e-mails and `license.edition` in `data`,
    /// error `message`s) become up to [`Hostile::LONG_STRING_CHARS`] long.
    pub long_strings: bool,
    /// The same strings end with [`Hostile::MARKUP`] (markup, entities,
    /// control, bidi and ANSI escape characters).
    pub markup: bool,
    /// `license.usage` counts in `data` are [`Hostile::NEGATIVE_COUNT`].
    pub negative_counts: bool,
    /// `license.usage` counts in `data` are [`Hostile::HUGE_COUNT`] and
    /// `uptime_s` in `health` is [`Hostile::HUGE_UPTIME_S`].
    pub huge_counts: bool,
    /// `POST /mssp/v1/console-session` answers a sign-in URL on another origin
    /// (host [`Hostile::FOREIGN_CONSOLE_HOST`], the instance's scheme and
    /// port) carrying a real ticket, as an instance that wants the console to
    /// hand a credential elsewhere would.
    pub foreign_console_url: bool,
}

// Beyond what an f64 holds exactly, or the mode would test nothing.
const _: () = assert!(Hostile::HUGE_COUNT > 1 << 53);

impl Hostile {
    /// `expires_in` of a login with `huge_token_lifetime`.
    pub const EXPIRES_IN: u64 = u64::MAX;
    /// Length, in characters, of a string with `long_strings`, unless the
    /// answer holds so many such strings that they would pass
    /// [`Hostile::TEXT_BUDGET_BYTES`] (then they share it equally).
    pub const LONG_STRING_CHARS: usize = 100_000;
    /// JSON-encoded bytes (quotes and escapes included) that all hostile
    /// strings of one answer may take together: the console reads at most
    /// 1 MiB of a body, and a hostile answer tests how a client treats its
    /// values, not its size cap. The rest of a default `data` answer is about
    /// 2 KB.
    pub const TEXT_BUDGET_BYTES: usize = 860_000;
    /// What `markup` appends to each string: HTML that would run script if
    /// rendered as markup, an entity, U+202E RIGHT-TO-LEFT OVERRIDE, U+200B
    /// ZERO WIDTH SPACE, BEL, LF, CR, TAB and an ANSI colour escape.
    pub const MARKUP: &str =
        "<b>Acme</b><img src=x onerror=alert(1)>&amp;\u{202E}\u{200B}\u{0007}\n\r\t\u{001b}[31m";
    /// Every `license.usage` count with `negative_counts`.
    pub const NEGATIVE_COUNT: i64 = -5;
    /// Every `license.usage` count with `huge_counts`: 2^60 + 1, above 2^53
    /// and not representable as an `f64`, so a client that parses numbers
    /// through floating point shows a different number.
    pub const HUGE_COUNT: u64 = (1 << 60) + 1;
    /// `uptime_s` in `health` with `huge_counts`.
    pub const HUGE_UPTIME_S: u64 = u64::MAX;
    /// The host of the sign-in URL with `foreign_console_url`.
    pub const FOREIGN_CONSOLE_HOST: &str = "console.attacker.invalid";

    /// True when every mode is off (the instance answers normally).
    pub fn is_off(&self) -> bool {
        *self == Hostile::default()
    }
}

/// One request an instance's web console (`/console`, `/console/…`) received:
/// its path (never the query string, so no sign-in ticket is kept) and the
/// cookies it carried, each marked with whether this instance issued it. Two
/// customers' console windows that shared a cookie store would show here as a
/// cookie one instance did not issue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleVisit {
    pub path: String,
    /// The request carried a session cookie this instance issued and still knows.
    pub signed_in: bool,
    pub cookies: Vec<SeenCookie>,
}

/// A cookie a web-console request carried.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeenCookie {
    pub name: String,
    pub value: String,
    /// This instance set it (a session cookie of its own console sign-in).
    pub issued_here: bool,
}

/// Which certificate an instance presents, if any.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TlsMode {
    /// Plain HTTP.
    #[default]
    None,
    /// A leaf signed by the one process-wide throwaway CA (what `tls: true` means).
    SharedCa,
    /// The instance's own self-signed leaf (not a CA), as a fresh Log360 install has.
    SelfSigned,
    /// A leaf signed by the instance's own CA (a customer's private CA); the
    /// chain is leaf + that CA.
    CustomCa,
}

impl TlsMode {
    /// The wire name, as used by the control endpoint and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            TlsMode::None => "none",
            TlsMode::SharedCa => "shared-ca",
            TlsMode::SelfSigned => "self-signed",
            TlsMode::CustomCa => "custom-ca",
        }
    }

    pub fn is_tls(self) -> bool {
        self != TlsMode::None
    }
}

impl std::str::FromStr for TlsMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [TlsMode::None, TlsMode::SharedCa, TlsMode::SelfSigned, TlsMode::CustomCa]
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| format!("{s:?} is not none|shared-ca|self-signed|custom-ca"))
    }
}

/// Options of a generated certificate; every field is optional. At most one of
/// `valid_days`, `expired` and `expires_in_days` may be given.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CertSpec {
    /// Subject alternative names; a name that parses as an IP address becomes
    /// an IP SAN. Default `["localhost", "127.0.0.1"]` (on a change: the
    /// current certificate's names). An empty list gives no SAN at all.
    pub names: Option<Vec<String>>,
    /// Subject CN. Default: the first name (`localhost` when there is none).
    pub common_name: Option<String>,
    /// notAfter = now + this many days (default 365); notBefore = now − 1 day.
    pub valid_days: Option<u32>,
    /// notBefore 30 days ago, notAfter 1 day ago.
    pub expired: bool,
    /// notAfter = now + this many days (may be negative); notBefore = now − 1
    /// day, or 30 days before notAfter if that is earlier.
    pub expires_in_days: Option<i64>,
}

impl CertSpec {
    /// True when nothing is asked for beyond the defaults.
    pub fn is_default(&self) -> bool {
        *self == CertSpec::default()
    }
}

/// A certificate change at run time ([`crate::Sim::set_certificate`]). The
/// instance presents the new certificate to TLS connections accepted from then
/// on; connections already open keep the old one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CertChange {
    /// New mode; `None` keeps the current one. Switching between plain HTTP and
    /// a TLS mode is refused.
    pub mode: Option<TlsMode>,
    /// Re-certify the same key pair (same SubjectPublicKeyInfo; new serial and
    /// validity), as a Log360 upgrade that renews its certificate does.
    pub keep_key: bool,
    #[serde(flatten)]
    pub cert: CertSpec,
}

/// The certificate an HTTPS instance presents to new connections.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateInfo {
    /// The leaf certificate, PEM.
    pub pem: String,
    /// The whole chain the instance sends (leaf first), PEM.
    pub chain_pem: String,
    /// Lowercase hex SHA-256 of the leaf's DER.
    pub sha256: String,
    /// Lowercase hex SHA-256 of the leaf's DER SubjectPublicKeyInfo.
    pub spki_sha256: String,
    /// The issuing CA's certificate, PEM (`None` for a self-signed leaf).
    pub ca_pem: Option<String>,
    /// The leaf's notAfter, RFC 3339 UTC.
    pub not_after: String,
}

/// What an instance is created from. Every field defaults when deserialized, so
/// a JSON config may give only the fields it cares about.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct InstanceSpec {
    pub name: String,
    pub username: String,
    pub password: String,
    pub build: u32,
    /// Kept for existing configs: `true` means `tls_mode: "shared-ca"` when
    /// `tls_mode` is absent.
    pub tls: bool,
    /// Certificate mode; overrides `tls` (`"none"` with `tls: true` is refused).
    pub tls_mode: Option<TlsMode>,
    /// Certificate options for a TLS mode (refused for a plain HTTP instance).
    /// With `shared-ca`, any option gives the instance its own leaf signed by
    /// the shared CA instead of the one shared leaf.
    pub cert: Option<CertSpec>,
    /// 0 = pick a free one.
    pub port: u16,
    pub fault: Fault,
    pub latency_ms: u64,
}

impl InstanceSpec {
    /// A healthy plain-HTTP instance with the default credentials and build.
    pub fn new(name: impl Into<String>) -> Self {
        InstanceSpec {
            name: name.into(),
            username: DEFAULT_USERNAME.to_owned(),
            password: DEFAULT_PASSWORD.to_owned(),
            build: DEFAULT_BUILD,
            tls: false,
            tls_mode: None,
            cert: None,
            port: 0,
            fault: Fault::None,
            latency_ms: 0,
        }
    }
}

impl InstanceSpec {
    /// The certificate mode this spec asks for: `tls_mode` if given, else
    /// `shared-ca` for `tls: true`, else `none`.
    pub fn effective_tls_mode(&self) -> TlsMode {
        match self.tls_mode {
            Some(mode) => mode,
            None if self.tls => TlsMode::SharedCa,
            None => TlsMode::None,
        }
    }
}

impl Default for InstanceSpec {
    /// An empty name is replaced by `Instance {port}` once the port is known.
    fn default() -> Self {
        InstanceSpec::new("")
    }
}

/// What a running simulator reports about one instance (its current values,
/// so it reflects later password or build changes).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceInfo {
    pub instance_id: uuid::Uuid,
    pub name: String,
    pub port: u16,
    pub url: String,
    pub tls: bool,
    pub username: String,
    pub password: String,
    pub build: u32,
}

/// The product version a build number stands for: 7100 -> "7.1.0",
/// 7215 -> "7.2.15". Derived rather than stored so a build change can never
/// leave the two disagreeing.
pub fn version_for_build(build: u32) -> String {
    format!("{}.{}.{}", build / 1000, (build % 1000) / 100, build % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_is_derived_from_build() {
        assert_eq!(version_for_build(7100), "7.1.0");
        assert_eq!(version_for_build(7200), "7.2.0");
        assert_eq!(version_for_build(7215), "7.2.15");
    }

    #[test]
    fn spec_fields_default_when_missing() {
        let spec: InstanceSpec = serde_json::from_str(r#"{"name":"X","port":9}"#).unwrap();
        assert_eq!(spec.name, "X");
        assert_eq!(spec.port, 9);
        assert_eq!(spec.username, DEFAULT_USERNAME);
        assert_eq!(spec.password, DEFAULT_PASSWORD);
        assert_eq!(spec.build, DEFAULT_BUILD);
        assert_eq!(spec.fault, Fault::None);
    }

    #[test]
    fn tls_mode_defaults_from_the_legacy_flag() {
        let spec: InstanceSpec = serde_json::from_str(r#"{"tls":true}"#).unwrap();
        assert_eq!(spec.tls_mode, None);
        assert_eq!(spec.cert, None);
        assert_eq!(spec.effective_tls_mode(), TlsMode::SharedCa);
        assert_eq!(InstanceSpec::default().effective_tls_mode(), TlsMode::None);
        let spec: InstanceSpec =
            serde_json::from_str(r#"{"tls_mode":"self-signed","cert":{"names":["a.example"]}}"#)
                .unwrap();
        assert_eq!(spec.effective_tls_mode(), TlsMode::SelfSigned);
        assert_eq!(spec.cert.unwrap().names, Some(vec!["a.example".to_owned()]));
    }

    #[test]
    fn tls_mode_wire_names() {
        for m in [TlsMode::None, TlsMode::SharedCa, TlsMode::SelfSigned, TlsMode::CustomCa] {
            let json = serde_json::to_string(&m).unwrap();
            assert_eq!(json, format!("\"{}\"", m.as_str()));
            assert_eq!(m.as_str().parse::<TlsMode>().unwrap(), m);
        }
        assert!("selfsigned".parse::<TlsMode>().is_err());
    }

    #[test]
    fn cert_change_is_flat_on_the_wire() {
        let c: CertChange = serde_json::from_str(
            r#"{"mode":"self-signed","names":["x"],"keep_key":true,"valid_days":30,"expired":false,"expires_in_days":null}"#,
        )
        .unwrap();
        assert_eq!(c.mode, Some(TlsMode::SelfSigned));
        assert!(c.keep_key);
        assert_eq!(c.cert.names, Some(vec!["x".to_owned()]));
        assert_eq!(c.cert.valid_days, Some(30));
        assert_eq!(serde_json::from_str::<CertChange>("{}").unwrap(), CertChange::default());
    }

    #[test]
    fn hostile_modes_default_off_and_refuse_unknown_members() {
        let h: Hostile = serde_json::from_str(r#"{"markup":true}"#).unwrap();
        assert_eq!(h, Hostile { markup: true, ..Hostile::default() });
        assert!(!h.is_off());
        assert!(serde_json::from_str::<Hostile>("{}").unwrap().is_off());
        assert!(serde_json::from_str::<Hostile>(r#"{"long_string":true}"#).is_err());
        // Not representable as f64: the nearest double is another integer.
        assert_ne!(Hostile::HUGE_COUNT as f64 as u64, Hostile::HUGE_COUNT);
    }

    #[test]
    fn fault_wire_names() {
        for f in [Fault::None, Fault::Down, Fault::Hang, Fault::Error500] {
            let json = serde_json::to_string(&f).unwrap();
            assert_eq!(json, format!("\"{}\"", f.as_str()));
        }
    }
}
