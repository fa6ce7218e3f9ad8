//! Certificates over real TLS: each mode presents what it claims (checked on
//! the chain a rustls client actually receives, not on what the simulator
//! says), certificate options, run-time changes with and without the same
//! key, refusals, and the control endpoint's certificate routes.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{client, error_of, url};
use log360_sim::{CertChange, CertSpec, Fault, InstanceInfo, InstanceSpec, Sim, TlsMode};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::client::danger::{
    HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier,
};
use tokio_rustls::rustls::crypto::{
    CryptoProvider, aws_lc_rs, verify_tls12_signature, verify_tls13_signature,
};
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use tokio_rustls::rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use x509_cert::Certificate;
use x509_cert::der::{Decode, Encode};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{BasicConstraints, SubjectAltName};

const DAY: u64 = 86_400;

/// Accepts any chain but records it. Handshake signatures are still checked,
/// so the server provably holds the key of the leaf it presented.
#[derive(Debug)]
struct Capture {
    provider: Arc<CryptoProvider>,
    chain: Mutex<Option<Vec<CertificateDer<'static>>>>,
}

impl ServerCertVerifier for Capture {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, tokio_rustls::rustls::Error> {
        let mut chain = vec![end_entity.clone().into_owned()];
        chain.extend(intermediates.iter().map(|c| c.clone().into_owned()));
        *self.chain.lock().unwrap() = Some(chain);
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, tokio_rustls::rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, tokio_rustls::rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

/// Opens a TLS connection to the instance and returns it with the chain the
/// server presented (leaf first).
async fn connect(port: u16) -> (TlsStream<TcpStream>, Vec<CertificateDer<'static>>) {
    let provider = Arc::new(aws_lc_rs::default_provider());
    let capture = Arc::new(Capture { provider: provider.clone(), chain: Mutex::new(None) });
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(capture.clone())
        .with_no_client_auth();
    let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    let stream = TlsConnector::from(Arc::new(config)).connect(name, tcp).await.unwrap();
    let chain = capture.chain.lock().unwrap().take().expect("the verifier saw a chain");
    (stream, chain)
}

async fn presented(port: u16) -> Vec<CertificateDer<'static>> {
    connect(port).await.1
}

/// One HTTP/1.1 request on an open TLS connection; returns the status line.
async fn status_line_on(stream: &mut TlsStream<TcpStream>) -> String {
    stream
        .write_all(b"GET /mssp/v1/about HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n")
        .await
        .unwrap();
    let mut buf = vec![0u8; 4096];
    let n = stream.read(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf[..n]).into_owned();
    text.lines().next().unwrap_or_default().to_owned()
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// What the tests check about one certificate, read with an X.509 parser.
#[derive(Debug)]
struct Parsed {
    sha256: String,
    spki_sha256: String,
    serial: Vec<u8>,
    subject: String,
    issuer: String,
    /// `None` when there is no basic constraints extension.
    ca: Option<bool>,
    dns: Vec<String>,
    ips: Vec<std::net::IpAddr>,
    not_before: u64,
    not_after: u64,
}

fn parse(der: &[u8]) -> Parsed {
    let cert = Certificate::from_der(der).expect("a DER certificate");
    let tbs = cert.tbs_certificate();
    let spki = tbs.subject_public_key_info().to_der().unwrap();
    let ca = tbs.get_extension::<BasicConstraints>().unwrap().map(|(_, bc)| bc.ca);
    let mut dns = Vec::new();
    let mut ips = Vec::new();
    if let Some((_, SubjectAltName(names))) = tbs.get_extension::<SubjectAltName>().unwrap() {
        for name in names {
            match name {
                GeneralName::DnsName(n) => dns.push(n.to_string()),
                GeneralName::IpAddress(ip) => {
                    let b = ip.as_bytes();
                    ips.push(match b.len() {
                        4 => std::net::IpAddr::from(<[u8; 4]>::try_from(b).unwrap()),
                        _ => std::net::IpAddr::from(<[u8; 16]>::try_from(b).unwrap()),
                    });
                }
                other => panic!("unexpected SAN {other:?}"),
            }
        }
    }
    Parsed {
        sha256: sha256_hex(der),
        spki_sha256: sha256_hex(&spki),
        serial: tbs.serial_number().as_bytes().to_vec(),
        subject: tbs.subject().to_string(),
        issuer: tbs.issuer().to_string(),
        ca,
        dns,
        ips,
        not_before: tbs.validity().not_before.to_unix_duration().as_secs(),
        not_after: tbs.validity().not_after.to_unix_duration().as_secs(),
    }
}

fn pem_der(pem: &str) -> Vec<Vec<u8>> {
    Certificate::load_pem_chain(pem.as_bytes())
        .expect("PEM certificates")
        .iter()
        .map(|c| c.to_der().unwrap())
        .collect()
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// `actual` is `expected` give or take a minute (the test's clock read vs the
/// simulator's).
fn assert_near(actual: u64, expected: u64, what: &str) {
    assert!(actual.abs_diff(expected) <= 60, "{what}: {actual} is not about {expected}");
}

fn rfc3339_secs(text: &str) -> u64 {
    let t =
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).unwrap();
    u64::try_from(t.unix_timestamp()).unwrap()
}

async fn add(sim: &Sim, mode: TlsMode, cert: Option<CertSpec>) -> InstanceInfo {
    let mut spec = InstanceSpec::new(format!("{mode:?}"));
    spec.tls_mode = Some(mode);
    spec.cert = cert;
    sim.add_instance(spec).await.unwrap()
}

fn trusting(ca_pem: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .tls_certs_only([reqwest::Certificate::from_pem(ca_pem.as_bytes()).unwrap()])
        .build()
        .unwrap()
}

/// The checks every presented leaf passes, against what `certificate()` says.
fn check_info_matches(sim: &Sim, port: u16, chain: &[CertificateDer<'static>]) -> Parsed {
    let info = sim.certificate(port).expect("an HTTPS instance has a certificate");
    let leaf = parse(&chain[0]);
    assert_eq!(info.sha256, leaf.sha256);
    assert_eq!(info.spki_sha256, leaf.spki_sha256);
    assert_eq!(pem_der(&info.pem), vec![chain[0].to_vec()]);
    assert_eq!(pem_der(&info.chain_pem), chain.iter().map(|c| c.to_vec()).collect::<Vec<_>>());
    assert_eq!(rfc3339_secs(&info.not_after), leaf.not_after);
    assert_eq!(info.ca_pem.as_deref().map(pem_der), chain.get(1).map(|ca| vec![ca.to_vec()]));
    assert_eq!(leaf.ca, Some(false), "every leaf says it is not a CA");
    leaf
}

#[tokio::test]
async fn shared_ca_is_what_tls_true_always_meant() {
    let sim = Sim::new();
    let mut legacy = InstanceSpec::new("Legacy");
    legacy.tls = true;
    let legacy = sim.add_instance(legacy).await.unwrap();
    let explicit = add(&sim, TlsMode::SharedCa, None).await;
    assert!(legacy.tls && explicit.tls);
    assert_eq!(sim.tls_mode(legacy.port), TlsMode::SharedCa);

    let chain = presented(legacy.port).await;
    assert_eq!(chain.len(), 2, "leaf + shared CA");
    let leaf = check_info_matches(&sim, legacy.port, &chain);
    assert_eq!(presented(explicit.port).await, chain, "one shared leaf for every default");
    let ca = parse(&chain[1]);
    assert_eq!(ca.ca, Some(true));
    assert_eq!(leaf.issuer, ca.subject);
    assert_eq!(pem_der(&sim.ca_pem().unwrap()), vec![chain[1].to_vec()]);
    assert_eq!(leaf.subject, "CN=localhost");
    assert_eq!(leaf.dns, ["localhost"]);
    assert_eq!(leaf.ips, [std::net::IpAddr::from([127, 0, 0, 1])]);
    assert_near(leaf.not_after - leaf.not_before, 366 * DAY, "365 days ahead, from 1 day back");

    // Shared-ca with options: its own leaf, still from the shared CA.
    let own =
        add(&sim, TlsMode::SharedCa, Some(CertSpec { valid_days: Some(10), ..Default::default() }))
            .await;
    let own_chain = presented(own.port).await;
    assert_ne!(own_chain[0], chain[0]);
    assert_eq!(own_chain[1], chain[1]);
    let own_leaf = check_info_matches(&sim, own.port, &own_chain);
    assert_near(own_leaf.not_after, now() + 10 * DAY, "valid_days");
    assert_eq!(
        trusting(&sim.ca_pem().unwrap())
            .get(url(&own, "/mssp/v1/about"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn self_signed_instances_present_their_own_non_ca_certificates() {
    let sim = Sim::new();
    let a = add(&sim, TlsMode::SelfSigned, None).await;
    let b = add(&sim, TlsMode::SelfSigned, None).await;
    assert_eq!(a.url, format!("https://127.0.0.1:{}", a.port));

    let chain_a = presented(a.port).await;
    assert_eq!(chain_a.len(), 1, "a self-signed leaf comes alone");
    let leaf_a = check_info_matches(&sim, a.port, &chain_a);
    assert_eq!(leaf_a.issuer, leaf_a.subject);
    assert_eq!(leaf_a.dns, ["localhost"]);
    assert_eq!(leaf_a.ips, [std::net::IpAddr::from([127, 0, 0, 1])]);
    assert_eq!(sim.certificate(a.port).unwrap().ca_pem, None);
    assert_near(leaf_a.not_before, now() - DAY, "notBefore one day back");
    assert_near(leaf_a.not_after, now() + 365 * DAY, "default validity");

    // Same names, same address: still a different certificate and key.
    let leaf_b = check_info_matches(&sim, b.port, &presented(b.port).await);
    assert_ne!(leaf_a.sha256, leaf_b.sha256);
    assert_ne!(leaf_a.spki_sha256, leaf_b.spki_sha256);

    // A client that pins this very certificate as its only root gets through
    // (rustls-webpki accepts a self-signed leaf as its own anchor); one that
    // trusts only the other instance's does not.
    let pem_a = sim.certificate(a.port).unwrap().pem;
    let pem_b = sim.certificate(b.port).unwrap().pem;
    let resp = trusting(&pem_a).get(url(&a, "/mssp/v1/about")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(trusting(&pem_b).get(url(&a, "/mssp/v1/about")).send().await.is_err());
    // Down/up keeps the certificate.
    sim.set_fault(a.port, Fault::Down).await.unwrap();
    sim.set_fault(a.port, Fault::None).await.unwrap();
    assert_eq!(presented(a.port).await, chain_a);
    sim.shutdown().await;
}

#[tokio::test]
async fn custom_ca_instances_present_a_leaf_and_their_own_ca() {
    let sim = Sim::new();
    let a = add(&sim, TlsMode::CustomCa, None).await;
    let b = add(&sim, TlsMode::CustomCa, None).await;
    let chain = presented(a.port).await;
    assert_eq!(chain.len(), 2);
    let leaf = check_info_matches(&sim, a.port, &chain);
    let ca = parse(&chain[1]);
    assert_eq!(ca.ca, Some(true));
    assert_eq!(leaf.issuer, ca.subject);
    assert_ne!(ca.subject, leaf.subject);
    assert!(ca.not_after > leaf.not_after, "the CA outlives its leaf");

    let ca_pem = sim.certificate(a.port).unwrap().ca_pem.unwrap();
    assert_eq!(
        trusting(&ca_pem).get(url(&a, "/mssp/v1/about")).send().await.unwrap().status(),
        200
    );
    // Each customer has its own CA, and none is the shared one.
    let ca_b = sim.certificate(b.port).unwrap().ca_pem.unwrap();
    assert_ne!(ca_pem, ca_b);
    assert!(trusting(&ca_b).get(url(&a, "/mssp/v1/about")).send().await.is_err());
    assert_ne!(Some(ca_pem), sim.ca_pem());
    sim.shutdown().await;
}

#[tokio::test]
async fn names_common_name_and_validity_options() {
    let sim = Sim::new();
    let cert = CertSpec {
        names: Some(vec!["log360.acme.example".into(), "10.1.2.3".into(), "::1".into()]),
        common_name: Some("Acme Log360".into()),
        valid_days: Some(30),
        ..Default::default()
    };
    let info = add(&sim, TlsMode::CustomCa, Some(cert)).await;
    let leaf = check_info_matches(&sim, info.port, &presented(info.port).await);
    assert_eq!(leaf.dns, ["log360.acme.example"]);
    assert_eq!(leaf.ips, ["10.1.2.3".parse::<std::net::IpAddr>().unwrap(), "::1".parse().unwrap()]);
    assert_eq!(leaf.subject, "CN=Acme Log360");
    assert_near(leaf.not_after, now() + 30 * DAY, "valid_days");
    // The names are what a verifying client checks: 127.0.0.1 is not one now.
    let ca = sim.certificate(info.port).unwrap().ca_pem.unwrap();
    assert!(trusting(&ca).get(url(&info, "/mssp/v1/about")).send().await.is_err());

    // Without common_name, the CN is the first name.
    let info = add(
        &sim,
        TlsMode::SelfSigned,
        Some(CertSpec { names: Some(vec!["only.example".into()]), ..Default::default() }),
    )
    .await;
    let leaf = check_info_matches(&sim, info.port, &presented(info.port).await);
    assert_eq!(
        (leaf.subject.as_str(), leaf.dns.as_slice()),
        ("CN=only.example", ["only.example".to_owned()].as_slice())
    );
    assert!(leaf.ips.is_empty());
    sim.shutdown().await;
}

#[tokio::test]
async fn expired_and_expiring_soon_certificates() {
    let sim = Sim::new();
    let expired =
        add(&sim, TlsMode::SharedCa, Some(CertSpec { expired: true, ..Default::default() })).await;
    let leaf = check_info_matches(&sim, expired.port, &presented(expired.port).await);
    assert_near(leaf.not_before, now() - 30 * DAY, "expired notBefore");
    assert_near(leaf.not_after, now() - DAY, "expired notAfter");
    // A client that trusts the CA still refuses: the certificate is expired.
    let err = trusting(&sim.ca_pem().unwrap()).get(url(&expired, "/mssp/v1/about")).send().await;
    assert!(err.is_err());

    let soon = add(
        &sim,
        TlsMode::SelfSigned,
        Some(CertSpec { expires_in_days: Some(7), ..Default::default() }),
    )
    .await;
    let leaf = check_info_matches(&sim, soon.port, &presented(soon.port).await);
    assert_near(leaf.not_after, now() + 7 * DAY, "expires_in_days");
    assert_near(leaf.not_before, now() - DAY, "expires_in_days notBefore");
    assert_near(
        rfc3339_secs(&sim.certificate(soon.port).unwrap().not_after),
        now() + 7 * DAY,
        "not_after",
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn renewal_with_keep_key_keeps_the_spki_and_without_changes_both() {
    let sim = Sim::new();
    let names = vec!["log360.acme.example".to_owned(), "127.0.0.1".to_owned()];
    let info = add(
        &sim,
        TlsMode::SelfSigned,
        Some(CertSpec { names: Some(names.clone()), ..Default::default() }),
    )
    .await;
    let (mut old_conn, chain) = connect(info.port).await;
    let before = parse(&chain[0]);

    sim.set_certificate(
        info.port,
        CertChange {
            keep_key: true,
            cert: CertSpec { valid_days: Some(90), ..Default::default() },
            ..Default::default()
        },
    )
    .unwrap();
    let renewed = check_info_matches(&sim, info.port, &presented(info.port).await);
    assert_eq!(renewed.spki_sha256, before.spki_sha256, "same key pair");
    assert_ne!(renewed.sha256, before.sha256, "a new certificate");
    assert_ne!(renewed.serial, before.serial, "with a new serial");
    assert_near(renewed.not_after, now() + 90 * DAY, "new validity");
    assert_eq!(renewed.dns, ["log360.acme.example"], "names carry over");
    assert_eq!(renewed.subject, before.subject);
    // A connection opened before the change finishes on the old certificate.
    assert!(status_line_on(&mut old_conn).await.starts_with("HTTP/1.1 200"));

    sim.set_certificate(info.port, CertChange::default()).unwrap();
    let fresh = check_info_matches(&sim, info.port, &presented(info.port).await);
    assert_ne!(fresh.spki_sha256, renewed.spki_sha256, "a new key pair");
    assert_ne!(fresh.sha256, renewed.sha256);
    sim.shutdown().await;
}

#[tokio::test]
async fn mode_changes_and_refusals() {
    let sim = Sim::new();
    let info = add(&sim, TlsMode::SelfSigned, None).await;
    let key = sim.certificate(info.port).unwrap().spki_sha256;
    // self-signed -> custom-ca with the same key: a customer CA certifies it.
    sim.set_certificate(
        info.port,
        CertChange { mode: Some(TlsMode::CustomCa), keep_key: true, ..Default::default() },
    )
    .unwrap();
    let chain = presented(info.port).await;
    assert_eq!(chain.len(), 2);
    assert_eq!(check_info_matches(&sim, info.port, &chain).spki_sha256, key);
    assert_eq!(sim.tls_mode(info.port), TlsMode::CustomCa);
    let ca = sim.certificate(info.port).unwrap().ca_pem;
    // Renewals keep the customer's CA.
    sim.set_certificate(info.port, CertChange::default()).unwrap();
    assert_eq!(sim.certificate(info.port).unwrap().ca_pem, ca);
    // -> shared-ca: chains to the shared CA.
    sim.set_certificate(
        info.port,
        CertChange { mode: Some(TlsMode::SharedCa), ..Default::default() },
    )
    .unwrap();
    let chain = presented(info.port).await;
    assert_eq!(pem_der(&sim.ca_pem().unwrap()), vec![chain[1].to_vec()]);

    let kind = |r: std::io::Result<()>| r.unwrap_err().kind();
    use std::io::ErrorKind::{InvalidInput, NotFound, Unsupported};
    assert_eq!(
        kind(sim.set_certificate(
            info.port,
            CertChange { mode: Some(TlsMode::None), ..Default::default() }
        )),
        Unsupported
    );
    let both = CertSpec { expired: true, expires_in_days: Some(3), ..Default::default() };
    assert_eq!(
        kind(
            sim.set_certificate(info.port, CertChange { cert: both.clone(), ..Default::default() })
        ),
        InvalidInput
    );
    assert_eq!(kind(sim.set_certificate(1, CertChange::default())), NotFound);

    let http = sim.add_instance(InstanceSpec::new("Plain")).await.unwrap();
    assert_eq!(sim.certificate(http.port), None);
    assert_eq!(sim.tls_mode(http.port), TlsMode::None);
    assert_eq!(
        kind(sim.set_certificate(
            http.port,
            CertChange { mode: Some(TlsMode::SelfSigned), ..Default::default() }
        )),
        Unsupported
    );
    assert_eq!(kind(sim.set_certificate(http.port, CertChange::default())), Unsupported);

    // Specs the simulator cannot honour are refused before anything is bound.
    let mut spec = InstanceSpec::new("Contradiction");
    spec.tls = true;
    spec.tls_mode = Some(TlsMode::None);
    assert_eq!(sim.add_instance(spec).await.unwrap_err().kind(), InvalidInput);
    let mut spec = InstanceSpec::new("Options without TLS");
    spec.cert = Some(CertSpec::default());
    assert_eq!(sim.add_instance(spec).await.unwrap_err().kind(), InvalidInput);
    let mut spec = InstanceSpec::new("Both");
    spec.tls_mode = Some(TlsMode::SelfSigned);
    spec.cert = Some(both);
    assert_eq!(sim.add_instance(spec).await.unwrap_err().kind(), InvalidInput);
    assert_eq!(sim.instances().len(), 2);
    sim.shutdown().await;
}

#[tokio::test]
async fn control_endpoint_creates_shows_and_changes_certificates() {
    let sim = Sim::new();
    let addr = sim.serve_control("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let base = format!("http://{addr}");
    let c = client();

    let resp = c
        .post(format!("{base}/instances"))
        .json(&json!({"name": "Acme", "tls_mode": "self-signed", "cert": {"names": ["localhost"], "expires_in_days": 5}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let created: InstanceInfo = resp.json().await.unwrap();
    assert!(created.tls);
    let p = created.port;
    let list: Value =
        c.get(format!("{base}/instances")).send().await.unwrap().json().await.unwrap();
    assert_eq!(list[0]["tls_mode"], "self-signed");

    let shown: Value = c
        .get(format!("{base}/instances/{p}/certificate"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let chain = presented(p).await;
    assert_eq!(shown["sha256"], parse(&chain[0]).sha256);
    assert_eq!(shown["ca_pem"], Value::Null);
    assert_near(rfc3339_secs(shown["not_after"].as_str().unwrap()), now() + 5 * DAY, "not_after");
    for key in ["pem", "chain_pem", "spki_sha256"] {
        assert!(shown[key].is_string(), "{key}");
    }

    let resp = c
        .post(format!("{base}/instances/{p}/certificate"))
        .json(&json!({"mode": "custom-ca", "names": ["localhost"], "keep_key": true, "valid_days": 365, "expired": false, "expires_in_days": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let state: Value = resp.json().await.unwrap();
    assert_eq!(state["tls_mode"], "custom-ca");
    assert_eq!(state["certificate"]["spki_sha256"], shown["spki_sha256"]);
    assert_ne!(state["certificate"]["sha256"], shown["sha256"]);
    let now_shown: Value = c
        .get(format!("{base}/instances/{p}/certificate"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(now_shown["sha256"], parse(&presented(p).await[0]).sha256);
    assert!(now_shown["ca_pem"].is_string());

    let post = |path: String, body: Value| c.post(format!("{base}{path}")).json(&body).send();
    let (status, code, _) = error_of(
        post(format!("/instances/{p}/certificate"), json!({"mode": "none"})).await.unwrap(),
    )
    .await;
    assert_eq!((status, code.as_str()), (StatusCode::CONFLICT, "unsupported"));
    let (status, code, _) = error_of(
        post(format!("/instances/{p}/certificate"), json!({"valid_days": 0})).await.unwrap(),
    )
    .await;
    assert_eq!((status, code.as_str()), (StatusCode::BAD_REQUEST, "bad_request"));
    let (status, code, _) = error_of(
        post(format!("/instances/{p}/certificate"), json!({"mode": "selfsigned"})).await.unwrap(),
    )
    .await;
    assert_eq!((status, code.as_str()), (StatusCode::BAD_REQUEST, "bad_request"));
    let (status, code, _) = error_of(
        post("/instances".into(), json!({"tls": true, "tls_mode": "none"})).await.unwrap(),
    )
    .await;
    assert_eq!((status, code.as_str()), (StatusCode::BAD_REQUEST, "bad_request"));

    let plain: InstanceInfo =
        post("/instances".into(), json!({"name": "Plain"})).await.unwrap().json().await.unwrap();
    let q = plain.port;
    let (status, code, _) =
        error_of(c.get(format!("{base}/instances/{q}/certificate")).send().await.unwrap()).await;
    assert_eq!((status, code.as_str()), (StatusCode::NOT_FOUND, "not_found"));
    let (status, code, _) = error_of(
        post(format!("/instances/{q}/certificate"), json!({"mode": "self-signed"})).await.unwrap(),
    )
    .await;
    assert_eq!((status, code.as_str()), (StatusCode::CONFLICT, "unsupported"));
    let (status, _, _) =
        error_of(c.get(format!("{base}/instances/1/certificate")).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    sim.shutdown().await;
}
